# The 16-epoch / 192 px recipe + Mixup (Zhang 2018), alpha 0.2 (the paper's
# range for ImageNet: 0.1-0.4), on in every epoch; the label smoothing of the
# recipe applies to the mixed labels. 5-fold result: README.md beside this
# file ("What did not help").
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)))

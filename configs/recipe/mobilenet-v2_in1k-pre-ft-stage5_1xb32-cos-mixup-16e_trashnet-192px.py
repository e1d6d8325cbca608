# The 16-epoch / 192 px recipe + Mixup, alpha 0.2.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)))

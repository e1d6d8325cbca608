# + Mixup (Zhang 2018) with alpha 0.2 (the paper's range for ImageNet:
# 0.1-0.4).
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)))

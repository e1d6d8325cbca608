# Ablation base + Mixup, alpha 0.2.
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)))

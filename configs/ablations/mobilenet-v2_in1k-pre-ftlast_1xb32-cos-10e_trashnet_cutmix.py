# + CutMix (Yun 2019) with alpha 1.0 (the paper's and mmpretrain's default).
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

model = dict(train_cfg=dict(augments=dict(type='CutMix', alpha=1.0)))

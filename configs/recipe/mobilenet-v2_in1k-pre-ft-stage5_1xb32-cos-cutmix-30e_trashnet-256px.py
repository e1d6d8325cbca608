# The 30-epoch / 256 px recipe + CutMix, alpha 1.0.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

model = dict(train_cfg=dict(augments=dict(type='CutMix', alpha=1.0)))

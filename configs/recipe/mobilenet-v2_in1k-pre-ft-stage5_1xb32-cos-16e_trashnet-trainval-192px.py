# The 16-epoch / 192 px recipe trained on train+val, no validation.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

train_dataloader = dict(dataset=dict(ann_file='meta/trainval.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(save_best=None))

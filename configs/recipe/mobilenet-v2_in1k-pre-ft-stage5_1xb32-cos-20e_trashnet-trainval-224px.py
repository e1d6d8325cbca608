# The 20-epoch / 224 px recipe trained on train+val, no validation.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-224px.py'

train_dataloader = dict(dataset=dict(ann_file='meta/trainval.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(save_best=None))

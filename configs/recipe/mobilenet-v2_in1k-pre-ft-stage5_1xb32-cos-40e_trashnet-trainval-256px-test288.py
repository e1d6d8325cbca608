# The 40-epoch / 256 px / test-288 recipe trained on train+val.
_base_ = [
    './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-40e_trashnet-256px-test288.py'
]

train_dataloader = dict(dataset=dict(ann_file='meta/trainval.txt'))
val_dataloader = None
val_evaluator = None
val_cfg = None
default_hooks = dict(checkpoint=dict(save_best=None))

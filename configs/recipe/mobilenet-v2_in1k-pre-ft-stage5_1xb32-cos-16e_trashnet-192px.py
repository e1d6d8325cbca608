# The main job for 16 epochs on 192 px crops, stages 5-7 at 0.5x LR.
_base_ = '../mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'

custom_hooks = [
    dict(hook, lr_mult=0.5) if hook['type'] == 'UnfreezeHook' else hook
    for hook in _base_.custom_hooks
]

train_pipeline = [
    dict(t, scale=192) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(max_epochs=16, val_interval=16)

# The 20-epoch recipe on 256 px crops, tested at 292 / 256, 1x LR.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-224px.py'

# stages 5-7 at the head's rate (1x) instead of the family's 0.5x
custom_hooks = [
    dict(hook, lr_mult=1.0) if hook['type'] == 'UnfreezeHook' else hook
    for hook in _base_.custom_hooks
]

train_pipeline = [
    dict(t, scale=256) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

test_pipeline = [
    dict(t, scale=292) if t['type'] == 'ResizeEdge' else
    dict(t, crop_size=256) if t['type'] == 'CenterCrop' else t
    for t in _base_.test_pipeline
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

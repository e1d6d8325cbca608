# The 20-epoch / 256 px TrashNet recipe on garbage_classify.
_base_ = ('./mobilenet-v2_in1k-pre-ft-stage5_1xb64-cos-20e_'
          'garbage-classify-224px.py')

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

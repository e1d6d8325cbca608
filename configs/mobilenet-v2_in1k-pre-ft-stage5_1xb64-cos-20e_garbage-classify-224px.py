# The 20-epoch / 224 px TrashNet recipe on garbage_classify.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb64-cos-8e_garbage-classify.py'

train_pipeline = [
    dict(t, scale=224) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(max_epochs=20)

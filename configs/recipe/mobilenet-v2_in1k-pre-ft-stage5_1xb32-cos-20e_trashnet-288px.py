# The 20-epoch recipe on 288 px crops, tested at 329 / 288.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-256px.py'

train_pipeline = [
    dict(t, scale=288) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

test_pipeline = [
    dict(t, scale=329) if t['type'] == 'ResizeEdge' else
    dict(t, crop_size=288) if t['type'] == 'CenterCrop' else t
    for t in _base_.test_pipeline
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

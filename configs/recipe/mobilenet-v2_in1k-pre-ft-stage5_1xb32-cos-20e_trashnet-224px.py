# The 16-epoch / 192 px recipe for 20 epochs on 224 px crops.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

train_pipeline = [
    dict(t, scale=224) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(max_epochs=20, val_interval=20)

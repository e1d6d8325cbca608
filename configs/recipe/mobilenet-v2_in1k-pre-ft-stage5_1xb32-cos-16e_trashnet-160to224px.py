# The 16-epoch recipe with progressive resizing: 160 px crops for epochs 1-8
# (the head-only epoch and the first half of fine-tuning), 224 px crops, the
# test resolution, for epochs 9-16 (mmpretrain's SwitchRecipeHook). A
# little cheaper than 16 epochs at 192 px. 5-fold estimate and wall time:
# README.md beside this file.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

train_pipeline = [
    dict(t, scale=160) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

custom_hooks = _base_.custom_hooks + [
    dict(
        type='SwitchRecipeHook',
        schedule=[
            dict(
                action_epoch=9,
                train_pipeline=[
                    dict(t, scale=224)
                    if t['type'] == 'RandomResizedCrop' else t
                    for t in _base_.train_pipeline
                ])
        ]),
]

# The 16-epoch recipe with progressive resizing, 160 then 224 px.
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

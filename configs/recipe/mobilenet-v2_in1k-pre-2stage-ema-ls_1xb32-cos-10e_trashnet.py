# First recipe: head-only epoch, then all layers at 0.5x LR, EMA, LS.
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

# the hook freezes the backbone for epoch 1 and releases every stage after it
model = dict(
    backbone=dict(frozen_stages=-1, norm_eval=True),
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
)

# 0.05 (the head-only job's) diverges once the backbone trains
optim_wrapper = dict(optimizer=dict(lr=0.01))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=160, crop_ratio_range=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='PackInputs'),
]
train_dataloader = dict(num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2)
test_dataloader = val_dataloader

custom_hooks = _base_.custom_hooks + [
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=-1,
        lr_mult=0.5,
        norm_eval=False),
    # ~100-iteration averaging window (56 iterations per epoch)
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
]

train_cfg = dict(max_epochs=10)

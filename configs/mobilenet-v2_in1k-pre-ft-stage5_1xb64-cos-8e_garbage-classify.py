# The main job's recipe (mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet
# .py, +6.7 points over head-only by 5-fold on TrashNet) on the 40-class
# Huawei set, as a diff against the head-only config it inherits: one
# head-only epoch, then stages 5-7 and the last 1x1 conv learn at 0.5x the
# head's rate with BatchNorm adapting, label smoothing, an EMA of the
# weights, 160 px train crops / the base's 224 px test crop (channels-last
# comes with the base). No results yet (configs/README.md).
# Scaled (configs/README.md, "Carrying the TrashNet recipe"): epochs kept at
# 8 (~333 training images per class here, ~295 in TrashNet), so the EMA
# window of ~22% of the run is 0.22 x 8 x 209 iterations: momentum 0.0027.
_base_ = './mobilenet-v2_in1k-pre-headonly_1xb64-cos-30e_garbage-classify.py'

model = dict(
    backbone=dict(frozen_stages=4),  # stage 2: UnfreezeHook's norm_eval
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
)

# the main job's 0.01 at batch 32, scaled linearly to batch 64; the
# backbone's rate 0 (inherited) until UnfreezeHook sets 0.5x the head's
optim_wrapper = dict(optimizer=dict(lr=0.02))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=160, crop_ratio_range=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

custom_hooks = _base_.custom_hooks + [
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=4,
        lr_mult=0.5,
        norm_eval=False),
    dict(type='EMAHook', momentum=0.0027, priority='ABOVE_NORMAL'),
]

train_cfg = dict(max_epochs=8)

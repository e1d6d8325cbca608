# The main job's recipe on the 26-class course set, scaled to 24 epochs.
_base_ = [
    '../_base_/recipes/mobilenet-v2_in1k-pre-ft-stage5.py',
    './_base_/garbage-26x100_bs64.py',
    './_base_/sgd-cos_headonly_course.py',
]

model = dict(head=dict(num_classes=26, topk=(1, 5)))

# the main job's 0.01 at batch 32 scaled linearly to batch 64, its weight
# decay and its warmup + cosine to 1e-5; the backbone's rate 0 (inherited)
# until UnfreezeHook sets 0.5x the head's
optim_wrapper = dict(optimizer=dict(lr=0.02, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=1,
        eta_min=1e-5,
        convert_to_iter_based=True),
]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=160, crop_ratio_range=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Scaled as ../README.md ("Carrying the TrashNet recipe") says: ~100 images
# per class against TrashNet's ~295, so 3x the epochs (the first 3
# head-only) and an EMA window of ~22% of the run (0.22 x 24 x 41 iters).
custom_hooks = [
    dict(h, unfreeze_epoch=3, lr_mult=0.5) if h['type'] == 'UnfreezeHook' else
    dict(h, momentum=0.0045) if h['type'] == 'EMAHook' else h
    for h in _base_.custom_hooks
]

train_cfg = dict(max_epochs=24)

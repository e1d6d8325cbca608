# The main job's recipe on the 40-class garbage_classify set.
_base_ = [
    './_base_/recipes/mobilenet-v2_in1k-pre-ft-stage5.py',
    './_base_/datasets/garbage_classify_bs32.py',
    './_base_/schedules/sgd_cosine_warmup.py',
]

model = dict(head=dict(num_classes=40, topk=(1, 5)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=160, crop_ratio_range=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))

# the main job's 0.01 at batch 32, scaled linearly to batch 64; the
# backbone's rate 0 until UnfreezeHook sets 0.5x the head's
optim_wrapper = dict(
    optimizer=dict(lr=0.02, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}),
)
auto_scale_lr = dict(base_batch_size=64)

# Scaled as configs/README.md ("Carrying the TrashNet recipe") says: the EMA
# window of ~22% of the run is 0.22 x 8 x 209 iterations, momentum 0.0027.
custom_hooks = [
    dict(h, lr_mult=0.5) if h['type'] == 'UnfreezeHook' else
    dict(h, momentum=0.0027) if h['type'] == 'EMAHook' else h
    for h in _base_.custom_hooks
]

train_cfg = dict(max_epochs=8)

# The main job: MobileNetV2 fine-tuned on TrashNet by the shared recipe.
_base_ = [
    './_base_/recipes/mobilenet-v2_in1k-pre-ft-stage5.py',
    './_base_/datasets/trashnet_bs32.py',
    './_base_/schedules/sgd_cosine_warmup.py',
]

model = dict(head=dict(num_classes=6, topk=(1, )))

optim_wrapper = dict(
    optimizer=dict(lr=0.01, weight_decay=1e-4),
    # one parameter group per backbone tensor, at rate 0 until UnfreezeHook
    # gives the unfrozen ones the head's rate
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}),
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=160, crop_ratio_range=(0.25, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# The EMA's window follows the run: 100 iterations on TrashNet (448
# iterations, momentum 0.01), a shorter share of shorter runs (own data);
# the raw weights are validated beside it
custom_hooks = [
    dict(
        type='RunLengthEMAHook',
        max_window=100,
        full_run=448,
        priority='ABOVE_NORMAL') if h['type'] == 'EMAHook' else h
    for h in _base_.custom_hooks
]

train_cfg = dict(max_epochs=8, val_interval=4)

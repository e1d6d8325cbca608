# The main job: MobileNetV2 from ImageNet weights, fine-tuned on TrashNet
# (6 classes) in about 5 minutes on a 2-core CPU. One head-only epoch
# (UnfreezeHook), then stages 5-7 and the last 1x1 conv learn at the head's
# rate with BatchNorm adapting (the stem and stages 1-4, where most
# of the compute of a backward pass lies, stay frozen); label smoothing, an
# EMA of the weights (validated and saved in place of the raw weights),
# channels-last. Trained on 160 px crops, tested on the
# dataset base's 224 px centre crop. 5-fold estimate and wall time:
# configs/README.md and benchmarks/RESULTS.md. Faster alternatives: the
# head-only config beside it and configs/feature_cache/ (cached features).
_base_ = [
    './_base_/models/mobilenet-v2_in1k-pre.py',
    './_base_/datasets/trashnet_bs32.py',
    './_base_/schedules/sgd_cosine_warmup.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True),  # stage 2: norm_eval off
    head=dict(
        num_classes=6,
        topk=(1, ),
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
)

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

custom_hooks = _base_.custom_hooks + [
    dict(type='ChannelsLastHook'),  # 1.4x faster on a CPU
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=4,
        lr_mult=1.0,  # 0.5 until 2026-12-01 (benchmarks/RESULTS.md)
        norm_eval=False),
    # a 100-iteration window on TrashNet (448 iterations, momentum 0.01),
    # a shorter share of shorter runs; the raw weights are validated too
    dict(
        type='RunLengthEMAHook',
        max_window=100,
        full_run=448,
        priority='ABOVE_NORMAL'),
]

train_cfg = dict(max_epochs=8, val_interval=4)

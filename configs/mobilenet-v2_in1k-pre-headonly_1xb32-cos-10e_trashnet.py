# Head-only MobileNetV2 on TrashNet: frozen backbone, 10 epochs.
_base_ = [
    './_base_/models/mobilenet-v2_in1k-pre.py',
    './_base_/datasets/trashnet_bs32.py',
    './_base_/schedules/sgd_cosine_warmup.py',
    './_base_/default_runtime.py',
]

model = dict(
    # freeze conv1 + layer1..7 and keep every BatchNorm in eval mode ...
    backbone=dict(frozen_stages=7, norm_eval=True),
    head=dict(num_classes=6, topk=(1, )),
)

optim_wrapper = dict(
    optimizer=dict(lr=0.05, weight_decay=1e-4),
    # ... and never update the last 1x1 conv: only the head learns.
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}),
)

train_cfg = dict(max_epochs=10)

# MobileNetV2 runs 1.4x faster in channels-last on a CPU (ResNet-50 does
# not: benchmarks/RESULTS.md); checkpoints stay ordinary
custom_hooks = _base_.custom_hooks + [dict(type='ChannelsLastHook')]

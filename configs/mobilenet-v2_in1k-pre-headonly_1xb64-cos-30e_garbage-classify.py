# Head-only MobileNetV2 on the 40-class garbage_classify set.
_base_ = [
    './_base_/models/mobilenet-v2_in1k-pre.py',
    './_base_/datasets/garbage_classify_bs32.py',
    './_base_/schedules/sgd_cosine_warmup.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    head=dict(num_classes=40, topk=(1, 5)),
)

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    optimizer=dict(lr=0.05, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}),
)
train_cfg = dict(max_epochs=30)
auto_scale_lr = dict(base_batch_size=64)

# MobileNetV2 runs 1.4x faster in channels-last on a CPU (ResNet-50 does
# not: benchmarks/RESULTS.md); checkpoints stay ordinary
custom_hooks = _base_.custom_hooks + [dict(type='ChannelsLastHook')]

# The shared fine-tuning recipe: MobileNetV2 model, runtime and hooks.
# One head-only epoch (UnfreezeHook), then stages 5-7 and the last 1x1 conv
# learn at the head's rate with BatchNorm adapting (the stem and stages 1-4
# stay frozen); label smoothing, an EMA of the weights (validated and saved
# in place of the raw weights), channels-last. Experiment configs add a
# data set base and a schedule base beside this one and state what differs
# (classes, LR, train pipeline, epochs, the hooks' numbers): mmengine allows
# no key in two bases of one config, so the train pipeline, which the data
# set bases own, stays in the experiment configs.
_base_ = ['../models/mobilenet-v2_in1k-pre.py', '../default_runtime.py']

model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True),  # stage 2: norm_eval off
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
)

custom_hooks = _base_.custom_hooks + [
    dict(type='ChannelsLastHook'),  # faster on a CPU (docs/cpu-speed.md)
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=4,
        lr_mult=1.0,
        norm_eval=False),
    # ~100-iteration averaging window at TrashNet's 56 iterations per epoch
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
    # the frozen stages run as a folded graph in training (enabled=False: off)
    dict(type='FrozenPrefixHook'),
]

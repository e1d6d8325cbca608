# The course task: head-only MobileNetV2 on the 26-class course set.
_base_ = [
    '../_base_/models/mobilenet-v2_in1k-pre.py',
    './_base_/garbage-26x100_bs64.py',
    './_base_/sgd-cos_headonly_course.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    head=dict(num_classes=26, topk=(1, 5)),
)
train_cfg = dict(max_epochs=60)

# MobileNetV2 runs 1.4x faster in channels-last on a CPU (ResNet-50 does
# not: benchmarks/RESULTS.md); checkpoints stay ordinary
custom_hooks = _base_.custom_hooks + [dict(type='ChannelsLastHook')]

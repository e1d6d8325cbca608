# The 30-epoch / 256 px recipe with layer-wise learning-rate decay: after
# the head-only epoch, stages 3-7 and the last 1x1 conv learn (stages 3-4
# too, which the recipe keeps frozen), each stage at 0.8x the rate of the
# one above it: conv2 1x the head's rate, stage 7 0.8x, 6 0.64x, 5 0.51x,
# 4 0.41x, 3 0.33x. The stem and stages 1-2 stay frozen (full fine-tuning
# costs 1.7x a step). 5-fold estimate and wall time: README.md beside this
# file.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

custom_hooks = [
    dict(hook, frozen_stages=2, layer_decay=0.8)
    if hook['type'] == 'UnfreezeHook' else hook for hook in _base_.custom_hooks
]

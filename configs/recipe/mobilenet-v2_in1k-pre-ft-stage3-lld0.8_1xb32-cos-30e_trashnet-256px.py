# The 30-epoch / 256 px recipe with layer-wise LR decay 0.8, stages 3-7.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

custom_hooks = [
    dict(hook, frozen_stages=2, layer_decay=0.8)
    if hook['type'] == 'UnfreezeHook' else hook for hook in _base_.custom_hooks
]

# Head-only TrashNet job + an EMA of the weights.
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

# append, never replace: the base hooks (BadImageReportHook) must stay
custom_hooks = _base_.custom_hooks + [
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
]

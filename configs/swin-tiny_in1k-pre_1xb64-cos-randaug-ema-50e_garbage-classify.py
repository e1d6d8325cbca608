# The Swin-T config + an EMA of the weights.
_base_ = './swin-tiny_in1k-pre_1xb64-cos-randaug-50e_garbage-classify.py'

custom_hooks = _base_.custom_hooks + [
    dict(type='EMAHook', momentum=4e-4, priority='ABOVE_NORMAL'),
]

# The main TrashNet job + an exponential moving average of the weights
# (mmpretrain's EMAHook, mmengine's ExponentialMovingAverage):
#   ema = (1 - momentum) * ema + momentum * weights, after every iteration.
# 1768 training images / 32 = 56 iterations per epoch, 560 in 10 epochs;
# momentum 0.01 averages over the last ~100 iterations (~2 epochs), and the
# random initial head keeps 0.99**560 = 0.4% of the weight at the end.
# Validation and testing use the EMA weights; checkpoints hold the EMA weights
# as `state_dict` (so tools/test.py tests them) and the raw weights in
# `ema_state_dict` (tools/model_converters/average_checkpoints.py --raw).
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

# append, never replace: the base hooks (BadImageReportHook) must stay
custom_hooks = _base_.custom_hooks + [
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
]

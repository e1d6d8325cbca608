# First recipe with BatchNorm statistics frozen in stage 2.
_base_ = './mobilenet-v2_in1k-pre-2stage-ema-ls_1xb32-cos-10e_trashnet.py'

# change one argument of the base recipe's UnfreezeHook
custom_hooks = [
    dict(hook, norm_eval=True) if hook['type'] == 'UnfreezeHook' else hook
    for hook in _base_.custom_hooks
]

# The TrashNet recipe with BatchNorm statistics kept at their ImageNet values
# in stage 2 (norm_eval=True): no jump in the BN statistics when the backbone
# is released, and no mismatch between EMA weights and current BN buffers
# (EMAHook copies buffers, it does not average them). Everything else equal.
_base_ = './mobilenet-v2_in1k-pre-2stage-ema-ls_1xb32-cos-10e_trashnet.py'

# change one argument of the base recipe's UnfreezeHook
custom_hooks = [
    dict(hook, norm_eval=True) if hook['type'] == 'UnfreezeHook' else hook
    for hook in _base_.custom_hooks
]

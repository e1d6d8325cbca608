# The TrashNet recipe with the backbone released at 0.2x the head's learning
# rate instead of 0.5x (0.002 instead of 0.005 at the peak): a smaller jolt
# when the backbone starts to learn. Everything else equal.
_base_ = './mobilenet-v2_in1k-pre-2stage-ema-ls_1xb32-cos-10e_trashnet.py'

# change one argument of the base recipe's UnfreezeHook
custom_hooks = [
    dict(hook, lr_mult=0.2) if hook['type'] == 'UnfreezeHook' else hook
    for hook in _base_.custom_hooks
]

# The 16-epoch / 192 px recipe with the whole backbone fine-tuned.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

custom_hooks = [
    dict(hook, frozen_stages=-1, lr_mult=0.2)
    if hook['type'] == 'UnfreezeHook' else hook for hook in _base_.custom_hooks
]

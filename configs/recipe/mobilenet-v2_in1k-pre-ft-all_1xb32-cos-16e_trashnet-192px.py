# The 16-epoch / 192 px recipe with the whole backbone fine-tuned after the
# head-only epoch: stem and stages 1-7 at 0.2x the head's LR (the rate the
# full fine-tuning recipe of issue 9 chose) instead of stages 5-7 at 0.5x.
# A full fine-tuning step costs 1.7x a stages-5-7 step on this CPU.
# 5-fold estimate and wall time: README.md beside this file.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

custom_hooks = [
    dict(hook, frozen_stages=-1, lr_mult=0.2)
    if hook['type'] == 'UnfreezeHook' else hook for hook in _base_.custom_hooks
]

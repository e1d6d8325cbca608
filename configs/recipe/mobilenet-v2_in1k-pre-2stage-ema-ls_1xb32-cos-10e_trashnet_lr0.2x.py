# The TrashNet recipe with the backbone released at 0.2x the head's learning
# rate instead of 0.5x (0.002 instead of 0.005 at the peak): a smaller jolt
# when the backbone starts to learn. Everything else equal.
_base_ = './mobilenet-v2_in1k-pre-2stage-ema-ls_1xb32-cos-10e_trashnet.py'

custom_hooks = [
    dict(type='BadImageReportHook'),
    dict(type='ChannelsLastHook'),
    dict(type='UnfreezeHook', unfreeze_epoch=1, frozen_stages=-1, lr_mult=0.2,
         norm_eval=False),
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
]

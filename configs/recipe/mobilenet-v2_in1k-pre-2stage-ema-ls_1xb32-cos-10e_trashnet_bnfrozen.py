# The TrashNet recipe with BatchNorm statistics kept at their ImageNet values
# in stage 2 (norm_eval=True): no jump in the BN statistics when the backbone
# is released, and no mismatch between EMA weights and current BN buffers
# (EMAHook copies buffers, it does not average them). Everything else equal.
_base_ = './mobilenet-v2_in1k-pre-2stage-ema-ls_1xb32-cos-10e_trashnet.py'

custom_hooks = [
    dict(type='BadImageReportHook'),
    dict(type='ChannelsLastHook'),
    dict(type='UnfreezeHook', unfreeze_epoch=1, frozen_stages=-1, lr_mult=0.5,
         norm_eval=True),
    dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
]

# The main job's recipe on ResNet-50, garbage_classify.
_base_ = './resnet50_in1k-pre-frozen2_1xb64-step-70e_garbage-classify.py'

model = dict(
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))

# the base's lr 0.1 for the head; one parameter group per backbone tensor, at
# rate 0 until UnfreezeHook gives stages 3-4 0.5x the head's rate
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=1,
        eta_min=1e-5,
        convert_to_iter_based=True),
]

custom_hooks = _base_.custom_hooks + [
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=2,
        lr_mult=0.5,
        norm_eval=False),
    dict(type='EMAHook', momentum=0.0027, priority='ABOVE_NORMAL'),
]

train_cfg = dict(max_epochs=8)

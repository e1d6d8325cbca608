# What carries from the TrashNet main job (mobilenet-v2_in1k-pre-ft-stage5_
# 1xb32-cos-8e_trashnet.py) to ResNet-50, as a diff against the step-decay
# config it inherits: one head-only epoch, then stages 3-4 learn at 0.5x the
# head's rate (the stem and stages 1-2 stay frozen, as in the base) with
# BatchNorm adapting, label smoothing, an EMA of the weights, warmup + cosine
# instead of steps. Not carried: channels-last (0.85x on a CPU for ResNet-50,
# benchmarks/RESULTS.md) and the 160 px train crop (a CPU-time choice
# measured for MobileNetV2 only): 224 px as the base. No results yet.
# Scaled as the MobileNetV2 config beside it (configs/README.md): 8 epochs,
# EMA window ~22% of the run (0.22 x 8 x 209 iterations): momentum 0.0027.
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

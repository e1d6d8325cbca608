# Two-stage fine-tuning: 5 head-only epochs, then all layers at 0.1x LR.
_base_ = ['../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py']

# The hook does the freezing; keep BN statistics fixed in both stages
# (batch 32 is small for re-estimating them).
model = dict(backbone=dict(frozen_stages=-1, norm_eval=True))

# The head-only base gives every backbone parameter its own optimizer group
# with lr_mult=0; the hook gives those groups their stage-2 rate.
custom_hooks = _base_.custom_hooks + [  # keep the base's hooks
    dict(
        type='UnfreezeHook',
        unfreeze_epoch=5,
        frozen_stages=-1,
        lr_mult=0.1,
        decay_mult=1.0),
]
train_cfg = dict(max_epochs=10)

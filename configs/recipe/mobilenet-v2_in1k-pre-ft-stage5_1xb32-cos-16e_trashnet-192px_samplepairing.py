# The 16-epoch / 192 px recipe + SamplePairing (Inoue 2018) with the paper's
# schedule scaled to 16 epochs: off in the head-only epoch, then 8 epochs on
# / 2 off, and off in the last two epochs (log epochs 2-9 and 12-14 on).
# 5 points worse than the recipe on the first k-fold fold, so the other
# folds were not run: README.md beside this file ("What did not help").
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px.py'

model = dict(train_cfg=dict(augments=dict(type='SamplePairing', prob=1.0)))
custom_hooks = _base_.custom_hooks + [  # keep the recipe's hooks
    dict(
        type='SamplePairingHook',
        start_epoch=1,
        end_epoch=-2,
        on_epochs=8,
        off_epochs=2),
]

# The 30-epoch / 256 px recipe + SamplePairing.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

model = dict(train_cfg=dict(augments=dict(type='SamplePairing', prob=1.0)))
custom_hooks = _base_.custom_hooks + [  # keep the recipe's hooks
    dict(
        type='SamplePairingHook',
        start_epoch=1,
        end_epoch=-3,
        on_epochs=8,
        off_epochs=2),
]

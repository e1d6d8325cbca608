# Ablation base + SamplePairing with the paper's on/off schedule.
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

model = dict(train_cfg=dict(augments=dict(type='SamplePairing', prob=1.0)))
custom_hooks = _base_.custom_hooks + [  # keep the base's hooks
    dict(
        type='SamplePairingHook',
        start_epoch=1,
        end_epoch=-1,
        on_epochs=8,
        off_epochs=2),
]

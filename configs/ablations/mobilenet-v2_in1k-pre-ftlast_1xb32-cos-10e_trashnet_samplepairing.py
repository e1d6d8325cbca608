# + SamplePairing (Inoue 2018): each training image averaged with another one,
# label kept. Schedule as in the paper, scaled to 10 epochs: off in epoch 1,
# then 8 on / 2 off, and off in the last epoch (log epochs 2-9 on).
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

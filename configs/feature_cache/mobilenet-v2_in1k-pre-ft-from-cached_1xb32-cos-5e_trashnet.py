# Stage 2 after cached head-only training: fine-tune stages 5-7.
_base_ = ['../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py']

load_from = 'work_dirs/mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet/epoch_10.pth'  # noqa

model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=1.0)}))
train_cfg = dict(max_epochs=5)

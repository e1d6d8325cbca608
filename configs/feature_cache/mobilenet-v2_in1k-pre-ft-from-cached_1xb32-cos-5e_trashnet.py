# Two-stage fine-tuning as two configs. Stage 1 trains the head on cached
# features (fast):
#   CFG=configs/feature_cache/mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet.py
#   python tools/extract_features.py $CFG && python tools/train.py $CFG
# Stage 2 (this config) loads its last checkpoint (a full-model checkpoint)
# and fine-tunes layers 5..7 + conv2 of the backbone and the head on images,
# the backbone at 0.1x the head's learning rate.
_base_ = ['../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py']

load_from = 'work_dirs/mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet/epoch_10.pth'  # noqa

model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=1.0)}))
train_cfg = dict(max_epochs=5)

# Augmentation ablations' base: head + last stage at 0.1x LR, 10 epochs.
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

model = dict(backbone=dict(frozen_stages=6))  # layer7 + conv2 trainable

optim_wrapper = dict(
    # 0.05 (the head-only job's) diverged here within 2 epochs (loss > 15)
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(
        custom_keys={
            # the longest matching key wins over 'backbone' (lr_mult=0)
            'backbone.layer7': dict(lr_mult=0.1, decay_mult=1.),
            'backbone.conv2': dict(lr_mult=0.1, decay_mult=1.),
        }))

# + RandAugment with the Swin recipe's policies (timm's "increasing" set:
# 2 ops per image, magnitude 9 +- 0.5 of 10), as in mmpretrain's Swin configs.
# For the explicit list: policies={{_base_.rand_increasing_policies}} after
# adding 'mmpretrain::_base_/datasets/pipelines/rand_aug.py' to _base_.
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

bgr_mean = [103.53, 116.28, 123.675]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[round(x) for x in bgr_mean])),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

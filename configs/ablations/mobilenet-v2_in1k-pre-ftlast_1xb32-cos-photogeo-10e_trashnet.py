# Ablation base + per-image photometric/geometric augmentation.
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(
        type='Rotate',
        magnitude_range=(-180, 180),
        magnitude_std='inf',
        random_negative_prob=0.,
        prob=0.5,
        pad_val=0,
        interpolation='bilinear'),
    dict(type='ColorJitter', brightness=0.5, contrast=0.5, saturation=0.5),
    dict(
        type='Sharpness',
        magnitude_range=(-0.5, 0.5),
        magnitude_std='inf',
        random_negative_prob=0.,
        prob=1.),
    dict(type='GaussianNoise', sigma_range=(0., 5.), prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

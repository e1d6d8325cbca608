# + the per-image photometric/geometric set of the SamplePairing/Mixup write-up
# (../shared/writeups/samplepairing-mixup-augmentation-paddle.md): random
# brightness, contrast, saturation and sharpness factors in [0.5, 1.5], flips
# in both directions, rotation by any angle, Gaussian noise (sigma <= 5).
# Only GaussianNoise is new (mmext); the rest are mmpretrain's transforms with
# a uniform range: magnitude_std='inf' draws the magnitude uniformly in
# magnitude_range (factor = 1 + magnitude), random_negative_prob=0 keeps its
# sign.
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

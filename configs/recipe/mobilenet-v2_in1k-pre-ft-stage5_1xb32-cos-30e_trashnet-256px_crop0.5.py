# The 30-epoch / 256 px recipe with milder random crops: each crop keeps
# 50-100 % of the image's area instead of 25-100 %. Objects then appear
# closer to the scale of the test crop (resize 292 / crop 256), and the
# augmentations that made training images harder (RandAugment, Mixup) have
# lost on this recipe. 5-fold estimate and wall time: README.md beside this
# file.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

train_pipeline = [
    dict(t, crop_ratio_range=(0.5, 1.0))  # the recipe's: (0.25, 1.0)
    if t['type'] == 'RandomResizedCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# MobileNetV2 (width 1.0) starting from OpenMMLab's ImageNet-1k checkpoint.
# Offline:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/weights.pth
_base_ = 'mmpretrain::_base_/models/mobilenet_v2_1x.py'

pretrained = 'https://download.openmmlab.com/mmclassification/v0/mobilenet_v2/mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth'  # noqa
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone')),
    head=dict(num_classes=1000),  # set by the experiment config
)

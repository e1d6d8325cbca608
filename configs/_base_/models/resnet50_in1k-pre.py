# ResNet-50 starting from OpenMMLab's ImageNet-1k checkpoint.
# Offline:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/weights.pth
_base_ = 'mmpretrain::_base_/models/resnet50.py'

pretrained = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone')), )

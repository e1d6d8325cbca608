# Swin-T (224) starting from OpenMMLab's ImageNet-1k checkpoint. mmpretrain's
# base keeps label smoothing and Mixup/CutMix batch augments for fine-tuning.
# Offline:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/weights.pth
_base_ = 'mmpretrain::_base_/models/swin_transformer/tiny_224.py'

pretrained = 'https://download.openmmlab.com/mmclassification/v0/swin-transformer/swin_tiny_224_b16x64_300e_imagenet_20210616_090925-66df6be6.pth'  # noqa
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone')), )

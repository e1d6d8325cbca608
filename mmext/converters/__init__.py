"""Convert ImageNet weights in other layouts to mmpretrain's keys.

Supported: MobileNetV2 from torchvision (``features.N.conv.0.0``) or tonylins'
pytorch-mobilenet-v2 (``features.N.conv.M``), ResNet from torchvision. See
``tools/model_converters/convert_weights.py`` and ``docs/course.md``.
"""
from .convert import (ARCHS, LAYOUTS, convert_checkpoint, convert_state_dict,
                      detect_layout, load_state_dict)
from .verify import build_original, compare_features

__all__ = [
    'ARCHS', 'LAYOUTS', 'convert_checkpoint', 'convert_state_dict',
    'detect_layout', 'load_state_dict', 'build_original', 'compare_features'
]

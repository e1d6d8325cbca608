"""Check a conversion: the original network and mmpretrain's backbone, loaded
with the two layouts of the same weights, must give the same features."""
from typing import Dict, Tuple

import torch
import torchvision
from mmpretrain.models import MobileNetV2, ResNet
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual

from ..errors import CheckpointError


def _flatten_blocks(model: nn.Module) -> nn.Module:
    """Turn torchvision's MobileNetV2 into tonylins' module tree.

    tonylins' inverted-residual ``conv`` is one flat ``nn.Sequential`` (conv,
    bn, relu6, ...); torchvision nests the conv-bn-relu6 triples. Flattening
    the same modules in the same order gives exactly tonylins' names.
    """
    for block in model.features:
        if isinstance(block, InvertedResidual):
            layers = []
            for child in block.conv:
                layers += list(child) if isinstance(child, nn.Sequential) \
                    else [child]
            block.conv = nn.Sequential(*layers)
    return model


def build_original(arch: str, layout: str) -> Tuple[nn.Module, nn.Module]:
    """Build the source network (random weights) with torchvision.

    Args:
        arch: ``'mobilenet_v2'`` or ``'resnet'`` (ResNet-50).
        layout: ``'torchvision'`` or ``'tonylins'``.

    Returns:
        ``(original, mmpretrain_backbone)``: the torchvision-built network
        whose ``state_dict`` keys are the source layout, and the matching
        mmpretrain backbone.
    """
    if arch == 'mobilenet_v2':
        original = torchvision.models.mobilenet_v2(weights=None)
        if layout == 'tonylins':
            original = _flatten_blocks(original)
        return original, MobileNetV2(widen_factor=1.0)
    if arch == 'resnet':
        return torchvision.models.resnet50(weights=None), ResNet(depth=50)
    raise CheckpointError(f'No reference network for {arch}.')


def _pooled_original(arch: str, model: nn.Module, x: torch.Tensor):
    if arch == 'mobilenet_v2':
        return model.features(x).mean((2, 3))
    feats = model.layer4(
        model.layer3(
            model.layer2(
                model.layer1(
                    model.maxpool(model.relu(model.bn1(model.conv1(x))))))))
    return feats.mean((2, 3))


@torch.no_grad()
def compare_features(source: Dict[str, torch.Tensor],
                     converted: Dict[str, torch.Tensor],
                     arch: str,
                     layout: str,
                     size: int = 112,
                     batch: int = 2,
                     seed: int = 0) -> float:
    """Max abs difference of globally pooled features, original vs converted.

    Both networks load their weights with ``strict=True`` (every key must
    match), run in eval mode on the same random batch, and the last feature
    map of each is average-pooled.

    Args:
        source: The weights in the source layout (``classifier``/``fc`` keys
            are ignored).
        converted: The output of :func:`convert_state_dict`.
        arch: ``'mobilenet_v2'`` or ``'resnet'``.
        layout: The source layout.
        size: Input side in pixels.
        batch: Number of random images.
        seed: Seed of the random input.

    Returns:
        The largest absolute difference over all pooled features.
    """
    original, backbone = build_original(arch, layout)
    head_keys = ('classifier.', 'fc.')
    ref_state = {
        k: v
        for k, v in source.items() if not k.startswith(head_keys)
    }
    missing, unexpected = original.load_state_dict(ref_state, strict=False)
    missing = [k for k in missing if not k.startswith(head_keys)]
    if missing or unexpected:
        raise CheckpointError(
            f'The source weights do not fit the {layout} {arch}: missing '
            f'{missing[:3]}, unexpected {unexpected[:3]}.')
    prefix = 'backbone.'
    backbone.load_state_dict(
        {
            k[len(prefix):]: v
            for k, v in converted.items() if k.startswith(prefix)
        },
        strict=True)
    original.eval()
    backbone.eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 3, size, size, generator=gen)
    ref = _pooled_original(arch, original, x)
    got = backbone(x)[-1].mean((2, 3))
    return float((ref - got).abs().max())

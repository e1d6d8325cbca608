"""Key conversion from torchvision / tonylins layouts to mmpretrain.

The torchvision mappings are mmpretrain's own converters (shipped in its wheel
under ``.mim/tools/model_converters``), loaded and called here; tonylins'
MobileNetV2 differs from torchvision's only inside the inverted-residual
blocks (flat ``conv.M`` instead of nested ``conv.K.J``), so it is first
renamed to torchvision's layout and then converted the same way.
"""
import contextlib
import io
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from ..checkpoint import safe_torch_load
from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write
from ..utils.mim import mim_tool

ARCHS = ('mobilenet_v2', 'resnet')
LAYOUTS = ('auto', 'torchvision', 'tonylins')

# tonylins' flat block index -> torchvision's nested index.
_TONYLINS_EXPANDED = {
    '0': '0.0',
    '1': '0.1',
    '3': '1.0',
    '4': '1.1',
    '6': '2',
    '7': '3'
}
_TONYLINS_DEPTHWISE_ONLY = {'0': '0.0', '1': '0.1', '3': '1', '4': '2'}


def _mmpretrain_converter(name: str):
    """Import one of mmpretrain's ``tools/model_converters`` scripts."""
    return mim_tool(f'model_converters/{name}')


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Load a plain or wrapped state dict safely (``weights_only=True``).

    Args:
        path: A ``.pt``/``.pth`` file holding a state dict, or a dict with a
            ``state_dict`` or ``model`` entry. A ``module.`` prefix (from
            ``DataParallel``) is removed.

    Returns:
        The tensors by key.
    """
    obj = safe_torch_load(path, map_location='cpu')
    if isinstance(obj, dict):
        for key in ('state_dict', 'model'):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(
            f'{path} does not hold a state dict of tensors.',
            fix='pass the weights file itself (torch.save(model.state_dict(), '
            'f)), not a whole pickled model.',
            path=path)
    return OrderedDict(
        (k[7:] if k.startswith('module.') else k, v) for k, v in obj.items())


def detect_layout(state: Dict[str, torch.Tensor]) -> Tuple[str, str]:
    """Guess architecture and layout from the keys.

    Args:
        state: A state dict.

    Returns:
        ``(arch, layout)``, e.g. ``('mobilenet_v2', 'tonylins')``.
    """
    if any(k.startswith('backbone.') for k in state):
        raise CheckpointError(
            'These weights are already in mmpretrain\'s layout '
            '(keys start with "backbone.").',
            fix='load them directly with init_cfg=dict(type="Pretrained", '
            'checkpoint=PATH, prefix="backbone").')
    if 'features.1.conv.0.0.weight' in state:
        return 'mobilenet_v2', 'torchvision'
    if 'features.1.conv.0.weight' in state:
        return 'mobilenet_v2', 'tonylins'
    if 'layer1.0.conv1.weight' in state and 'conv1.weight' in state:
        return 'resnet', 'torchvision'
    raise CheckpointError(
        'Unrecognised weight layout (first keys: '
        f'{list(state)[:3]}).',
        fix='supported: torchvision MobileNetV2 and ResNet, tonylins '
        'pytorch-mobilenet-v2 (keys "features.N.conv.M...").')


def tonylins_to_torchvision(
        state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Rename tonylins MobileNetV2 keys to torchvision's.

    ``features.0``/``features.18`` and the classifier already match; inside a
    block, tonylins' flat ``conv.M`` becomes torchvision's ``conv.K.J``.

    Args:
        state: tonylins state dict.

    Returns:
        The same tensors under torchvision's keys.
    """
    flat = re.compile(r'^features\.(\d+)\.conv\.(\d+)\.(.+)$')
    expanded = {
        m.group(1)
        for m in map(flat.match, state) if m and m.group(2) == '7'
    }
    out = OrderedDict()
    for key, value in state.items():
        m = flat.match(key)
        if m:
            block, idx, rest = m.groups()
            table = (
                _TONYLINS_EXPANDED
                if block in expanded else _TONYLINS_DEPTHWISE_ONLY)
            if idx not in table:
                raise CheckpointError(
                    f'Unexpected key {key} for a tonylins MobileNetV2.',
                    fix='check that the file is a MobileNetV2 (width 1.0).')
            key = f'features.{block}.conv.{table[idx]}.{rest}'
        elif key.startswith('classifier.') and key.count('.') == 1:
            key = key.replace('classifier.', 'classifier.1.')  # plain Linear
        out[key] = value
    return out


def convert_state_dict(state: Dict[str, torch.Tensor],
                       arch: Optional[str] = None,
                       layout: str = 'auto') -> Dict[str, torch.Tensor]:
    """Convert a state dict to mmpretrain keys (``backbone.*``, ``head.fc.*``).

    Args:
        state: Source tensors.
        arch: ``'mobilenet_v2'`` or ``'resnet'``; ``None`` detects it.
        layout: ``'torchvision'``, ``'tonylins'`` or ``'auto'``.

    Returns:
        The tensors under mmpretrain's keys (same tensor objects).
    """
    if layout not in LAYOUTS:
        raise ConfigError(f'Unknown layout {layout!r}.', fix=f'use {LAYOUTS}.')
    if arch is not None and arch not in ARCHS:
        raise ConfigError(
            f'Unknown architecture {arch!r}.', fix=f'use {ARCHS}.')
    found_arch, found_layout = detect_layout(state)
    arch = arch or found_arch
    layout = found_layout if layout == 'auto' else layout
    if (arch, layout) != (found_arch, found_layout):
        raise CheckpointError(
            f'The keys look like {found_layout} {found_arch}, not {layout} '
            f'{arch}.',
            fix='omit --arch/--layout to detect them.')
    out = OrderedDict()
    if arch == 'resnet':
        _mmpretrain_converter('torchvision_to_mmpretrain').convert_resnet(
            state, out)
        return out
    if layout == 'tonylins':
        state = tonylins_to_torchvision(state)
    tool = _mmpretrain_converter('mobilenetv2_to_mmpretrain')
    done = set()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints every key
        for key, value in state.items():
            if key.startswith('features.0.'):
                tool.convert_conv1(key, value, out, done)
            elif key.startswith('classifier.'):
                tool.convert_head(key, value, out, done)
            elif key.startswith('features.18.'):
                tool.convert_conv5(key, value, out, done)
            elif key.startswith('features.'):
                tool.convert_block(key, value, out, done)
    left = [k for k in state if k not in done]
    if left:
        raise CheckpointError(
            f'{len(left)} keys could not be converted, e.g. {left[:3]}.',
            fix='check that the file is a MobileNetV2 (width 1.0).')
    return out


def convert_checkpoint(src: str,
                       dst: str,
                       arch: Optional[str] = None,
                       layout: str = 'auto',
                       backbone_only: bool = False) -> Dict[str, torch.Tensor]:
    """Convert ``src`` and save ``{'state_dict': ...}`` to ``dst`` atomically.

    Args:
        src: Source weights file.
        dst: Output ``.pth`` file (loads with ``init_cfg=dict(type=
            'Pretrained', checkpoint=dst, prefix='backbone')`` or
            ``load_from``).
        arch: Architecture, detected when ``None``.
        layout: Source layout, detected when ``'auto'``.
        backbone_only: Drop the ImageNet classifier (``head.*``).

    Returns:
        The converted state dict.
    """
    if osp.abspath(src) == osp.abspath(dst):
        raise ConfigError(
            f'Refusing to overwrite the source {src}.',
            fix='choose another output file.',
            path=dst)
    out = convert_state_dict(load_state_dict(src), arch, layout)
    if backbone_only:
        out = OrderedDict(
            (k, v) for k, v in out.items() if k.startswith('backbone.'))
    with atomic_write(dst, 'wb') as f:
        torch.save(
            {
                'state_dict': out,
                'meta': {
                    'converted_from': osp.basename(src)
                }
            }, f)
    return out

"""The temperature stored with a checkpoint, and applying it to a model.

The temperature fitted by :mod:`mmext.evaluation.calibration` is stored in
``checkpoint['meta']['calibration']`` and applied wherever scores are shown
or thresholded (``tools/test.py``, ``tools/predict.py``, the demo,
pseudo-labelling) by :func:`attach_temperature`, a forward hook on the
model's head that divides ``cls_score`` by ``T``.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.logging import print_log

from ..checkpoint import safe_torch_load
from ..errors import CheckpointError, DataError
from ..fileio import atomic_write

#: where the temperature lives in a checkpoint's ``meta``
META_KEY = 'calibration'


def read_calibration(checkpoint: str) -> Optional[dict]:
    """The calibration stored in a checkpoint, if any.

    Args:
        checkpoint: A checkpoint file.

    Returns:
        ``checkpoint['meta']['calibration']`` (``temperature`` and how it was
        fitted), or ``None``.
    """
    ckpt = safe_torch_load(checkpoint, 'cpu')
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    info = (meta or {}).get(META_KEY)
    if info is None:
        return None
    t = info.get('temperature') if isinstance(info, dict) else None
    if not isinstance(t, (int, float)) or not t > 0:
        raise CheckpointError(
            f'{checkpoint} holds a malformed calibration entry {info!r}.',
            fix='re-run tools/analysis/calibrate.py CONFIG CKPT, or remove it '
            'with --remove.',
            path=checkpoint)
    return dict(info)


def write_calibration(checkpoint: str,
                      info: Optional[dict],
                      out: Optional[str] = None) -> str:
    """Store (or with ``info=None`` remove) the calibration in a checkpoint.

    The file is rewritten atomically: a crash leaves the old one intact.

    Args:
        checkpoint: The checkpoint to read.
        info: ``dict(temperature=..., ...)``, or ``None`` to remove.
        out: Where to write (default: over ``checkpoint``).

    Returns:
        The written path.
    """

    ckpt = safe_torch_load(checkpoint, 'cpu')
    if not isinstance(ckpt, dict):
        raise CheckpointError(
            f'{checkpoint} is not a checkpoint dict.', path=checkpoint)
    if 'state_dict' not in ckpt:  # a bare state dict: wrap it as mmengine does
        ckpt = dict(state_dict=ckpt)
    meta = dict(ckpt.get('meta') or {})
    if info is None:
        meta.pop(META_KEY, None)
    else:
        meta[META_KEY] = dict(info)
    ckpt['meta'] = meta
    out = out or checkpoint
    with atomic_write(out, 'wb') as f:
        torch.save(ckpt, f)
    return out


def _head(model):
    model = getattr(model, 'module', model)  # TTA / DDP wrappers
    head = getattr(model, 'head', None)
    if head is None:
        raise CheckpointError(
            f'{type(model).__name__} has no classification head to scale.')
    return head


def attach_temperature(model, source, log: bool = False) -> Optional[float]:
    """Divide the model head's logits by the stored temperature.

    One call wherever a model makes scores (test, predict, demo); it does
    nothing when the checkpoint holds no calibration.

    Args:
        model: An mmpretrain classifier (or a TTA/DDP wrapper of one).
        source: A checkpoint path (its stored temperature is used), a
            temperature, or ``None``.
        log: Say so in mmengine's current logger when a temperature is
            applied.

    Returns:
        The temperature applied, or ``None``.
    """
    if source is None:
        return None
    if isinstance(source, (int, float)):
        t = float(source)
    else:
        info = read_calibration(source) if osp.isfile(str(source)) else None
        if info is None:
            return None
        t = float(info['temperature'])
    if not t > 0:
        raise DataError(f'The temperature must be positive, got {t}.')
    head = _head(model)
    detach_temperature(model)

    def hook(module, args, output):
        if isinstance(output, (tuple, list)):
            return type(output)(o / t for o in output)
        return output / t

    head._mmext_temperature = (t, head.register_forward_hook(hook))
    if log:
        print_log(
            f'Calibrated scores: logits divided by temperature {t:.3f} '
            f'(stored in {source} by tools/analysis/calibrate.py).',
            logger='current')
    return t


def detach_temperature(model) -> Optional[float]:
    """Undo :func:`attach_temperature` (raw scores again).

    Args:
        model: The model given to :func:`attach_temperature`.

    Returns:
        The temperature that was applied, or ``None``.
    """
    head = _head(model)
    entry = getattr(head, '_mmext_temperature', None)
    if entry is None:
        return None
    entry[1].remove()
    del head._mmext_temperature
    return entry[0]

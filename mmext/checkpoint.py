"""Checkpoint loading that never unpickles arbitrary code.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6
defaults it to ``True`` and refuses mmengine's own checkpoints (they hold a
``HistoryBuffer`` and numpy scalars), so resume and test break. Instead of
turning the safe loader off, this module keeps ``weights_only=True`` for every
file and allow-lists the few plain-data classes that mmengine checkpoints
contain. A pickle that needs anything else (code, in the worst case) is
refused with a clear message.

The loaders are registered into mmengine's :class:`CheckpointLoader`, so
``init_cfg=dict(type='Pretrained')``, ``load_from``, ``--resume``,
``tools/test.py`` and mmpretrain's inferencers all go through them.
"""
import os
import os.path as osp
import pickle
import re
from typing import Any, Optional

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from .errors import CheckpointError


def _safe_globals() -> list:
    """Classes allowed inside a checkpoint besides tensors and containers."""
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = [HistoryBuffer, np.ndarray, np.dtype]
    # numpy's array reconstruction helpers and dtype classes.
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    allowed += [_reconstruct, scalar]
    allowed += [type(np.dtype(t)) for t in (
        'float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64',
        'uint8', 'bool')]
    # HistoryBuffer pickles its bound statistics methods as getattr(buf, name);
    # a getattr that reaches nothing else stands in for the builtin.
    allowed.append((_history_getattr, 'builtins.getattr'))
    return allowed


def _history_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to a HistoryBuffer's public statistics methods."""
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'mean', 'current'}
    allowed |= set(HistoryBuffer._statistics_methods)
    if ((obj is HistoryBuffer or isinstance(obj, HistoryBuffer))
            and isinstance(name, str) and not name.startswith('_')
            and name in allowed):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({type(obj).__name__}, {name!r}) is not allowed in a '
        'checkpoint')


def safe_torch_load(filename: str, map_location: Optional[Any] = None):
    """Load ``filename`` with ``weights_only=True`` and mmengine's data classes.

    Args:
        filename: A local checkpoint file.
        map_location: As for :func:`torch.load`.

    Returns:
        The loaded object (usually a dict).

    Raises:
        CheckpointError: When the file is missing, is not a checkpoint, or
            holds Python objects outside the allow-list (which could run code).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise CheckpointError(
            f'Checkpoint {filename} does not exist.',
            fix='check the path (relative paths are taken from the current '
            'folder), or train first so that the file is written.',
            path=filename)
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        names = re.findall(r'(?:Unsupported global|GLOBAL) ?:? ?(?:GLOBAL )?'
                           r'([\w.]+)', text)
        if 'global' not in text.lower():
            raise CheckpointError(
                f'Cannot read checkpoint {filename}: it is not a PyTorch '
                f'checkpoint or is damaged ({" ".join(text.split())[-120:]}).',
                fix='re-download or re-train it.', path=filename) from None
        raise CheckpointError(
            f'Refused to load {filename}: it contains Python objects that are '
            f'not plain tensors or mmengine training state '
            f'({", ".join(dict.fromkeys(names)) or "unknown globals"}). '
            'Loading such a pickle could run arbitrary code.',
            fix='only load checkpoints you trust; if you do trust this file, '
            're-save its state_dict with torch.save(torch.load(f, '
            'weights_only=False)["state_dict"], out) on a machine you control '
            'and load that instead.',
            path=filename) from None
    except (RuntimeError, EOFError, ValueError) as exc:
        raise CheckpointError(
            f'Cannot read checkpoint {filename}: '
            f'{" ".join(str(exc).split())[:200]}.',
            fix='the file is truncated or not a PyTorch checkpoint; re-download '
            'or re-train it.',
            path=filename) from None


def load_from_local(filename: str, map_location=None):
    """mmengine loader for local paths (replaces mmengine's own)."""
    return safe_torch_load(filename, map_location)


def load_from_http(filename: str, map_location=None, model_dir=None):
    """mmengine loader for URLs: download once into the torch hub cache.

    The downloaded file is loaded with the same safe loader as local files.
    Offline, the error says how to use a local copy instead.
    """
    from torch.hub import download_url_to_file, get_dir
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    cached = osp.join(model_dir, osp.basename(filename.split('?')[0]))
    if not osp.isfile(cached):
        try:
            download_url_to_file(filename, cached, progress=False)
        except Exception as exc:  # URLError, HTTPError, socket errors
            raise CheckpointError(
                f'Could not download pretrained weights from {filename} '
                f'({type(exc).__name__}: {str(exc)[:120]}). This machine may '
                'be offline.',
                fix='download the file on a machine with internet, copy it '
                f'here, and pass --cfg-options '
                f'model.backbone.init_cfg.checkpoint=/path/to/'
                f'{osp.basename(cached)} (or put it at {cached}).',
                path=filename) from None
    return safe_torch_load(cached, map_location)


def register_loaders() -> None:
    """Route mmengine's local and http(s) checkpoint loading through here."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local,
                                     force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=load_from_http, force=True)


def check_checkpoint_matches(model: torch.nn.Module, filename: str,
                             cfg=None) -> None:
    """Refuse a checkpoint of another architecture or class count.

    mmengine only warns about missing keys and size mismatches and goes on,
    which yields a silently wrong submission. This check raises instead.

    Args:
        model: The built model (a TTA wrapper's ``module`` is unwrapped).
        filename: The checkpoint to be loaded.
        cfg: The config (only used to word the hint).
    """
    if hasattr(model, 'module'):
        model = model.module
    ckpt = CheckpointLoader.load_checkpoint(filename, map_location='cpu',
                                           logger='silent')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    expected = {k: v.shape for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(state))
    mismatch = sorted(k for k in expected if k in state
                      and tuple(state[k].shape) != tuple(expected[k]))
    if not missing and not mismatch:
        return
    lines = [f'{k}: checkpoint {tuple(state[k].shape)} vs model '
             f'{tuple(expected[k])}' for k in mismatch[:4]]
    hint = 'use the config the checkpoint was trained with'
    head = [k for k in mismatch if k.startswith('head.') and k.endswith('weight')]
    if head and len(state[head[0]].shape) >= 1:
        n = state[head[0]].shape[0]
        hint += (f'; the checkpoint predicts {n} classes, so for another '
                 f'class count pass --cfg-options model.head.num_classes={n} '
                 'and a data set with those classes')
    if len(missing) > len(expected) // 2:
        hint = ('this checkpoint is of another architecture (most weights are '
                'missing); ' + hint)
    raise CheckpointError(
        f'Checkpoint {filename} does not fit the model of the config: '
        f'{len(missing)} weights missing (e.g. {missing[:3]}), '
        f'{len(mismatch)} of another shape ({"; ".join(lines)}).',
        fix=hint + '.', path=filename)

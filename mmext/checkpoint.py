"""Checkpoint loading that never unpickles arbitrary code.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6
defaults it to ``True`` and refuses mmengine's own checkpoints (they hold a
``HistoryBuffer`` and numpy scalars), so resume and test break. Instead of
turning the safe loader off, this module keeps ``weights_only=True`` for every
file and allow-lists the few plain-data classes that mmengine checkpoints
contain. A pickle that needs anything else (code, in the worst case) is
refused with a clear message.

The loaders are registered into mmengine's :class:`CheckpointLoader` for
every scheme it knows (local paths, ``http(s)://``, ``torchvision://``,
``modelzoo://``, ``open-mmlab://``, ``openmmlab://``, ``mmcls://``, ``s3://``,
``petrel://``, ``pavi://``): the model names resolve through mmengine's own
tables and every file is read with ``weights_only=True``. So
``init_cfg=dict(type='Pretrained')``, ``load_from``, ``--resume``,
``tools/test.py`` and mmpretrain's inferencers all go through them.
"""
import difflib
import io
import os
import os.path as osp
import pickle
import re
import tempfile
from typing import IO, Any, List, Optional, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import (CheckpointLoader,
                                        get_deprecated_model_names,
                                        get_external_models, get_mmcls_models,
                                        get_torchvision_models)
from torch.hub import download_url_to_file, get_dir

from .errors import CheckpointError


def _safe_globals() -> list:
    """Classes allowed inside a checkpoint besides tensors and containers."""
    allowed = [HistoryBuffer, np.ndarray, np.dtype]
    # numpy's array reconstruction helpers and dtype classes.
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    allowed += [_reconstruct, scalar]
    allowed += [
        type(np.dtype(t)) for t in ('float16', 'float32', 'float64', 'int8',
                                    'int16', 'int32', 'int64', 'uint8', 'bool')
    ]
    # HistoryBuffer pickles its bound statistics methods as getattr(buf, name);
    # a getattr that reaches nothing else stands in for the builtin.
    allowed.append((_history_getattr, 'builtins.getattr'))
    return allowed


def _history_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to HistoryBuffer's public statistics methods."""
    allowed = {'min', 'max', 'mean', 'current'}
    allowed |= set(HistoryBuffer._statistics_methods)
    if ((obj is HistoryBuffer or isinstance(obj, HistoryBuffer))
            and isinstance(name, str) and not name.startswith('_')
            and name in allowed):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({type(obj).__name__}, {name!r}) is not allowed in a '
        'checkpoint')


def _refusal(exc: BaseException, filename: str) -> CheckpointError:
    """Turn torch's unpickling/reading errors into one clear paragraph."""
    text = str(exc)
    if isinstance(exc, pickle.UnpicklingError):
        names = re.findall(
            r'(?:Unsupported global|GLOBAL) ?:? ?(?:GLOBAL )?'
            r'([\w.]+)', text)
        if 'global' not in text.lower():
            return CheckpointError(
                f'Cannot read checkpoint {filename}: it is not a PyTorch '
                f'checkpoint or is damaged ({" ".join(text.split())[-120:]}).',
                fix='re-download or re-train it.',
                path=filename)
        return CheckpointError(
            f'Refused to load {filename}: it contains Python objects that are '
            f'not plain tensors or mmengine training state '
            f'({", ".join(dict.fromkeys(names)) or "unknown globals"}). '
            'Loading such a pickle could run arbitrary code.',
            fix='only load checkpoints you trust; if you do trust this file, '
            're-save its state_dict with torch.save(torch.load(f, '
            'weights_only=False)["state_dict"], out) on a machine you control '
            'and load that instead.',
            path=filename)
    return CheckpointError(
        f'Cannot read checkpoint {filename}: '
        f'{" ".join(text.split())[:200]}.',
        fix='the file is truncated or not a PyTorch checkpoint; re-download '
        'or re-train it.',
        path=filename)


def safe_torch_load(filename: Union[str, IO[bytes]],
                    map_location: Optional[Any] = None,
                    name: Optional[str] = None):
    """Load a checkpoint with ``weights_only=True``, allowing mmengine classes.

    Args:
        filename: A local checkpoint file, or an open binary file object
            (bytes fetched from object storage).
        map_location: As for :func:`torch.load`.
        name: The name to show in errors (default: ``filename``).

    Returns:
        The loaded object (usually a dict).

    Raises:
        CheckpointError: When the file is missing, is not a checkpoint, or
            holds Python objects outside the allow-list (which could run code).
    """
    if isinstance(filename, str):
        filename = osp.expanduser(filename)
        name = name or filename
        if not osp.isfile(filename):
            raise CheckpointError(
                f'Checkpoint {filename} does not exist.',
                fix='check the path (relative paths are taken from the '
                'current folder), or train first so that the file is written.',
                path=filename)
    name = name or '<checkpoint bytes>'
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise _refusal(exc, name) from None


def load_from_local(filename: str, map_location=None):
    """mmengine loader for local paths (replaces mmengine's own)."""
    return safe_torch_load(filename, map_location)


def _download(url: str, model_dir: Optional[str] = None) -> str:
    """Download ``url`` once into the torch hub cache and return the file.

    The file name is the URL's base name, as ``torch.hub`` and mmengine name
    it, so a file already there is used without network access.
    """
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    cached = osp.join(model_dir, osp.basename(urlparse(url).path))
    if not osp.isfile(cached):
        try:
            download_url_to_file(url, cached, progress=False)
        except Exception as exc:  # URLError, HTTPError, socket errors
            raise CheckpointError(
                f'Could not download pretrained weights from {url} '
                f'({type(exc).__name__}: {str(exc)[:120]}). This machine may '
                'be offline.',
                fix='download the file on a machine with internet, copy it '
                f'here, and pass --cfg-options '
                f'model.backbone.init_cfg.checkpoint=/path/to/'
                f'{osp.basename(cached)} (or put it at {cached}).',
                path=url) from None
    return cached


def load_from_http(filename: str, map_location=None, model_dir=None):
    """mmengine loader for URLs: download once into the torch hub cache.

    The downloaded file is loaded with the same safe loader as local files.
    In distributed runs rank 0 downloads first, as mmengine's loader does.
    Offline, the error says how to use a local copy instead.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        cached = _download(filename, model_dir)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            cached = _download(filename, model_dir)
    return safe_torch_load(cached, map_location)


def _lookup(table: dict, name: str, scheme: str) -> str:
    """``table[name]`` with a clear error naming close model names."""
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.6)
    raise CheckpointError(
        f'Unknown model name {name!r} in {scheme}{name}.',
        fix=(f'did you mean {", ".join(scheme + c for c in close)}? '
             if close else '') + 'Or pass a local checkpoint file instead.',
        path=scheme + name)


def load_from_torchvision(filename: str, map_location=None):
    """``torchvision://NAME`` and ``modelzoo://NAME``: mmengine's URL table,
    then the safe http loader."""
    scheme = 'modelzoo://' if filename.startswith('modelzoo://') else \
        'torchvision://'
    url = _lookup(get_torchvision_models(), filename[len(scheme):], scheme)
    return load_from_http(url, map_location=map_location)


def load_from_openmmlab(filename: str, map_location=None):
    """``open-mmlab://NAME`` and ``openmmlab://NAME`` (mmengine's model
    table, deprecated names followed), through the safe loaders."""
    # mmengine's private helper: a release without it fails this scheme only
    from mmengine.runner.checkpoint import _get_mmengine_home
    scheme = 'open-mmlab://' if filename.startswith('open-mmlab://') else \
        'openmmlab://'
    name = filename[len(scheme):]
    name = get_deprecated_model_names().get(name, name)
    url = _lookup(get_external_models(), name, scheme)
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location=map_location)
    return safe_torch_load(osp.join(_get_mmengine_home(), url), map_location)


def load_from_mmcls(filename: str, map_location=None):
    """``mmcls://NAME``: mmengine's table, safe download, backbone keys."""
    # mmengine's private helper: a release without it fails this scheme only
    from mmengine.runner.checkpoint import _process_mmcls_checkpoint
    url = _lookup(get_mmcls_models(), filename[len('mmcls://'):], 'mmcls://')
    return _process_mmcls_checkpoint(
        load_from_http(url, map_location=map_location))


def load_from_ceph(filename: str, map_location=None, backend='petrel'):
    """``s3://`` and ``petrel://`` (optionally ``cluster:s3://``): the
    bytes come from mmengine's file backend and are loaded safely."""
    # looked up when called, so that a patched mmengine.fileio is used
    from mmengine.fileio import get_file_backend
    try:
        data = get_file_backend(
            filename, backend_args={
                'backend': backend
            }).get(filename)
    except ImportError as exc:
        raise CheckpointError(
            f'Cannot read {filename}: {exc}.',
            fix='install the object-storage client (petrel_client) or copy '
            'the checkpoint to a local file and pass that path.',
            path=filename) from None
    with io.BytesIO(data) as buffer:
        return safe_torch_load(buffer, map_location, name=filename)


def load_from_pavi(filename: str, map_location=None):
    """``pavi://``: downloaded into a temporary folder, loaded safely."""
    try:  # optional client, needed by this scheme only
        from pavi import modelcloud
    except ImportError:
        raise CheckpointError(
            f'Cannot read {filename}: the pavi client is not installed.',
            fix='pip install pavi, or download the checkpoint and pass the '
            'local file instead.',
            path=filename) from None
    model = modelcloud.get(filename[len('pavi://'):])
    with tempfile.TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, osp.basename(model.name))
        model.download(downloaded)
        return safe_torch_load(downloaded, map_location, name=filename)


#: mmengine's checkpoint schemes and the safe loader that replaces each.
SAFE_LOADERS = {
    '': load_from_local,
    ('http://', 'https://'): load_from_http,
    ('modelzoo://', 'torchvision://'): load_from_torchvision,
    ('open-mmlab://', 'openmmlab://'): load_from_openmmlab,
    'mmcls://': load_from_mmcls,
    (r'(\S+\:)?s3://', r'(\S+\:)?petrel://'): load_from_ceph,
    'pavi://': load_from_pavi,
}


def use_weights_only_checkpoint_loaders() -> None:
    """Swap mmengine's checkpoint loaders for ``weights_only=True`` ones.

    Registers this module's loaders into mmengine's :class:`CheckpointLoader`
    (``force=True``) for every scheme it knows, so ``init_cfg``,
    ``load_from``, ``--resume`` and mmpretrain's inferencers never unpickle
    code. ``import mmext`` calls it; calling it again is harmless. Prefixes
    registered later by other packages are not covered; see
    :func:`unsafe_schemes`.
    """
    for prefixes, loader in SAFE_LOADERS.items():
        CheckpointLoader.register_scheme(
            prefixes=prefixes, loader=loader, force=True)


def unsafe_schemes() -> List[str]:
    """Checkpoint prefixes whose loader is not one of this module's.

    Returns:
        The prefixes (empty when every scheme loads with ``weights_only``).
    """
    ours = set(SAFE_LOADERS.values())
    return sorted(p for p, fn in CheckpointLoader._schemes.items()
                  if fn not in ours)


def check_checkpoint_matches(model: torch.nn.Module,
                             filename: str,
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
    ckpt = CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger='silent')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {
        k[7:] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    expected = {k: v.shape for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(state))
    mismatch = sorted(
        k for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k]))
    if not missing and not mismatch:
        return
    lines = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(expected[k])}' for k in mismatch[:4]
    ]
    hint = 'use the config the checkpoint was trained with'
    head = [
        k for k in mismatch if k.startswith('head.') and k.endswith('weight')
    ]
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
        fix=hint + '.',
        path=filename)

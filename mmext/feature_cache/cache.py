"""The on-disk feature cache: one file per split, with the identity it came
from.

A cache file is a ``torch.save``'d dict (loaded back with
``weights_only=True``)::

    {'header': {...}, 'features': Tensor[N * copies, C],
     'labels': Tensor[N * copies], 'img_paths': [str] * N}

The header records what the features depend on, so a stale cache is refused
instead of silently reused:

- ``model_hash``: the backbone, neck and data preprocessor config (without
  ``init_cfg`` and the train-only ``frozen_stages``/``norm_eval``);
- ``weights_hash``: sha256 of the backbone + neck weights the features were
  computed with (a pretrained file, a ``--checkpoint`` or a random init);
- ``checkpoint``/``checkpoint_sha256``: the file those weights came from;
- ``pipeline_hash`` and ``data_hash``: the image pipeline and the list of
  ``(image, label)`` pairs of the split.
"""
import hashlib
import json
import os.path as osp
from typing import Any, Dict, Iterable, List, Optional, Sequence

import torch

from ..errors import CheckpointError, DataError
from ..fileio import atomic_write

CACHE_VERSION = 1
# Backbone/neck keys that change training behaviour but not eval-mode features.
_TRAIN_ONLY_KEYS = ('init_cfg', 'frozen_stages', 'norm_eval', 'with_cp',
                    'drop_path_rate')


def plain_json(obj: Any) -> Any:
    """Turn configs (ConfigDict, tuples) into JSON-able plain data."""
    if isinstance(obj, dict):
        return {str(k): plain_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_json(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


def config_hash(obj: Any) -> str:
    """sha256 (first 16 hex digits) of a config fragment, key-order
    independent.

    Args:
        obj: A dict/list config fragment.

    Returns:
        The hex digest.
    """
    text = json.dumps(plain_json(obj), sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_config_hash(model_cfg: dict,
                      data_preprocessor: Optional[dict] = None) -> str:
    """Hash the parts of a classifier config that shape its features.

    Args:
        model_cfg: The ``model`` config (an ImageClassifier-like dict).
        data_preprocessor: The top-level ``data_preprocessor`` config, used
            when ``model_cfg`` has none.

    Returns:
        The hex digest.
    """

    def strip(cfg):
        if not cfg:
            return None
        return {k: v for k, v in cfg.items() if k not in _TRAIN_ONLY_KEYS}

    pre = model_cfg.get('data_preprocessor') or data_preprocessor or {}
    pre = {k: pre.get(k) for k in ('mean', 'std', 'to_rgb')}
    return config_hash(
        dict(
            backbone=strip(model_cfg.get('backbone')),
            neck=strip(model_cfg.get('neck')),
            pre=pre))


def weights_hash(modules: Iterable[torch.nn.Module]) -> str:
    """sha256 (first 16 hex digits) of the weights and buffers of modules.

    Args:
        modules: E.g. ``[model.backbone, model.neck]`` (``None`` skipped).

    Returns:
        The hex digest.
    """
    h = hashlib.sha256()
    for i, module in enumerate(modules):
        if module is None:
            continue
        for name, value in sorted(module.state_dict().items()):
            t = value.detach().cpu().contiguous()
            h.update(f'{i}.{name}:{t.dtype}:{tuple(t.shape)}'.encode())
            if t.numel():
                h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def data_hash(img_paths: Sequence[str],
              labels: Sequence[int],
              root: str = '') -> str:
    """Hash a split's ``(image, label)`` list, paths taken relative to
    ``root``.

    Args:
        img_paths: Image paths.
        labels: Their labels (``-1`` when unlabeled).
        root: Folder the paths are made relative to, so a moved data set
            keeps its hash.

    Returns:
        The hex digest.
    """
    rel = [osp.relpath(p, root) if root else p for p in img_paths]
    return config_hash([[p, int(lb)] for p, lb in zip(rel, labels)])


def save_cache(path: str, header: dict, features: torch.Tensor,
               labels: torch.Tensor, img_paths: List[str]) -> None:
    """Write a cache file atomically (a crash never leaves half a file).

    Args:
        path: Destination ``.pth`` file.
        header: Identity and shape information (plain data).
        features: ``[N * copies, C]`` float tensor, copy-major.
        labels: ``[N * copies]`` int64 tensor.
        img_paths: The ``N`` image paths.
    """
    header = dict(
        header,
        version=CACHE_VERSION,
        num_samples=len(img_paths),
        feat_dim=int(features.shape[1]))
    with atomic_write(path, 'wb') as f:
        torch.save(
            dict(
                header=header,
                features=features.contiguous(),
                labels=labels,
                img_paths=list(img_paths)), f)


def load_cache(path: str) -> Dict[str, Any]:
    """Load a cache file written by :func:`save_cache`.

    Args:
        path: The ``.pth`` file.

    Returns:
        The dict with ``header``, ``features``, ``labels``, ``img_paths``.

    Raises:
        DataError: The file is missing or is not a feature cache.
    """
    if not osp.isfile(path):
        raise DataError(
            f'Feature cache {path} does not exist.',
            fix='extract it first: python tools/extract_features.py CONFIG '
            '(the same config you train with).',
            path=path)
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file
        raise DataError(
            f'Cannot read feature cache {path}: '
            f'{" ".join(str(exc).split())[:200]}.',
            fix='delete it and run python tools/extract_features.py CONFIG '
            'again.',
            path=path) from None
    if (not isinstance(obj, dict) or 'header' not in obj
            or obj['header'].get('version') != CACHE_VERSION):
        raise DataError(
            f'{path} is not a feature cache of this version '
            f'({CACHE_VERSION}).',
            fix='delete it and run python tools/extract_features.py CONFIG '
            'again.',
            path=path)
    return obj


def _regen_fix(path: str) -> str:
    return (f're-extract the cache with the config you train with: python '
            f'tools/extract_features.py CONFIG --force [--checkpoint CKPT] '
            f'(or delete {path}); never reuse features of another '
            'model, checkpoint or pipeline.')


def check_source(path: str, header: dict, pipeline_hash: str,
                 data_digest: Optional[str]) -> None:
    """Refuse a cache made with another pipeline or image list.

    Args:
        path: The cache file (for the message).
        header: Its header.
        pipeline_hash: Hash of the pipeline the config asks for.
        data_digest: Hash of the config's ``(image, label)`` list, or
            ``None`` to skip that check.

    Raises:
        DataError: On a mismatch.
    """
    if header.get('pipeline_hash') != pipeline_hash:
        raise DataError(
            f'Feature cache {path} is stale: it was extracted with another '
            f'image pipeline (cache {header.get("pipeline_hash")}, config '
            f'{pipeline_hash}).',
            fix=_regen_fix(path),
            path=path)
    if data_digest is not None and header.get('data_hash') != data_digest:
        raise DataError(
            f'Feature cache {path} is stale: it was extracted from another '
            f'list of images/labels (cache {header.get("data_hash")}, config '
            f'{data_digest}).',
            fix=_regen_fix(path),
            path=path)


def check_model(path: str, header: dict, model_digest: str,
                weights_digest: str) -> None:
    """Refuse a cache made by another backbone/neck config or other weights.

    Args:
        path: The cache file (for the message).
        header: Its header.
        model_digest: :func:`model_config_hash` of the model now.
        weights_digest: :func:`weights_hash` of its backbone + neck now.

    Raises:
        CheckpointError: On a mismatch.
    """
    if header.get('model_hash') != model_digest:
        raise CheckpointError(
            f'Feature cache {path} is stale: it was extracted with another '
            'backbone/neck/preprocessor config (cache '
            f'{header.get("model_hash")}, model {model_digest}).',
            fix=_regen_fix(path),
            path=path)
    if header.get('weights_hash') != weights_digest:
        src = header.get('checkpoint') or 'random init'
        raise CheckpointError(
            f'Feature cache {path} is stale: it was extracted with other '
            f'backbone weights (from {src}, '
            f'hash {header.get("weights_hash")}) than the model has now '
            f'(hash {weights_digest}).',
            fix=_regen_fix(path),
            path=path)

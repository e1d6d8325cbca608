"""Checkpoint averaging ("model soup") into one normal mmengine checkpoint.

A uniform soup averages the weights of N checkpoints of the same model
(Wortsman et al. 2022, "Model soups"; for checkpoints of one run this is the
classic tail averaging of Polyak/SWA). The result is a plain mmengine
checkpoint (``meta`` + ``state_dict``) that ``tools/test.py``,
``tools/predict.py`` and ``load_from`` accept like any other.

Which checkpoints: :func:`select_checkpoints` takes either the last N
``epoch_*.pth`` of a work dir (by epoch number), or the best N by a
validation metric, read from the run's ``vis_data/scalars.json`` (every
validated epoch is recorded there, also those whose checkpoint was deleted
by ``max_keep_ckpts``; only checkpoints still on disk can be chosen).

EMA: mmengine's ``EMAHook`` saves the EMA weights as ``state_dict`` and the
raw (not averaged) weights as ``ema_state_dict['module.<key>']``. The
``weights`` argument picks which of them are averaged.
"""
import glob
import os.path as osp
import re
import time
from typing import Dict, List, Optional, Sequence

import torch

from ..checkpoint import safe_torch_load
from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write
from ..utils.scalars import read_scalars

WEIGHTS = ('state_dict', 'ema', 'raw')
_EPOCH_RE = re.compile(r'epoch_(\d+)\.pth$')


def checkpoint_weights(ckpt: dict,
                       path: str,
                       weights: str = 'state_dict') -> Dict[str, torch.Tensor]:
    """The weights of one loaded checkpoint.

    Args:
        ckpt: The loaded checkpoint.
        path: Its file (for error messages).
        weights: ``'state_dict'``: the weights as saved (for a run with
            ``EMAHook`` these already are the EMA weights); ``'ema'``: the
            same, but refuse a checkpoint that was not trained with
            ``EMAHook``; ``'raw'``: the un-averaged weights an ``EMAHook`` run
            keeps in ``ema_state_dict``.

    Returns:
        ``{key: tensor}`` without a ``module.`` prefix.
    """
    if weights not in WEIGHTS:
        raise ConfigError(
            f'Unknown weights={weights!r}.', fix=f'use one of {WEIGHTS}.')
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{path} is not a checkpoint dict.', path=path)
    has_ema = isinstance(ckpt.get('ema_state_dict'), dict)
    if weights in ('ema', 'raw') and not has_ema:
        raise CheckpointError(
            f'{path} has no ema_state_dict: it was not trained with EMAHook, '
            f'so there are no {"EMA" if weights == "ema" else "raw"} weights '
            'to choose.',
            fix='drop --use-ema/--raw, or average checkpoints '
            'of a run with custom_hooks=[..., dict(type="EMAHook")].',
            path=path)
    if weights == 'raw':
        state = {
            k[7:]: v
            for k, v in ckpt['ema_state_dict'].items()
            if k.startswith('module.')
        }
    else:
        state = ckpt.get('state_dict', ckpt)
    state = {
        (k[7:] if k.startswith('module.') else k): v
        for k, v in state.items() if isinstance(v, torch.Tensor)
    }
    if not state:
        raise CheckpointError(f'{path} holds no weights.', path=path)
    return state


def average_state_dicts(states: Sequence[Dict[str, torch.Tensor]],
                        names: Sequence[str]) -> Dict[str, torch.Tensor]:
    """Uniform average of float tensors; other tensors from the last one.

    Args:
        states: State dicts of the same model.
        names: Their files (for error messages).

    Returns:
        The averaged state dict (each tensor in its original dtype).
    """
    first = states[0]
    for state, name in zip(states[1:], names[1:]):
        missing = sorted(set(first) - set(state))
        extra = sorted(set(state) - set(first))
        if missing or extra:
            raise CheckpointError(
                f'{name} has other weights than {names[0]}: '
                f'{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} '
                f'extra (e.g. {extra[:3]}).',
                fix='average checkpoints of the same model (one config).',
                path=name)
        bad = [k for k in first if state[k].shape != first[k].shape]
        if bad:
            k = bad[0]
            raise CheckpointError(
                f'{name} does not have the shapes of {names[0]}: {k} is '
                f'{tuple(state[k].shape)} vs {tuple(first[k].shape)} '
                f'({len(bad)} such weights).',
                fix='average checkpoints of the same model (one config).',
                path=name)
    out = {}
    for key, ref in first.items():
        if ref.is_floating_point():
            acc = torch.zeros_like(ref, dtype=torch.float64)
            for state in states:
                acc += state[key].to(torch.float64)
            out[key] = (acc / len(states)).to(ref.dtype)
        else:  # counters such as BN num_batches_tracked: the last run's
            out[key] = states[-1][key].clone()
    return out


def average_checkpoints(paths: Sequence[str],
                        out: str,
                        weights: str = 'state_dict') -> dict:
    """Average N checkpoints of one model and save a normal checkpoint.

    Args:
        paths: The checkpoints (``.pth``), at least one.
        out: The output file (written atomically).
        weights: Which weights of each checkpoint (see
            :func:`checkpoint_weights`; ``'ema'``/``'raw'`` for ``EMAHook``
            runs).

    Returns:
        The saved checkpoint (``meta`` and ``state_dict``).
    """
    paths = list(paths)
    if not paths:
        raise ConfigError(
            'No checkpoints to average.',
            fix='pass at least one checkpoint file.')
    states, meta = [], {}
    for path in paths:
        ckpt = safe_torch_load(path, 'cpu')
        states.append(checkpoint_weights(ckpt, path, weights))
        meta = dict(ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
    state = average_state_dicts(states, paths)
    # the last checkpoint's meta keeps dataset_meta (class names, bins)
    for key in ('hook_msgs', 'epoch', 'iter'):
        meta.pop(key, None)
    meta['soup'] = dict(
        sources=[osp.abspath(p) for p in paths],
        weights=weights,
        rule='uniform mean of float tensors; '
        'integer buffers from the last checkpoint',
        time=time.strftime('%Y%m%d_%H%M%S'))
    checkpoint = dict(meta=meta, state_dict=state)
    with atomic_write(out, 'wb') as f:
        torch.save(checkpoint, f)
    return checkpoint


def epoch_checkpoints(work_dir: str) -> Dict[int, str]:
    """``{epoch: path}`` of the checkpoints of a work dir.

    ``epoch_N.pth`` files, plus ``best_*_epoch_N.pth`` for epochs whose
    ``epoch_N.pth`` was already deleted by ``max_keep_ckpts``.

    Args:
        work_dir: A training work dir.

    Returns:
        Paths by epoch number.
    """
    found: Dict[int, str] = {}
    files = sorted(glob.glob(osp.join(work_dir, '*.pth')))
    for path in sorted(
            files, key=lambda p: osp.basename(p).startswith('best')):
        m = _EPOCH_RE.search(osp.basename(path))
        if m:
            found.setdefault(int(m.group(1)), path)
    return found


def select_checkpoints(work_dir: str,
                       last: Optional[int] = None,
                       best: Optional[int] = None,
                       metric: str = 'accuracy/top1',
                       rule: str = 'greater') -> List[str]:
    """Pick the checkpoints of a work dir to average.

    Args:
        work_dir: The training work dir.
        last: The last N epochs (by epoch number).
        best: The best N epochs by ``metric`` in ``vis_data/scalars.json``,
            among the checkpoints still on disk (ties: the later epoch).
        metric: The validation metric for ``best``.
        rule: ``'greater'`` or ``'less'`` (for a loss-like metric).

    Returns:
        Checkpoint paths, oldest epoch first.
    """
    if (last is None) == (best is None):
        raise ConfigError('Choose exactly one of last=N and best=N.')
    n = last if last is not None else best
    if n < 1:
        raise ConfigError(f'N must be at least 1, got {n}.')
    if not osp.isdir(work_dir):
        raise CheckpointError(
            f'Work dir {work_dir} does not exist.', path=work_dir)
    found = epoch_checkpoints(work_dir)
    keep_hint = (f'keep more checkpoints while training: --cfg-options '
                 f'default_hooks.checkpoint.max_keep_ckpts={n}')
    if last is not None:
        if len(found) < n:
            raise CheckpointError(
                f'{work_dir} has {len(found)} epoch checkpoints '
                f'({sorted(found)}), fewer than the {n} asked for.',
                fix=keep_hint + ', or ask for fewer.',
                path=work_dir)
        return [found[e] for e in sorted(found)[-n:]]
    if rule not in ('greater', 'less'):
        raise ConfigError(f"rule must be 'greater' or 'less', got {rule!r}.")
    curve = read_scalars(work_dir).val_metric(metric)
    if curve.empty:
        raise CheckpointError(
            f'No validation metric {metric!r} in the scalars.json of '
            f'{work_dir}.',
            fix='choose --metric from the logged val metrics '
            '(e.g. accuracy/top1), or use --last N.',
            path=work_dir)
    scored = [(float(curve[e]), e) for e in found if e in curve.index]
    if len(scored) < n:
        raise CheckpointError(
            f'Only {len(scored)} checkpoints of {work_dir} have a recorded '
            f'{metric}, fewer than the {n} asked for.',
            fix=keep_hint + ', or ask for fewer.',
            path=work_dir)
    sign = 1 if rule == 'greater' else -1
    scored.sort(key=lambda s: (sign * s[0], s[1]), reverse=True)
    return [found[e] for e in sorted(e for _, e in scored[:n])]


def default_out(work_dir: str, n: int, mode: str) -> str:
    """``<work_dir>/soup_<mode><n>.pth``."""
    return osp.join(work_dir, f'soup_{mode}{n}.pth')


__all__ = [
    'average_checkpoints', 'average_state_dicts', 'checkpoint_weights',
    'select_checkpoints', 'epoch_checkpoints', 'default_out', 'WEIGHTS'
]

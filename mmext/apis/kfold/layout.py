"""Where a k-fold run keeps its folds: work dirs, checkpoints, configs."""
import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from ...errors import ConfigError
from .configs import KFOLD_TYPE


def run_dirs(
    work_root: str, num_splits: int, seeds: Optional[Sequence[int]],
    folds: Optional[Sequence[int]]
) -> List[Tuple[int, Optional[int], str, str]]:
    """``(fold, seed, name, work_dir)`` of every run, as :func:`run_kfold`
    lays them out."""
    folds = list(range(num_splits)) if folds is None else list(folds)
    bad = [f for f in folds if not 0 <= f < num_splits]
    if bad:
        raise ConfigError(f'Folds {bad} are outside 0..{num_splits - 1}.')
    seeds = list(seeds) if seeds else [None]
    runs = []
    for seed in seeds:
        for fold in folds:
            sub = f'fold_{fold}' if len(seeds) == 1 else osp.join(
                f'seed{seed}', f'fold_{fold}')
            name = f'fold{fold}' + ('' if seed is None else f'_seed{seed}')
            runs.append((fold, seed, name, osp.join(work_root, sub)))
    return runs


def run_record(run: Tuple[int, Optional[int], str, str],
               metrics: Dict[str, float]) -> dict:
    """The record of one run in a k-fold report.

    Args:
        run: ``(fold, seed, name, work_dir)`` from :func:`run_dirs`.
        metrics: The run's metrics.

    Returns:
        ``name``, ``fold``, ``seed``, ``work_dir`` and ``metrics``.
    """
    fold, seed, name, work_dir = run
    return dict(
        name=name, fold=fold, seed=seed, work_dir=work_dir, metrics=metrics)


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint a training run in ``work_dir`` saved last.

    Args:
        work_dir: A fold's work dir.

    Returns:
        The checkpoint path (mmengine's ``last_checkpoint`` pointer).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    path = ''
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            path = f.read().strip()
        if path and not osp.isfile(path):  # work dir moved: same file name
            path = osp.join(work_dir, osp.basename(path))
    if not path or not osp.isfile(path):
        raise ConfigError(
            f'{work_dir} holds no trained checkpoint (no last_checkpoint '
            'pointer to an existing file).',
            fix='train the folds first: run the same tools/kfold.py command '
            'without --eval-only (same --folds, --trainval, --split-seed, '
            '--seeds and --work-dir).',
            path=work_dir)
    return path


def fold_config(work_dir: str) -> Config:
    """The config a k-fold run trained a fold with (dumped in its work dir).

    Args:
        work_dir: A fold's work dir.

    Returns:
        The fold's config (one of :func:`kfold_configs`, as trained).
    """
    dumped = [
        p for p in glob.glob(osp.join(work_dir, '*.py')) if osp.isfile(p)
    ]
    if len(dumped) != 1:
        raise ConfigError(
            f'{work_dir} should hold the one config its training run dumped '
            f'there, found {len(dumped)} .py files.',
            fix='pass the work dir of a tools/kfold.py training run.',
            path=work_dir)
    cfg = Config.fromfile(dumped[0])
    if cfg.get('val_dataloader', {}).get('dataset',
                                         {}).get('type') != KFOLD_TYPE:
        raise ConfigError(
            f'{dumped[0]} is not a k-fold run\'s config (no {KFOLD_TYPE} '
            'in val_dataloader).',
            fix='pass the work dir of a tools/kfold.py training run.',
            path=dumped[0])
    return cfg

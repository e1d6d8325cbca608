"""k-fold cross-validation with mmpretrain's ``KFoldDataset``.

:func:`kfold_configs` rewrites a training config into K configs. Fold ``i``
trains on ``KFoldDataset(base, fold=i, test_mode=False)`` (the other K-1
parts) and validates and tests on ``KFoldDataset(base, fold=i,
test_mode=True)`` (part ``i``), where ``base`` is the config's training data
set in both cases, shuffled once with the same ``seed``. The val/test side
keeps the config's test pipeline. The config's own validation set is not
used, so it stays untouched for a final comparison.

:func:`run_kfold` trains the folds one after another and reports each fold's
last validation metric with their mean and (sample) standard deviation.
"""
import copy
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config, ConfigDict
from mmengine.hooks import Hook

from ..errors import ConfigError
from ..progress import announce

KFOLD_TYPE = 'KFoldDataset'  # mmpretrain's
# wrappers that hold one data set in ``dataset`` and may sit around the base
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')


def _unwrap(dataset_cfg: dict) -> List[dict]:
    """The chain of wrappers above the base data set, outermost first."""
    chain = []
    node = dataset_cfg
    while node.get('type') in WRAPPERS:
        chain.append(node)
        node = node['dataset']
    if node.get('type') in ('ConcatDataset', KFOLD_TYPE):
        raise ConfigError(
            f'k-fold needs a single training data set, the config has a '
            f'{node["type"]}.',
            fix='use a config whose train_dataloader.'
            'dataset is one data set (optionally in RepeatDataset/'
            'ClassBalancedDataset).')
    return chain + [node]


def use_trainval(cfg: Config, ann_file: str = 'meta/trainval.txt') -> Config:
    """Point the training set at every labelled image (train + val).

    ``tools/prepare_data.py`` writes ``meta/trainval.txt`` beside the split
    lists. k-fold over it estimates accuracy on all labelled images instead
    of reusing the one official val split the recipes were tuned on.

    Args:
        cfg: A training config (modified in place).
        ann_file: The list file, relative to the data set's ``data_root``.

    Returns:
        The same config.
    """
    node = _unwrap(cfg.train_dataloader.dataset)[-1]
    path = osp.join(node.get('data_root') or '', ann_file)
    if not osp.isfile(path):
        raise ConfigError(
            f'--trainval: {path} does not exist.',
            fix='run tools/prepare_data.py again (it writes meta/trainval.txt '
            'beside train.txt and val.txt).',
            path=path)
    node['ann_file'] = ann_file
    return cfg


def kfold_configs(cfg: Config,
                  num_splits: int,
                  seed: Optional[int] = 0) -> List[Config]:
    """One config per fold.

    Args:
        cfg: A training config (not modified).
        num_splits: K, at least 2.
        seed: Shuffle seed of ``KFoldDataset`` (``None``: no shuffling, the
            parts are contiguous runs of the annotation file, usually sorted
            by class, which is rarely wanted).

    Returns:
        K configs; fold ``i`` trains on the other parts and validates/tests
        on part ``i`` of the same base data set.
    """
    if not isinstance(num_splits, int) or num_splits < 2:
        raise ConfigError(f'k-fold needs at least 2 folds, got {num_splits}.')
    if not cfg.get('train_dataloader'):
        raise ConfigError('The config has no train_dataloader.')
    chain = _unwrap(copy.deepcopy(cfg.train_dataloader.dataset))
    base = dict(chain[-1])
    base.pop('test_mode', None)
    val_src = cfg.get('val_dataloader') or cfg.get('test_dataloader')
    if not val_src:
        raise ConfigError('The config has no val_dataloader, so its test '
                          'pipeline (resize, crop) is unknown.')
    node = val_src.dataset
    while node.get('dataset') is not None:  # wrappers
        node = node['dataset']
    test_pipeline = copy.deepcopy(node.get('pipeline', []))
    evaluator = cfg.get('val_evaluator') or cfg.get('test_evaluator')
    if not evaluator:
        raise ConfigError(
            'The config has no val_evaluator.',
            fix="add val_evaluator = dict(type='Accuracy', "
            'topk=(1, )).')
    out = []
    for fold in range(num_splits):
        fold_cfg = copy.deepcopy(cfg)
        train_base = dict(base)
        train = dict(
            type=KFOLD_TYPE,
            dataset=train_base,
            fold=fold,
            num_splits=num_splits,
            test_mode=False,
            seed=seed)
        for wrapper in reversed(chain[:-1]):  # re-wrap, innermost first
            train = dict(wrapper, dataset=train)
        val_base = dict(
            base, pipeline=copy.deepcopy(test_pipeline), test_mode=True)
        val = dict(
            type=KFOLD_TYPE,
            dataset=val_base,
            fold=fold,
            num_splits=num_splits,
            test_mode=True,
            seed=seed)
        fold_cfg.train_dataloader.dataset = ConfigDict(train)
        loader = copy.deepcopy(
            cfg.get('val_dataloader') or cfg.get('test_dataloader'))
        loader.dataset = ConfigDict(val)
        loader.setdefault('sampler',
                          dict(type='DefaultSampler', shuffle=False))
        fold_cfg.val_dataloader = loader
        fold_cfg.test_dataloader = copy.deepcopy(loader)
        fold_cfg.val_evaluator = copy.deepcopy(evaluator)
        fold_cfg.test_evaluator = copy.deepcopy(evaluator)
        fold_cfg.setdefault('val_cfg', dict())
        fold_cfg.setdefault('test_cfg', dict())
        if fold_cfg.get('train_cfg') is not None:
            fold_cfg.train_cfg.setdefault('val_interval', 1)
        out.append(fold_cfg)
    return out


class LastMetricsHook(Hook):
    """Remember the metrics of the last validation."""

    priority = 'LOWEST'

    def __init__(self):
        self.metrics: Dict[str, float] = {}

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Keep a copy of ``metrics``."""
        self.metrics = dict(metrics or {})


def train_fold(cfg: Config, work_dir: str, name: str) -> Dict[str, float]:
    """Train one fold the way ``tools/train.py`` builds its runner.

    Args:
        cfg: The fold's config.
        work_dir: Its work dir.
        name: Experiment name (unique per fold: mmengine keys its logger
            and visualizer by it).

    Returns:
        The metrics of the fold's last validation.
    """
    from .cli import _fit_dataloaders, build_runner
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{name}_{time.strftime("%H%M%S")}'
    cfg.resume = False
    _fit_dataloaders(cfg)
    runner = build_runner(cfg)
    hook = LastMetricsHook()
    runner.register_hook(hook)
    runner.train()
    if not hook.metrics:
        raise ConfigError(
            f'Fold {name} never validated, so it has no score.',
            fix='set train_cfg.val_interval so that the last epoch is '
            'validated.')
    return hook.metrics


def summarize(results: Sequence[dict], metric: str) -> Dict[str, float]:
    """Mean and sample standard deviation of ``metric`` over runs.

    Args:
        results: Dicts with ``metrics``.
        metric: The metric key (e.g. ``accuracy/top1``).

    Returns:
        ``mean``, ``std`` (ddof=1; 0 for one run), ``min``, ``max``, ``n``.
    """
    values = []
    for r in results:
        if metric not in r['metrics']:
            raise ConfigError(
                f'Metric {metric!r} was not logged; logged: '
                f'{sorted(r["metrics"])}.',
                fix='choose --metric from those.')
        values.append(float(r['metrics'][metric]))
    arr = np.asarray(values)
    return dict(
        mean=float(arr.mean()),
        std=float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
        min=float(arr.min()),
        max=float(arr.max()),
        n=len(arr))


def format_report(results: Sequence[dict], metric: str) -> str:
    """A Markdown table: one row per run, then mean +- std."""
    stats = summarize(results, metric)
    lines = [f'| run | {metric} | work dir |', '|---|---|---|']
    for r in results:
        lines.append(f'| {r["name"]} | {r["metrics"][metric]:.2f} | '
                     f'{r["work_dir"]} |')
    lines.append(f'| **mean +- std** (n={stats["n"]}) | '
                 f'**{stats["mean"]:.2f} +- {stats["std"]:.2f}** | '
                 f'min {stats["min"]:.2f}, max {stats["max"]:.2f} |')
    return '\n'.join(lines)


def run_kfold(cfg: Config,
              work_root: str,
              num_splits: int,
              split_seed: Optional[int] = 0,
              seeds: Optional[Sequence[int]] = None,
              metric: str = 'accuracy/top1',
              folds: Optional[Sequence[int]] = None) -> List[dict]:
    """Train every fold (for every training seed).

    Args:
        cfg: The training config.
        work_root: Fold ``i`` trains in ``<work_root>/fold_i`` (with several
            seeds: ``<work_root>/seed<s>/fold_i``).
        num_splits: K.
        split_seed: ``KFoldDataset`` shuffle seed (the same for all folds).
        seeds: Training seeds (``randomness.seed``); default: the config's.
        metric: The metric to report.
        folds: Only these folds (default: all).

    Returns:
        Per run: ``name``, ``fold``, ``seed``, ``work_dir``, ``metrics``.
    """
    configs = kfold_configs(cfg, num_splits, split_seed)
    folds = list(range(num_splits)) if folds is None else list(folds)
    bad = [f for f in folds if not 0 <= f < num_splits]
    if bad:
        raise ConfigError(f'Folds {bad} are outside 0..{num_splits - 1}.')
    seeds = list(seeds) if seeds else [None]
    results = []
    for seed in seeds:
        for fold in folds:
            fold_cfg = configs[fold]
            if seed is not None:
                fold_cfg = copy.deepcopy(fold_cfg)
                fold_cfg.randomness = dict(
                    fold_cfg.get('randomness') or {}, seed=seed)
            sub = f'fold_{fold}' if len(seeds) == 1 else osp.join(
                f'seed{seed}', f'fold_{fold}')
            name = f'fold{fold}' + ('' if seed is None else f'_seed{seed}')
            work_dir = osp.join(work_root, sub)
            announce(f'k-fold: run {len(results) + 1}/'
                     f'{len(seeds) * len(folds)} ({name}) in {work_dir}')
            metrics = train_fold(fold_cfg, work_dir, name)
            results.append(
                dict(
                    name=name,
                    fold=fold,
                    seed=seed,
                    work_dir=work_dir,
                    metrics=metrics))
    summarize(results, metric)  # fail now if the metric is not logged
    return results


__all__ = [
    'kfold_configs', 'run_kfold', 'train_fold', 'summarize', 'format_report',
    'LastMetricsHook'
]

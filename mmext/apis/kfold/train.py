"""Train the folds of a k-fold run, one after another."""
import copy
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from ...engine.hooks import LastMetricsHook
from ...errors import ConfigError
from ...progress import announce
# the module: its build_runner is looked up per call (tests patch it)
from .. import train as train_api
from .configs import kfold_configs, set_teacher_scores
from .evaluate import teacher_scores
from .layout import last_checkpoint, run_dirs, run_record
from .report import summarize


def train_fold(cfg: Config, work_dir: str, name: str) -> Dict[str, float]:
    """Train one fold as ``tools/train.py`` trains a config.

    The fold's config goes through the same argument merging as
    ``tools/train.py CONFIG --work-dir WORK_DIR`` (mmpretrain's dataloader
    defaults, persistent workers among them, and this project's fitting of
    schedules and loaders), and the fold's dataloader workers are stopped
    before the next fold starts.

    Args:
        cfg: The fold's config.
        work_dir: Its work dir.
        name: Experiment name (unique per fold: mmengine keys its logger
            and visualizer by it).

    Returns:
        The metrics of the fold's last validation.
    """
    cfg = copy.deepcopy(cfg)
    cfg.experiment_name = f'{name}_{time.strftime("%H%M%S")}'
    cfg.resume = False
    args = train_api.train_parser().parse_args(
        [cfg.filename or f'{name}.py', '--work-dir', work_dir])
    cfg = train_api.prepare_train_config(cfg, args)
    runner = train_api.build_runner(cfg)
    hook = LastMetricsHook()
    runner.register_hook(hook)
    runner.train()
    train_api.release_dataloader_workers(runner)
    if not hook.metrics:
        raise ConfigError(
            f'Fold {name} never validated, so it has no score.',
            fix='set train_cfg.val_interval so that the last epoch is '
            'validated.')
    return hook.metrics


def run_kfold(cfg: Config,
              work_root: str,
              num_splits: int,
              split_seed: Optional[int] = 0,
              seeds: Optional[Sequence[int]] = None,
              metric: str = 'accuracy/top1',
              folds: Optional[Sequence[int]] = None,
              teachers: Optional[Sequence[str]] = None,
              teacher_tta: bool = False) -> List[dict]:
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
        teachers: k-fold work dirs of teacher recipes trained on the same
            folds: before fold ``i`` trains, :func:`teacher_scores` scores
            its training images with the teachers' fold ``i`` models into
            ``<fold work dir>/teacher/scores.csv``, which the config's
            ``LoadTeacherScores`` transform then reads (distillation).
        teacher_tta: Flip test-time augmentation for the teachers.

    Returns:
        Per run: ``name``, ``fold``, ``seed``, ``work_dir``, ``metrics``.
    """
    configs = kfold_configs(cfg, num_splits, split_seed)
    runs = run_dirs(work_root, num_splits, seeds, folds)
    teacher_runs = [
        run_dirs(root, num_splits, seeds, folds) for root in teachers or ()
    ]
    if teacher_runs:  # fail before the first fold trains, not at the last
        set_teacher_scores(copy.deepcopy(configs[0]), '')
        for other in teacher_runs:
            for run in other:
                last_checkpoint(run[3])
    results = []
    for i, (fold, seed, name, work_dir) in enumerate(runs):
        fold_cfg = configs[fold]
        if seed is not None or teacher_runs:
            fold_cfg = copy.deepcopy(fold_cfg)
        if seed is not None:
            fold_cfg.randomness = dict(
                fold_cfg.get('randomness') or {}, seed=seed)
        if teacher_runs:
            announce(f'k-fold: teacher scores for {name}')
            set_teacher_scores(
                fold_cfg,
                teacher_scores(fold_cfg,
                               [other[i][3] for other in teacher_runs],
                               osp.join(work_dir, 'teacher'), teacher_tta))
        announce(f'k-fold: run {len(results) + 1}/{len(runs)} ({name}) in '
                 f'{work_dir}')
        metrics = train_fold(fold_cfg, work_dir, name)
        results.append(run_record((fold, seed, name, work_dir), metrics))
    summarize(results, metric)  # fail now if the metric is not logged
    return results

"""Test the trained folds again: another test pipeline, TTA, a weight soup
or an ensemble of recipes, and teacher scores for distillation."""
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from ...datasets.wrappers import innermost_dataset
from ...errors import ConfigError
from ...evaluation.submission import read_predictions
from ...fileio import atomic_write
from ...progress import announce
from ..ensemble import ensemble_frames
from ..soup import average_checkpoints
from ..test import run_test, test_parser
from .configs import fold_indices, heldout_test_config, kfold_configs
from .layout import fold_config, last_checkpoint, run_dirs, run_record

ENSEMBLE_METRIC = 'accuracy/top1'  # what --ensemble-with reports


def evaluate_folds(cfg: Config,
                   work_root: str,
                   num_splits: int,
                   split_seed: Optional[int] = 0,
                   seeds: Optional[Sequence[int]] = None,
                   folds: Optional[Sequence[int]] = None,
                   tag: str = 'eval',
                   tta: bool = False,
                   save_csv: bool = True,
                   soup_with: Optional[Sequence[str]] = None,
                   ensemble_with: Optional[Sequence[str]] = None,
                   metric: str = 'accuracy/top1') -> List[dict]:
    """Test every trained fold again, e.g. with another test pipeline or TTA.

    Each fold's last checkpoint is tested with ``tools/test.py``'s logic on
    the fold's held-out part, using ``cfg``'s test pipeline (which may differ
    from training's: a larger test resolution, no crop), so test-time
    choices are made by k-fold without training again.

    Args:
        cfg: The training config with the test-time changes applied.
        work_root: The ``--work-dir`` the folds were trained in.
        num_splits: K, as trained.
        split_seed: As trained.
        seeds: As trained.
        folds: Only these folds (default: all).
        tag: Name of this evaluation: outputs go to
            ``<fold work dir>/<tag>/`` (config, logs, ``preds.csv``).
        tta: Flip test-time augmentation (``tools/test.py --tta``).
        save_csv: Write each fold's out-of-fold predictions to
            ``<fold work dir>/<tag>/preds.csv``.
        soup_with: Other k-fold work dirs trained on the same folds (same
            ``num_splits``, ``split_seed``, ``seeds``, same model): each fold
            is tested as a uniform soup (:mod:`mmext.apis.soup`) of its last
            checkpoint and the same fold's last checkpoint in every one of
            them, saved as ``<fold work dir>/<tag>/soup.pth``. The soup is
            one model, as cheap to run as each of its ingredients.
        ensemble_with: Other k-fold work dirs trained on the same folds (any
            model of the same classes): each fold is scored by the mean of
            the class scores of its model and the same fold's model of every
            one of them (:func:`mmext.apis.ensemble.ensemble_frames`), each
            member tested with its own fold config's test pipeline (``cfg``'s
            for this work dir's model). Only ``accuracy/top1`` is reported;
            every member's scores stay in
            ``<fold work dir>/<tag>/member_<i>.csv``.
        metric: The metric the report is about; with ``ensemble_with`` it
            must be ``accuracy/top1``.

    Returns:
        Per run: ``name``, ``fold``, ``seed``, ``work_dir``, ``metrics``.
    """
    _check_combined(soup_with, ensemble_with, metric)
    configs = kfold_configs(cfg, num_splits, split_seed)
    runs = run_dirs(work_root, num_splits, seeds, folds)
    others = [
        run_dirs(root, num_splits, seeds, folds)
        for root in list(soup_with or ()) + list(ensemble_with or ())
    ]
    # every ingredient must exist before the first fold is tested
    ingredients = [[last_checkpoint(run[3])] +
                   [last_checkpoint(other[i][3]) for other in others]
                   for i, run in enumerate(runs)]
    results = []
    for i, (run, paths) in enumerate(zip(runs, ingredients)):
        fold, _, name, work_dir = run
        test_cfg = heldout_test_config(configs[fold])
        test_cfg.experiment_name = f'{name}_{tag}_{time.strftime("%H%M%S")}'
        out_dir = osp.join(work_dir, tag)
        os.makedirs(out_dir, exist_ok=True)
        announce(f'k-fold {tag}: run {len(results) + 1}/{len(runs)} '
                 f'({name}) {paths[0]}')
        if ensemble_with:
            member_cfgs = [test_cfg] + [
                heldout_test_config(fold_config(other[i][3]))
                for other in others
            ]
            metrics = _ensemble_fold(member_cfgs, paths, out_dir, tta,
                                     save_csv)
        else:
            metrics = _soup_or_single_fold(test_cfg, paths, out_dir, tta,
                                           save_csv, bool(soup_with))
        results.append(
            run_record(
                run, {
                    k: v
                    for k, v in (metrics or {}).items()
                    if not k.startswith('submission/')
                }))
    return results


def _check_combined(soup_with: Optional[Sequence[str]],
                    ensemble_with: Optional[Sequence[str]],
                    metric: str) -> None:
    """Refuse a soup and an ensemble at once, and an ensemble's metric other
    than :data:`ENSEMBLE_METRIC`."""
    if soup_with and ensemble_with:
        raise ConfigError('A fold is tested either as a soup or as an '
                          'ensemble, not both at once.')
    if ensemble_with and metric != ENSEMBLE_METRIC:
        raise ConfigError(
            f'An ensemble of k-fold runs reports {ENSEMBLE_METRIC} only, '
            f'not {metric}.',
            fix=f'drop --metric or use --metric {ENSEMBLE_METRIC}.')


def _soup_or_single_fold(test_cfg: Config, paths: Sequence[str], out_dir: str,
                         tta: bool, save_csv: bool,
                         soup: bool) -> Dict[str, float]:
    """Test one fold's model, or the uniform soup of ``paths``.

    Args:
        test_cfg: From :func:`heldout_test_config`.
        paths: The fold's checkpoint, then the other recipes' (soup only).
        out_dir: The evaluation's folder (``soup.pth``, ``preds.csv``).
        tta: Flip test-time augmentation.
        save_csv: Write ``preds.csv``.
        soup: Average ``paths`` into ``soup.pth`` and test that.

    Returns:
        The test metrics.
    """
    checkpoint = paths[0]
    if soup:
        checkpoint = osp.join(out_dir, 'soup.pth')
        average_checkpoints(paths, checkpoint)
    return _test_fold(test_cfg, checkpoint, out_dir, tta,
                      osp.join(out_dir, 'preds.csv') if save_csv else None)


def _test_fold(test_cfg: Config,
               checkpoint: str,
               out_dir: str,
               tta: bool,
               out: Optional[str] = None,
               topk: int = 1,
               config_name: str = 'test_config.py') -> Dict[str, float]:
    """Run ``tools/test.py``'s logic on one fold's held-out part.

    Args:
        test_cfg: From :func:`heldout_test_config`.
        checkpoint: The weights.
        out_dir: The test's work dir (the config is dumped there).
        tta: Flip test-time augmentation.
        out: Predictions CSV to write, if any.
        topk: Ranked classes per row of ``out``.
        config_name: File name of the dumped config.

    Returns:
        The test metrics.
    """
    cfg_path = osp.join(out_dir, config_name)
    test_cfg.dump(cfg_path)
    argv = [cfg_path, checkpoint, '--work-dir', out_dir, '--topk', str(topk)]
    if tta:
        argv.append('--tta')
    if out:
        argv += ['--out', out]
    return run_test(test_parser().parse_args(argv)) or {}


def _mean_scores(test_cfgs: Sequence[Config],
                 checkpoints: Sequence[str],
                 out_dir: str,
                 tta: bool,
                 prefix: str,
                 topk: int = 1):
    """Test several models with full scores and average them.

    Args:
        test_cfgs: Each model's test config (its test set and pipeline).
        checkpoints: Each model's weights.
        out_dir: Where each model's CSV (``<prefix>_<j>.csv``, every class
            ranked) and dumped config go.
        tta: Flip test-time augmentation for every model.
        prefix: File name prefix.
        topk: Ranked classes per row of the returned table.

    Returns:
        The table of the mean class scores, in ``tools/test.py``'s layout.
    """
    frames, names = [], []
    for j, (test_cfg, ckpt) in enumerate(zip(test_cfgs, checkpoints)):
        csv = osp.join(out_dir, f'{prefix}_{j}.csv')
        _test_fold(
            test_cfg,
            ckpt,
            out_dir,
            tta,
            csv,
            topk=test_cfg.model.head.num_classes,
            config_name=f'{prefix}_{j}_config.py')
        frames.append(read_predictions(csv, labelled=True))
        names.append(csv)
    return ensemble_frames(frames, names=names, topk=topk)


def _ensemble_fold(member_cfgs: Sequence[Config], checkpoints: Sequence[str],
                   out_dir: str, tta: bool,
                   save_csv: bool) -> Dict[str, float]:
    """Top-1 of the class-score mean of several models on one fold.

    Args:
        member_cfgs: Each member's held-out test config.
        checkpoints: Each member's weights.
        out_dir: Where the members' full-score CSVs (and the ensemble's
            ``preds.csv``) go.
        tta: Flip test-time augmentation for every member.
        save_csv: Also write the ensemble's ``preds.csv``.

    Returns:
        ``{'accuracy/top1': top-1 in percent}``.
    """
    ens = _mean_scores(member_cfgs, checkpoints, out_dir, tta, 'member')
    if save_csv:
        with atomic_write(
                osp.join(out_dir, 'preds.csv'), 'w', encoding='utf-8') as f:
            ens.to_csv(f, index=False)
    top1 = float(
        (ens['pred_label'].to_numpy() == ens['gt_label'].to_numpy()).mean() *
        100)
    return {ENSEMBLE_METRIC: top1}


def teacher_scores(fold_cfg: Config,
                   teacher_dirs: Sequence[str],
                   out_dir: str,
                   tta: bool = False) -> str:
    """Score a fold's training images with the same fold's teachers.

    Each teacher is the last checkpoint of a k-fold run on the same folds
    (so no teacher has seen the fold's held-out images), tested with its
    own fold config's test pipeline on the fold's training part; several
    teachers are averaged (:func:`mmext.apis.ensemble.ensemble_frames`).

    Args:
        fold_cfg: The student's fold config (:func:`kfold_configs`).
        teacher_dirs: The teachers' work dirs of the same fold.
        out_dir: Where the scores (``scores.csv``, one ``teacher_<j>.csv``
            per teacher) and the test logs go.
        tta: Flip test-time augmentation for every teacher.

    Returns:
        The path of ``scores.csv``: every class ranked, the layout
        :class:`mmext.transforms.LoadTeacherScores` reads.
    """
    os.makedirs(out_dir, exist_ok=True)
    heldout = fold_indices(fold_cfg, heldout=True)
    train = fold_indices(fold_cfg, heldout=False)
    base = innermost_dataset(fold_cfg.val_dataloader.dataset)
    test_cfgs = []
    for teacher_dir in teacher_dirs:
        teacher_cfg = fold_config(teacher_dir)
        teacher_base = innermost_dataset(teacher_cfg.val_dataloader.dataset)
        same_list = all(
            teacher_base.get(k) == base.get(k)
            for k in ('data_root', 'ann_file', 'data_prefix'))
        if not same_list or fold_indices(teacher_cfg) != heldout:
            raise ConfigError(
                f'The teacher run {teacher_dir} was not trained on the '
                'folds of this run (another image list, number of folds or '
                '--split-seed), so it may have seen this fold\'s held-out '
                'images and the estimate would be optimistic.',
                fix='train the teacher with tools/kfold.py on the same '
                'folds (same --folds, --trainval, --split-seed, --seeds).',
                path=teacher_dir)
        test_cfgs.append(heldout_test_config(teacher_cfg, indices=train))
    scores = _mean_scores(
        test_cfgs, [last_checkpoint(d) for d in teacher_dirs],
        out_dir,
        tta,
        'teacher',
        topk=test_cfgs[0].model.head.num_classes)
    path = osp.join(out_dir, 'scores.csv')
    with atomic_write(path, 'w', encoding='utf-8') as f:
        scores.to_csv(f, index=False)
    return path

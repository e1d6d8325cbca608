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
import glob
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, ConfigDict

from ..engine.hooks import LastMetricsHook
from ..errors import ConfigError
from ..fileio import atomic_write
from ..progress import announce

KFOLD_TYPE = 'KFoldDataset'  # mmpretrain's
ENSEMBLE_METRIC = 'accuracy/top1'  # what --ensemble-with reports
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
    from .train_test import (build_runner, prepare_train_config,
                             release_dataloader_workers, train_parser)
    cfg = copy.deepcopy(cfg)
    cfg.experiment_name = f'{name}_{time.strftime("%H%M%S")}'
    cfg.resume = False
    args = train_parser().parse_args(
        [cfg.filename or f'{name}.py', '--work-dir', work_dir])
    cfg = prepare_train_config(cfg, args)
    runner = build_runner(cfg)
    hook = LastMetricsHook()
    runner.register_hook(hook)
    runner.train()
    release_dataloader_workers(runner)
    if not hook.metrics:
        raise ConfigError(
            f'Fold {name} never validated, so it has no score.',
            fix='set train_cfg.val_interval so that the last epoch is '
            'validated.')
    return hook.metrics


def _run_dirs(
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


def fold_indices(fold_cfg: Config, heldout: bool = True) -> List[int]:
    """Indices (into the base data set) of a fold's held-out or training part.

    They are the ones ``KFoldDataset`` selects (``test_mode=True`` for the
    held-out part), read from the wrapper itself so that they cannot drift
    from what training used.

    Args:
        fold_cfg: One config of :func:`kfold_configs`.
        heldout: The held-out part (else the K-1 training parts).

    Returns:
        The indices, in the wrapper's order.
    """
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    val = copy.deepcopy(fold_cfg.val_dataloader.dataset)
    val.dataset = dict(val.dataset, pipeline=[])  # no image is loaded
    val.test_mode = heldout
    wrapper = DATASETS.build(val)
    return [int(i) for i in wrapper._ori_indices]


def heldout_indices(fold_cfg: Config) -> List[int]:
    """Indices (into the base data set) of a fold's held-out part.

    Args:
        fold_cfg: One config of :func:`kfold_configs`.

    Returns:
        The indices, in the wrapper's order.
    """
    return fold_indices(fold_cfg, heldout=True)


def heldout_test_config(fold_cfg: Config,
                        indices: Optional[Sequence[int]] = None) -> Config:
    """A fold's config that tests on its held-out part as a plain data set.

    ``KFoldDataset`` carries no pipeline of its own, which
    ``tools/test.py --tta`` needs to swap in the TTA pipeline; the base data
    set with ``indices`` (mmengine's ``BaseDataset`` argument) holds the same
    images in the same order.

    Args:
        fold_cfg: One config of :func:`kfold_configs` (not modified).
        indices: Test these images of the base data set instead (e.g. the
            fold's training part, :func:`fold_indices`).

    Returns:
        A copy whose ``test_dataloader`` is the base data set restricted to
        the fold's held-out part (or to ``indices``), with the test pipeline.
    """
    cfg = copy.deepcopy(fold_cfg)
    base = copy.deepcopy(fold_cfg.val_dataloader.dataset.dataset)
    base['indices'] = (
        heldout_indices(fold_cfg) if indices is None else list(indices))
    cfg.test_dataloader.dataset = ConfigDict(base)
    return cfg


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
    from .soup import average_checkpoints
    if soup_with and ensemble_with:
        raise ConfigError('A fold is tested either as a soup or as an '
                          'ensemble, not both at once.')
    if ensemble_with and metric != ENSEMBLE_METRIC:
        raise ConfigError(
            f'An ensemble of k-fold runs reports {ENSEMBLE_METRIC} only, '
            f'not {metric}.',
            fix=f'drop --metric or use --metric {ENSEMBLE_METRIC}.')
    configs = kfold_configs(cfg, num_splits, split_seed)
    results = []
    runs = _run_dirs(work_root, num_splits, seeds, folds)
    others = [
        _run_dirs(root, num_splits, seeds, folds)
        for root in list(soup_with or ()) + list(ensemble_with or ())
    ]
    # every ingredient must exist before the first fold is tested
    ingredients = [[last_checkpoint(run[3])] +
                   [last_checkpoint(other[i][3]) for other in others]
                   for i, run in enumerate(runs)]
    for i, ((fold, seed, name, work_dir),
            paths) in enumerate(zip(runs, ingredients)):
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
            checkpoint = paths[0]
            if soup_with:
                checkpoint = osp.join(out_dir, 'soup.pth')
                average_checkpoints(paths, checkpoint)
            metrics = _test_fold(
                test_cfg, checkpoint, out_dir, tta,
                osp.join(out_dir, 'preds.csv') if save_csv else None)
        results.append(
            dict(
                name=name,
                fold=fold,
                seed=seed,
                work_dir=work_dir,
                metrics={
                    k: v
                    for k, v in (metrics or {}).items()
                    if not k.startswith('submission/')
                }))
    return results


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
    from .train_test import run_test, test_parser
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
    from ..evaluation.submission import read_predictions
    from .ensemble import ensemble_frames
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


TEACHER_TYPE = 'LoadTeacherScores'  # mmext.transforms.teacher_scores


def _base_dataset(dataset_cfg: dict) -> dict:
    """The innermost data set of a (wrapped, k-fold) data set config."""
    node = dataset_cfg
    while node.get('dataset') is not None:
        node = node['dataset']
    return node


def set_teacher_scores(fold_cfg: Config, scores: str) -> Config:
    """Point the ``LoadTeacherScores`` of a fold's train pipeline at a file.

    Args:
        fold_cfg: One config of :func:`kfold_configs` (modified in place).
        scores: The fold's teacher scores CSV.

    Returns:
        The same config.
    """
    pipeline = _base_dataset(
        fold_cfg.train_dataloader.dataset).get('pipeline') or []
    found = [t for t in pipeline if t.get('type') == TEACHER_TYPE]
    if not found:
        raise ConfigError(
            f'--teacher needs a student config whose train pipeline has a '
            f'{TEACHER_TYPE} transform (it sets the distillation targets), '
            'this one has none.',
            fix=f'use a distillation config (dict(type=\'{TEACHER_TYPE}\', '
            'scores=..., weight=0.5) before PackInputs), e.g. configs/recipe/'
            '*_distill.py.')
    for t in found:
        t['scores'] = scores
    return fold_cfg


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
    base = _base_dataset(fold_cfg.val_dataloader.dataset)
    test_cfgs = []
    for teacher_dir in teacher_dirs:
        teacher_cfg = fold_config(teacher_dir)
        teacher_base = _base_dataset(teacher_cfg.val_dataloader.dataset)
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


def paired_differences(results_a: Sequence[dict], results_b: Sequence[dict],
                       metric: str) -> Tuple[List[dict], Dict[str, float]]:
    """Per-fold ``b - a`` of two k-fold runs over the same folds.

    Two recipes trained on the same folds share each fold's difficulty, so
    the spread of their per-fold differences is much smaller than the spread
    of either; a recipe wins when the mean difference clearly exceeds that
    spread.

    Args:
        results_a: Runs of recipe A (``fold``, ``seed``, ``metrics``).
        results_b: Runs of recipe B.
        metric: The metric key.

    Returns:
        The per-run differences (``name``, ``a``, ``b``, ``diff``) and their
        :func:`summarize`-style statistics.
    """
    b_by_key = {(r['fold'], r.get('seed')): r for r in results_b}
    rows = []
    for ra in results_a:
        rb = b_by_key.get((ra['fold'], ra.get('seed')))
        if rb is None:
            continue
        a, b = (summarize([r], metric)['mean'] for r in (ra, rb))  # checked
        rows.append(dict(name=ra['name'], a=a, b=b, diff=b - a))
    if not rows:
        raise ConfigError(
            'The two k-fold runs share no fold (matched by fold and seed).',
            fix='compare runs made with the same --folds, --split-seed and '
            '--seeds.')
    stats = summarize([dict(metrics={metric: r['diff']}) for r in rows],
                      metric)
    return rows, stats


def load_report(path: str) -> dict:
    """A ``kfold*.json`` report of ``tools/kfold.py`` (or a work dir's
    ``kfold.json``)."""
    if osp.isdir(path):
        path = osp.join(path, 'kfold.json')
    if not osp.isfile(path):
        raise ConfigError(
            f'{path} does not exist.',
            fix='pass the kfold.json (or kfold_<tag>.json) a tools/kfold.py '
            'run wrote, or its work dir.',
            path=path)
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def compare_reports(report_a: dict,
                    report_b: dict,
                    metric: str,
                    name_a: str = 'A',
                    name_b: str = 'B') -> Tuple[List[dict], Dict[str, float]]:
    """:func:`paired_differences` of two reports made on the same folds.

    Args:
        report_a: A :func:`load_report` report.
        report_b: Another.
        metric: The metric key.
        name_a: What to call ``report_a`` in an error (its path).
        name_b: The same for ``report_b``.

    Returns:
        What :func:`paired_differences` returns.
    """
    for key in ('folds', 'split_seed', 'trainval'):
        if report_a.get(key) != report_b.get(key):
            raise ConfigError(
                f'The two reports were made on different folds: {key} is '
                f'{report_a.get(key)!r} in {name_a} and '
                f'{report_b.get(key)!r} in {name_b}.',
                fix='compare runs made with the same --folds, --split-seed '
                'and --trainval.')
    return paired_differences(report_a['runs'], report_b['runs'], metric)


def format_paired(rows: Sequence[dict], stats: Dict[str, float], label_a: str,
                  label_b: str) -> str:
    """A Markdown table of :func:`paired_differences`."""
    lines = [
        f'| run | A: {label_a} | B: {label_b} | B - A |', '|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f'| {r["name"]} | {r["a"]:.2f} | {r["b"]:.2f} | '
                     f'{r["diff"]:+.2f} |')
    lines.append(f'| **mean +- std** (n={stats["n"]}) | | | '
                 f'**{stats["mean"]:+.2f} +- {stats["std"]:.2f}** |')
    return '\n'.join(lines)


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
    runs = _run_dirs(work_root, num_splits, seeds, folds)
    teacher_runs = [
        _run_dirs(root, num_splits, seeds, folds) for root in teachers or ()
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
    'evaluate_folds', 'heldout_indices', 'heldout_test_config',
    'last_checkpoint', 'paired_differences', 'format_paired', 'fold_indices',
    'teacher_scores', 'set_teacher_scores'
]

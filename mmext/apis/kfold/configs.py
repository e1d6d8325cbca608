"""k-fold configs: a training config rewritten into one config per fold.

Fold ``i`` trains on ``KFoldDataset(base, fold=i, test_mode=False)`` (the
other K-1 parts) and validates and tests on ``KFoldDataset(base, fold=i,
test_mode=True)`` (part ``i``); see :mod:`mmext.apis.kfold`.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

from ...datasets.wrappers import innermost_dataset
from ...errors import ConfigError

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
    test_pipeline = copy.deepcopy(
        innermost_dataset(val_src.dataset).get('pipeline', []))
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


TEACHER_TYPE = 'LoadTeacherScores'  # mmext.transforms.teacher_scores


def set_teacher_scores(fold_cfg: Config, scores: str) -> Config:
    """Point the ``LoadTeacherScores`` of a fold's train pipeline at a file.

    Args:
        fold_cfg: One config of :func:`kfold_configs` (modified in place).
        scores: The fold's teacher scores CSV.

    Returns:
        The same config.
    """
    pipeline = innermost_dataset(
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

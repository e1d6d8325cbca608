"""The splits of a data set, read the way training reads them: from a data
folder in one of :class:`GarbageDataset`'s layouts, or from a config."""
import copy
import os
import os.path as osp
from typing import Dict, List, Tuple

from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

from ..datasets import GarbageDataset
from ..datasets.wrappers import innermost_dataset
from ..errors import DataError

SPLITS = ('train', 'val', 'test')


def _garbage_dataset(**kwargs):
    return GarbageDataset(
        allow_empty_classes=True, check_files=False, pipeline=[], **kwargs)


def _samples(dataset) -> List[Tuple[str, int]]:
    infos = (dataset.get_data_info(i) for i in range(len(dataset)))
    return [(d['img_path'], int(d.get('gt_label', -1))) for d in infos]


def splits_from_folder(root: str) -> Tuple[List[str], Dict[str, list]]:
    """Find the splits of a data folder.

    Understood layouts: ``meta/{train,val,test}.txt`` list files (with
    ``meta/classes.txt`` and ``images/``, as written by
    ``tools/prepare_data.py``); ``{train,val,test}/<class>/`` folders; or a
    single folder with one sub-folder per class (or the Huawei layout),
    reported as split ``all``.

    Args:
        root: The data folder.

    Returns:
        ``(classes, {split: [(image path, label), ...]})``.
    """
    if not osp.isdir(root):
        raise DataError(
            f'Data folder {root} does not exist.',
            fix='pass a data folder or a config file.',
            path=root)
    meta = osp.join(root, 'meta')
    lists = [s for s in SPLITS if osp.isfile(osp.join(meta, f'{s}.txt'))]
    splits, classes = {}, None
    if lists:
        names = osp.join(meta, 'classes.txt')
        prefix = 'images' if osp.isdir(osp.join(root, 'images')) else ''
        for split in lists:
            ds = _garbage_dataset(
                data_root=root,
                ann_file=f'meta/{split}.txt',
                data_prefix=prefix,
                layout='list',
                classes=names if osp.isfile(names) else None)
            classes = list(ds.metainfo['classes'])
            splits[split] = _samples(ds)
        return classes, splits
    folders = [s for s in SPLITS if osp.isdir(osp.join(root, s))]
    if folders:
        class_dirs = sorted({
            d
            for s in folders
            for d in os.listdir(osp.join(root, s))
            if osp.isdir(osp.join(root, s, d))
        })
        for split in folders:
            ds = _garbage_dataset(
                data_prefix=osp.join(root, split), classes=class_dirs or None)
            classes = list(ds.metainfo['classes'])
            splits[split] = _samples(ds)
        return classes, splits
    ds = _garbage_dataset(data_prefix=root)
    return list(ds.metainfo['classes']), {'all': _samples(ds)}


def splits_from_config(cfg) -> Tuple[List[str], Dict[str, list]]:
    """Build the train/val/test data sets of a config (without pipelines).

    Data set wrappers are unwrapped (the report is about the files); a split
    whose data set is the same as an earlier one (``test = val``) is skipped.

    Args:
        cfg: A loaded :class:`mmengine.config.Config`.

    Returns:
        ``(classes, {split: [(image path, label), ...]})``.
    """

    init_default_scope('mmpretrain')
    splits, seen, classes = {}, [], None
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        ds_cfg = dict(copy.deepcopy(innermost_dataset(loader['dataset'])))
        if ds_cfg in seen:
            continue
        seen.append(copy.deepcopy(ds_cfg))
        ds_cfg['pipeline'] = []
        if ds_cfg.get('type') == 'GarbageDataset':
            ds_cfg.update(allow_empty_classes=True, check_files=False)
        ds = DATASETS.build(ds_cfg)
        classes = classes or list(ds.metainfo['classes'])
        splits[split] = _samples(ds)
    if not splits:
        raise DataError(
            'The config defines no train/val/test data set.',
            fix='pass a training config, or a data folder.')
    return classes, splits

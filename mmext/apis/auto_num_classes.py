"""``num_classes='auto'``: the class count taken from the data set.

A config for your own data does not know how many classes it has. With
``model.head.num_classes='auto'`` (and ``data_preprocessor.num_classes``)
the count is read from the data set's class names when the config is
prepared, before the runner is built, so the dumped config states the number.
Accuracy's top-k values above the count are dropped (top-5 of 2 classes
would stop validation with a ValueError).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from ..checkpoint import safe_torch_load
from ..datasets.class_names import read_class_names
from ..datasets.wrappers import innermost_dataset
from ..errors import ConfigError

AUTO = 'auto'


def _auto_fields(cfg: Config) -> List[Tuple[dict, str]]:
    """``(dict, option name)`` of every ``num_classes='auto'``."""
    model = cfg.get('model') or {}
    found = []
    for node, name in ((model.get('head'), 'model.head'),
                       (cfg.get('data_preprocessor'),
                        'data_preprocessor'), (model.get('data_preprocessor'),
                                               'model.data_preprocessor')):
        if isinstance(node, dict) and node.get('num_classes') == AUTO:
            found.append((node, name))
    return found


def checkpoint_classes(checkpoint: str) -> Optional[list]:
    """The class names training stored in the checkpoint's meta.

    Args:
        checkpoint: A local checkpoint file (a URL or a missing file gives
            ``None``).

    Returns:
        The class names, or ``None`` when the meta holds none.
    """
    if '://' in checkpoint or not osp.isfile(checkpoint):
        return None
    ckpt = safe_torch_load(checkpoint, 'cpu')
    meta = ckpt.get('meta') or {} if isinstance(ckpt, dict) else {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    return list(classes) if classes else None


def dataset_classes(dataset: dict) -> Optional[List[str]]:
    """The class names a dataset config yields (read, or loaded).

    Args:
        dataset: A dataset config (wrappers are unwrapped).

    Returns:
        The names, or ``None`` when the data set has none.
    """
    ds = innermost_dataset(dataset)
    classes = ds.get('classes')
    if isinstance(classes, (list, tuple)):
        return list(classes)
    root = ds.get('data_root') or ''
    if isinstance(classes, str):
        path = classes
        if root and not osp.isabs(path) and not osp.isfile(path):
            path = osp.join(root, path)
        if osp.isfile(path):
            return read_class_names(path)
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    built = DATASETS.build(dict(ds, pipeline=[], lazy_init=False))
    names = built.metainfo.get('classes')
    return list(names) if names else None


def resolve_auto_num_classes(
    cfg: Config,
    checkpoint: Optional[str] = None,
    loaders: Sequence[str] = ('train_dataloader', 'val_dataloader',
                              'test_dataloader')
) -> Optional[int]:
    """Replace ``num_classes='auto'`` by the data set's class count.

    Args:
        cfg: The merged config (changed in place).
        checkpoint: A checkpoint whose stored class names come first
            (testing and prediction: the model must match it).
        loaders: The dataloaders to take the classes from otherwise, first
            readable wins.

    Returns:
        The count, or ``None`` when nothing was ``'auto'``.
    """
    fields = _auto_fields(cfg)
    if not fields:
        return None
    classes, source = None, ''
    if checkpoint:  # testing: the checkpoint's own classes come first
        classes, source = checkpoint_classes(checkpoint), checkpoint
    for key in loaders if not classes else ():
        loader = cfg.get(key)
        if isinstance(loader, dict) and isinstance(
                loader.get('dataset'), dict):
            classes = dataset_classes(loader['dataset'])
            if classes:
                root = innermost_dataset(
                    loader['dataset']).get('data_root') or '.'
                source = f'{key}.dataset in {root}'
                break
    if not classes:
        raise ConfigError(
            "num_classes='auto', but no data set of the config names its "
            'classes, so the class count is unknown.',
            fix='prepare the data first (python tools/prepare_data.py ...), '
            'or set the count, e.g. --cfg-options model.head.num_classes=N '
            'data_preprocessor.num_classes=N.')
    count = len(classes)
    for node, _ in fields:
        node['num_classes'] = count
    print_log(
        f"num_classes: 'auto' -> {count} from {source} "
        f'({", ".join(name for _, name in fields)}).',
        logger='current')
    fit_topk(cfg, count)
    return count


def fit_topk(cfg: Config, count: int) -> None:
    """Drop Accuracy top-k values above ``count`` from the evaluators."""
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg.get(key)
        metrics = metrics if isinstance(metrics, list) else [metrics]
        for metric in metrics:
            if not isinstance(metric, dict) or not str(metric.get(
                    'type', '')).endswith('Accuracy'):
                continue
            topk = metric.get('topk')
            if isinstance(topk, (list, tuple)) and max(topk) > count:
                metric['topk'] = tuple(k for k in topk if k <= count) or (1, )
                print_log(
                    f'{key}: top-k {tuple(topk)} -> {metric["topk"]} '
                    f'({count} classes).',
                    logger='current')

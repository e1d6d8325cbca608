"""Pseudo-labelling: confident predictions on unlabeled images as a label list.

Every image below a folder is predicted (:class:`mmext.apis.inference.
Predictor`: the test preprocessing); those whose top score is at least the
threshold are written as ``<relative path> <label>`` lines, the list layout
``GarbageDataset`` reads (paths relative to the folder, which becomes the
pseudo data set's ``data_prefix``). Each image appears at most once:

- an image that already is a training image is skipped, compared by
  resolved absolute path and by content (SHA-1 of the bytes, so a copy of a
  training image under another name is caught too);
- of several identical files in the folder only the first is kept.
"""
import os
import os.path as osp
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Set

from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

from ..datasets.garbage import parse_ann_line
from ..datasets.wrappers import innermost_dataset
from ..errors import ConfigError, DataError
from ..fileio import atomic_write, file_hash
from ..progress import predict_files
from ..utils.images import list_images
from .config import load_config
from .inference import Predictor


def read_ann_paths(ann_file: str, img_root: str) -> List[str]:
    """Absolute image paths listed in a ``<path> <label>`` file.

    Args:
        ann_file: The list (``meta/train.txt``).
        img_root: The folder its paths are relative to.

    Returns:
        Resolved paths.
    """
    if not osp.isfile(ann_file):
        raise DataError(
            f'Label file {ann_file} does not exist.', path=ann_file)
    with open(ann_file, encoding='utf-8-sig') as f:
        pairs = [
            parse_ann_line(ln.strip(), ann_file, i + 1)
            for i, ln in enumerate(f) if ln.strip()
        ]
    return [osp.realpath(osp.join(img_root, p)) for p, _ in pairs]


def dataset_image_paths(dataset_cfg: dict) -> List[str]:
    """Resolved paths of every image of a data set config (wrappers too).

    Args:
        dataset_cfg: A ``train_dataloader.dataset`` config.

    Returns:
        Resolved image paths (unique).
    """
    init_default_scope('mmpretrain')

    def strip(cfg):  # no pipeline: only the file list is needed
        cfg = dict(cfg)
        if 'datasets' in cfg:
            cfg['datasets'] = [strip(d) for d in cfg['datasets']]
        elif 'dataset' in cfg:
            cfg['dataset'] = strip(cfg['dataset'])
        else:
            cfg['pipeline'] = []
        return cfg

    dataset = DATASETS.build(strip(dataset_cfg))
    paths: Dict[str, None] = {}

    def collect(ds):
        inner = getattr(ds, 'datasets', None) or ([ds.dataset] if hasattr(
            ds, 'dataset') else None)
        if inner:
            for d in inner:
                collect(d)
            return
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            if 'img_path' in info:
                paths[osp.realpath(info['img_path'])] = None

    collect(dataset)
    return list(paths)


def select_pseudo_labels(results: Sequence[dict],
                         thr: float,
                         exclude: Iterable[str] = (),
                         root: Optional[str] = None) -> Dict:
    """Keep confident, new, distinct predictions.

    Args:
        results: Per image ``file``, ``labels`` and ``scores`` (best first),
            as :class:`mmext.apis.inference.Predictor` returns them.
        thr: Keep an image when its top score is ``>= thr``.
        exclude: Image paths that must not be pseudo-labelled (the training
            images); matched by resolved path and by content hash.
        root: Folder the written paths are relative to (default: the folder
            the images share).

    Returns:
        ``lines`` (``'<relative path> <label>'``), ``kept`` (the kept
        results), and counts ``below_thr``, ``in_train``, ``duplicate``.
    """
    if not 0 <= thr <= 1:
        raise ConfigError(f'The threshold must be in [0, 1], got {thr}.')
    exclude = {osp.realpath(p) for p in exclude}
    if root is None:
        root = osp.commonpath(
            [osp.dirname(osp.abspath(r['file']))
             for r in results]) if results else '.'
    root = osp.abspath(root)
    confident = []
    counts = Counter()
    for r in results:
        if float(r['scores'][0]) >= thr:
            confident.append(r)
        else:
            counts['below_thr'] += 1
    # hash only the training files whose size matches a candidate's
    sizes = {osp.getsize(r['file']) for r in confident}
    train_hashes: Set[str] = {
        file_hash(p, 'sha1')
        for p in exclude if osp.isfile(p) and osp.getsize(p) in sizes
    }
    seen_paths: Set[str] = set()
    seen_hashes: Set[str] = set()
    lines, kept = [], []
    for r in confident:
        real = osp.realpath(r['file'])
        digest = file_hash(real, 'sha1')
        if real in exclude or digest in train_hashes:
            counts['in_train'] += 1
            continue
        if real in seen_paths or digest in seen_hashes:
            counts['duplicate'] += 1
            continue
        seen_paths.add(real)
        seen_hashes.add(digest)
        rel = osp.relpath(osp.abspath(r['file']), root)
        if rel.startswith('..'):
            raise ConfigError(
                f'{r["file"]} is not below {root}.',
                fix='choose a --root that holds every image.')
        lines.append(f'{rel.replace(os.sep, "/")} {int(r["labels"][0])}')
        kept.append(r)
    return dict(
        lines=lines,
        kept=kept,
        below_thr=counts['below_thr'],
        in_train=counts['in_train'],
        duplicate=counts['duplicate'])


def write_pseudo_labels(lines: Sequence[str], out: str) -> None:
    """Write the list atomically (one ``<path> <label>`` per line)."""
    with atomic_write(out, 'w', encoding='utf-8') as f:
        f.write(''.join(f'{ln}\n' for ln in lines))


def pseudo_label(config: str,
                 checkpoint: str,
                 unlabeled_dir: str,
                 thr: float,
                 out: str,
                 exclude_files: Sequence[str] = (),
                 exclude_root: Optional[str] = None,
                 use_config_train: bool = True,
                 device: Optional[str] = None,
                 batch_size: int = 8) -> Dict:
    """Predict a folder and write the confident, new images as a label list.

    Args:
        config: The model's config (its training set is excluded unless
            ``use_config_train`` is ``False``).
        checkpoint: The model.
        unlabeled_dir: The images; the written paths are relative to it.
        thr: Minimum top score (inclusive).
        out: The output list.
        exclude_files: More label lists whose images must be skipped.
        exclude_root: The folder their paths are relative to (default: the
            image folder of the config's training set).
        use_config_train: Also skip every image of the config's
            ``train_dataloader.dataset``.
        device: ``'cpu'``/``'cuda'``.
        batch_size: Images per forward pass.

    Returns:
        The result of :func:`select_pseudo_labels` plus ``classes`` and
        ``per_class`` counts.
    """
    if not osp.isdir(unlabeled_dir):
        raise DataError(
            f'{unlabeled_dir} is not a folder.', path=unlabeled_dir)
    cfg = load_config(config)
    exclude: List[str] = []
    if use_config_train or exclude_files:
        train_cfg = (cfg.get('train_dataloader') or {}).get('dataset')
        if train_cfg is None and (use_config_train or exclude_root is None):
            raise ConfigError(
                f'{config} has no train_dataloader.dataset.', path=config)
        if use_config_train:
            exclude += dataset_image_paths(train_cfg)
        if exclude_files:
            if exclude_root is None:
                init_default_scope('mmpretrain')
                exclude_root = DATASETS.build(
                    dict(
                        innermost_dataset(train_cfg),
                        pipeline=[],
                        lazy_init=True)).img_prefix
            for ann in exclude_files:
                exclude += read_ann_paths(ann, exclude_root)
    predictor = Predictor(config, checkpoint, device)
    results = predict_files(predictor, list_images(unlabeled_dir), 1,
                            batch_size, 'pseudo-labelling')
    picked = select_pseudo_labels(results, thr, exclude, root=unlabeled_dir)
    write_pseudo_labels(picked['lines'], out)
    classes = list(predictor.classes or [])
    per_class = Counter(int(r['labels'][0]) for r in picked['kept'])
    picked['classes'] = classes
    picked['per_class'] = {
        (classes[k] if k < len(classes) else str(k)): v
        for k, v in sorted(per_class.items())
    }
    picked['total'] = len(results)
    return picked


__all__ = [
    'pseudo_label', 'select_pseudo_labels', 'write_pseudo_labels',
    'dataset_image_paths', 'read_ann_paths'
]

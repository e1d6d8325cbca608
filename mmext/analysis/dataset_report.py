"""Data set report: what is in a garbage data set, what would spoil training.

Reads the splits the way training does (:class:`GarbageDataset` built from a
config, or from a data folder in one of its layouts), then opens every image
once: content hash (duplicates within and across splits), decodability with
mmcv (the loader training uses), size, aspect ratio and colour mode.
"""
import hashlib
import io
import os
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import DataError
from ..progress import track

SPLITS = ('train', 'val', 'test')
SEVERITIES = ('error', 'warning', 'info')


@dataclass
class Problem:
    """One finding of the report.

    Args:
        severity: ``'error'`` (would spoil training: the tool exits
            non-zero), ``'warning'`` (worth fixing) or ``'info'``.
        message: What was found.
        fix: What to do about it.
        files: Example files (at most a few).
    """

    severity: str
    message: str
    fix: str = ''
    files: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f'[{self.severity.upper()}] {self.message}'
        if self.files:
            text += ' e.g. ' + ', '.join(self.files[:3])
        if self.fix:
            text += f'\n    fix: {self.fix}'
        return text


@dataclass
class DatasetReport:
    """The result of :func:`scan_dataset`.

    Args:
        source: The folder or config that was scanned.
        classes: Class names in label order.
        images: One row per listed image: ``split, path, label, class, sha1,
            width, height, mode, readable, error``.
        problems: Findings, most severe first.
    """

    source: str
    classes: List[str]
    images: pd.DataFrame
    problems: List[Problem]

    @property
    def splits(self) -> List[str]:
        """The split names in report order."""
        return list(dict.fromkeys(self.images['split']))

    @property
    def has_errors(self) -> bool:
        """Whether a problem would spoil training."""
        return any(p.severity == 'error' for p in self.problems)

    def counts(self) -> pd.DataFrame:
        """Images per class (rows) and split (columns), plus ``total``."""
        table = pd.crosstab(
            pd.Categorical(self.images['class'], categories=self.classes),
            pd.Categorical(self.images['split'], categories=self.splits),
            dropna=False)
        table.index.name, table.columns.name = 'class', None
        table.columns = [str(c) for c in table.columns]
        table['total'] = table.sum(axis=1)
        return table

    def to_text(self) -> str:
        """A plain-text report: counts table, size summary and problems."""
        lines = [
            f'Data set: {self.source}',
            f'{len(self.classes)} classes, {len(self.images)} images '
            f'in splits {", ".join(self.splits)}', '',
            self.counts().to_string(), ''
        ]
        ok = self.images[self.images['readable']]
        if len(ok):
            w, h = ok['width'], ok['height']
            ratio = w / h
            lines += [
                f'size (WxH): width {int(w.min())}..{int(w.max())} '
                f'(median {int(w.median())}), height {int(h.min())}..'
                f'{int(h.max())} (median {int(h.median())}); aspect W/H '
                f'{ratio.min():.2f}..{ratio.max():.2f} (median '
                f'{ratio.median():.2f})', 'colour modes: ' +
                ', '.join(f'{m} {n}'
                          for m, n in ok['mode'].value_counts().items()), ''
            ]
        if self.problems:
            lines += [str(p) for p in self.problems]
        else:
            lines.append('No problems found.')
        return '\n'.join(lines)

    def plot_class_counts(self, path: str) -> None:
        """Save a horizontal grouped bar chart of images per class and split.

        Args:
            path: The PNG to write.
        """
        import matplotlib
        matplotlib.use('Agg')
        from ..visualization.fonts import use_cjk_font
        use_cjk_font()  # Chinese class names
        import matplotlib.pyplot as plt

        counts = self.counts().drop(columns='total')
        bars = len(self.classes) * max(1, len(counts.columns))
        height = max(2.5, 0.175 * bars + 1)
        fig, ax = plt.subplots(figsize=(8, min(height, 30)))
        counts.iloc[::-1].plot.barh(ax=ax, width=0.8)
        for container in ax.containers:
            ax.bar_label(container, fontsize=7, padding=2)
        empty = counts.index[counts.min(axis=1) == 0]
        for label in ax.get_yticklabels():
            if label.get_text() in set(empty):
                label.set_color('red')
        ax.set_xlabel('images')
        ax.set_title(f'Images per class ({len(self.images)} in all)')
        ax.legend(title='split', loc='upper left', bbox_to_anchor=(1.01, 1))
        ax.margins(x=0.08)
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    def plot_sizes(self, path: str) -> None:
        """Save image sizes (scatter) and the aspect-ratio histogram.

        Args:
            path: The PNG to write.
        """
        import matplotlib
        matplotlib.use('Agg')
        from ..visualization.fonts import use_cjk_font
        use_cjk_font()  # Chinese class names
        import matplotlib.pyplot as plt

        ok = self.images[self.images['readable']]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        for split in self.splits:
            part = ok[ok['split'] == split]
            ax1.scatter(
                part['width'],
                part['height'],
                s=8,
                alpha=0.5,
                label=f'{split} ({len(part)})')
        ax1.set_xlabel('width (px)')
        ax1.set_ylabel('height (px)')
        ax1.set_title('Image sizes')
        ax1.legend(loc='best', fontsize=8)
        ratio = (ok['width'] / ok['height']).to_numpy()
        if len(ratio):
            ax2.hist(
                ratio,
                bins=min(40, max(5, len(np.unique(ratio)))),
                color='tab:gray')
        ax2.set_xlabel('aspect ratio W/H')
        ax2.set_ylabel('images')
        ax2.set_title('Aspect ratios')
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)


def save_figure(fig, path: str, dpi: int = 100) -> None:
    """Write a matplotlib figure as PNG atomically.

    Args:
        fig: The figure.
        path: Destination ``.png``.
        dpi: Resolution.
    """
    from ..fileio import atomic_write
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=dpi)


# ---------------------------------------------------------------------------
# finding the splits
def _garbage_dataset(**kwargs):
    from ..datasets import GarbageDataset
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
    import copy

    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS

    init_default_scope('mmpretrain')
    splits, seen, classes = {}, [], None
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        ds_cfg = copy.deepcopy(loader['dataset'])
        while ds_cfg.get('dataset') is not None:
            ds_cfg = ds_cfg['dataset']
        ds_cfg = dict(ds_cfg)
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


# ---------------------------------------------------------------------------
# reading the images
def inspect_image(path: str) -> dict:
    """Hash, decode (with mmcv, as training does) and measure one image.

    Args:
        path: The image file.

    Returns:
        ``sha1, width, height, mode, readable, error, truncated``.
    """
    import mmcv
    from PIL import Image

    info = dict(
        sha1='',
        width=np.nan,
        height=np.nan,
        mode='',
        readable=False,
        error='',
        truncated=False)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as exc:
        info['error'] = f'cannot open ({exc.strerror or exc})'
        return info
    info['sha1'] = hashlib.sha1(data).hexdigest()
    if not data:
        info['error'] = 'empty file'
        return info
    try:
        with Image.open(io.BytesIO(data)) as im:
            info['mode'] = im.mode
            info['width'], info['height'] = im.size
            fmt = im.format
    except Exception as exc:  # PIL raises many types on garbage
        info['error'] = f'not an image ({type(exc).__name__})'
        return info
    img = mmcv.imfrombytes(data, flag='color')
    if img is None:
        info['error'] = 'OpenCV cannot decode it'
        return info
    info['readable'] = True
    if fmt == 'JPEG' and not data.rstrip(b'\0').endswith(b'\xff\xd9'):
        info['truncated'] = True
    return info


def scan_dataset(source: str,
                 tiny: int = 10,
                 min_side: int = 32,
                 imbalance: float = 10.0,
                 cfg_options: Optional[dict] = None) -> DatasetReport:
    """Scan a data set and grade what is wrong with it.

    Errors (training would fail or learn nonsense): a split with no images,
    a class with no training images, missing or undecodable images.
    Warnings: classes with fewer than ``tiny`` training images or none in
    val/test, duplicate files (same bytes) within a split or across splits
    (leaks inflate validation accuracy), the same file under two labels,
    class imbalance above ``imbalance``, images smaller than ``min_side``,
    truncated JPEGs, CMYK images. Info: grayscale and alpha images.

    Args:
        source: A data folder (see :func:`splits_from_folder`) or a config
            file (its train/val/test data sets).
        tiny: Fewer training images than this makes a class "tiny".
        min_side: Images with a shorter side below this are flagged.
        imbalance: Largest/smallest training class ratio that is flagged.
        cfg_options: Overrides for a config (``--cfg-options``).

    Returns:
        The :class:`DatasetReport`.
    """
    if source.endswith('.py'):
        from ..apis.config import load_config
        cfg = load_config(source)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        classes, splits = splits_from_config(cfg)
    else:
        classes, splits = splits_from_folder(source)

    rows = []
    cache: Dict[str, dict] = {}
    todo = [(split, path, label) for split, samples in splits.items()
            for path, label in samples]
    for split, path, label in track(todo, 'reading images'):
        if path not in cache:
            cache[path] = inspect_image(path)
        name = classes[label] if 0 <= label < len(classes) else ''
        rows.append(
            dict(
                split=split,
                path=path,
                label=label,
                **{'class': name},
                **cache[path]))
    columns = [
        'split', 'path', 'label', 'class', 'sha1', 'width', 'height', 'mode',
        'readable', 'error', 'truncated'
    ]
    images = pd.DataFrame(rows, columns=columns)
    report = DatasetReport(source, classes, images, [])
    report.problems = find_problems(report, tiny, min_side, imbalance)
    return report


def _short(paths: Sequence[str], root: str = '') -> List[str]:
    out = []
    for p in paths:
        out.append(osp.relpath(p, root) if root else p)
    return out


def find_problems(report: DatasetReport,
                  tiny: int = 10,
                  min_side: int = 32,
                  imbalance: float = 10.0) -> List[Problem]:
    """Grade the findings of a scanned report (see :func:`scan_dataset`).

    Args:
        report: The report with ``images`` filled in.
        tiny: Fewer training images than this makes a class "tiny".
        min_side: Images with a shorter side below this are flagged.
        imbalance: Largest/smallest training class ratio that is flagged.

    Returns:
        Problems, errors first.
    """
    problems: List[Problem] = []
    images = report.images
    counts = report.counts()
    train = 'train' if 'train' in counts.columns else counts.columns[0]
    paths = images['path'].tolist()
    root = osp.commonpath([osp.dirname(p) for p in paths]) if paths else ''
    short = lambda ps: _short(ps, root)  # noqa: E731

    for split in report.splits:
        if counts[split].sum() == 0:
            problems.append(
                Problem('error', f'Split {split} has no images.',
                        'check its label file or folder.'))
    empty = counts.index[counts[train] == 0].tolist()
    if empty:
        problems.append(
            Problem(
                'error', f'{len(empty)} class(es) have no {train} images: '
                f'{empty}. The model would learn to never predict them.',
                'add images for them, or remove them from the class list and '
                'relabel (tools/prepare_data.py rewrites the lists).'))
    small = counts.index[(counts[train] > 0) & (counts[train] < tiny)].tolist()
    if small:
        problems.append(
            Problem(
                'warning',
                f'{len(small)} class(es) have fewer than {tiny} {train} '
                f'images: ' + ', '.join(f'{c} ({counts.at[c, train]})'
                                        for c in small) + '.',
                'collect more images, merge the class, or oversample it (e.g. '
                'ClassBalancedDataset).'))
    for split in report.splits:
        if split == train:
            continue
        missing = counts.index[(counts[split] == 0)
                               & (counts[train] > 0)].tolist()
        if missing and counts[split].sum():
            problems.append(
                Problem(
                    'warning',
                    f'{len(missing)} class(es) have no {split} images: '
                    f'{missing}; their accuracy cannot be measured.',
                    f'move some images of these classes into {split}.'))
    nonzero = counts[train][counts[train] > 0]
    if len(nonzero) > 1 and nonzero.max() / nonzero.min() > imbalance:
        problems.append(
            Problem(
                'warning', f'Classes are imbalanced: {nonzero.idxmax()} has '
                f'{nonzero.max()} {train} images, {nonzero.idxmin()} only '
                f'{nonzero.min()} ({nonzero.max() / nonzero.min():.0f}x).',
                'use ClassBalancedDataset or class weights in the loss, and '
                'watch per-class recall.'))

    bad = images[~images['readable']].drop_duplicates('path')
    if len(bad):
        kinds = '; '.join(f'{n} {k}'
                          for k, n in bad['error'].value_counts().items())
        problems.append(
            Problem(
                'error', f'{len(bad)} image(s) cannot be read ({kinds}). '
                'Training stops when it reaches one.',
                'delete or replace them and remove them from the label lists.',
                short(bad['path'].tolist())))
    trunc = images[images['truncated']].drop_duplicates('path')
    if len(trunc):
        problems.append(
            Problem(
                'warning',
                f'{len(trunc)} JPEG(s) are truncated (no end marker); '
                'they decode with a grey or garbled part.',
                're-download or re-export them.',
                short(trunc['path'].tolist())))

    # the same path listed twice, and the same bytes under different paths
    for split in report.splits:
        part = images[images['split'] == split]
        rep = part[part['path'].duplicated()]
        if len(rep):
            problems.append(
                Problem(
                    'warning',
                    f'{len(rep)} file(s) are listed more than once in '
                    f'{split}.', 'remove the repeated lines.',
                    short(rep['path'].unique().tolist())))
    hashed = images[images['sha1'] != ''].drop_duplicates(['split', 'path'])
    within, across, conflict = defaultdict(list), [], []
    for _, group in hashed.groupby('sha1'):
        if group['path'].nunique() < 2:
            continue
        files = group['path'].unique().tolist()
        for split, part in group.groupby('split'):
            if part['path'].nunique() > 1:
                within[split].append(part['path'].tolist())
        if group['split'].nunique() > 1:
            across.append(group)
        if group['label'].nunique() > 1:
            conflict.append(files)
    for split, sets in within.items():
        extra = sum(len(s) - 1 for s in sets)
        problems.append(
            Problem(
                'warning',
                f'{extra} duplicate file(s) in {split} ({len(sets)} '
                'groups of identical bytes): they weigh double in training.',
                'keep one file of each group.',
                [' = '.join(short(s[:2])) for s in sets]))
    if across:
        pairs = sorted({'/'.join(sorted(g['split'].unique())) for g in across})
        problems.append(
            Problem(
                'warning',
                f'{len(across)} image(s) appear in more than one split '
                f'({", ".join(pairs)}): validation/test accuracy is inflated '
                'by '
                'images the model trained on.',
                'remove them from val/test (or re-split, e.g. '
                'tools/prepare_data.py).',
                [' = '.join(short(g['path'].tolist()[:2])) for g in across]))
    if conflict:
        problems.append(
            Problem(
                'warning',
                f'{len(conflict)} image(s) carry different labels in '
                'different places.', 'decide on one label and fix the lists.',
                [' = '.join(short(f[:2])) for f in conflict]))

    ok = images[images['readable']].drop_duplicates('path')
    small_img = ok[np.minimum(ok['width'], ok['height']) < min_side]
    if len(small_img):
        problems.append(
            Problem(
                'warning',
                f'{len(small_img)} image(s) have a side shorter than '
                f'{min_side} px; resizing blows them up to a blur.',
                'check whether they are thumbnails or icons and drop them.',
                short(small_img['path'].tolist())))
    cmyk = ok[ok['mode'] == 'CMYK']
    if len(cmyk):
        problems.append(
            Problem(
                'warning', f'{len(cmyk)} CMYK image(s): some decoders invert '
                'their colours.',
                'convert them to RGB (PIL: im.convert("RGB")).',
                short(cmyk['path'].tolist())))
    gray = ok[ok['mode'].isin(['L', 'LA', '1', 'I', 'I;16', 'F'])]
    if len(gray):
        problems.append(
            Problem(
                'info',
                f'{len(gray)} grayscale image(s); they are loaded as 3 '
                'equal channels.', '', short(gray['path'].tolist())))
    alpha = ok[ok['mode'].isin(['RGBA', 'LA', 'PA']) | (ok['mode'] == 'P')]
    if len(alpha):
        problems.append(
            Problem(
                'info',
                f'{len(alpha)} image(s) with transparency or a palette; '
                'the alpha channel is dropped when loading.', '',
                short(alpha['path'].tolist())))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: order[p.severity])

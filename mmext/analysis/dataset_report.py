"""Data set report: what is in a garbage data set, what would spoil training.

Reads the splits the way training does (:class:`GarbageDataset` built from a
config, or from a data folder in one of its layouts), then opens every image
once: content hash (duplicates within and across splits), decodability with
mmcv (the loader training uses), size, aspect ratio and colour mode.

Its parts: :mod:`.dataset_splits` finds the splits,
:func:`mmext.utils.images.inspect_image` reads each image,
:mod:`.dataset_problems` grades the findings; this module puts them together
(:func:`scan_dataset`) and writes the report (:class:`DatasetReport`).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from ..apis.config import load_config
from ..progress import track
from ..utils.figures import save_figure
from ..utils.images import inspect_image
from ..visualization.fonts import use_cjk_font
from .dataset_problems import Problem, find_problems
from .dataset_splits import splits_from_config, splits_from_folder


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
        import matplotlib  # heavy: loaded when a figure is drawn
        matplotlib.use('Agg')
        use_cjk_font()  # Chinese class names
        import matplotlib.pyplot as plt  # after use('Agg'): no display needed

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
        import matplotlib  # heavy: loaded when a figure is drawn
        matplotlib.use('Agg')
        use_cjk_font()  # Chinese class names
        import matplotlib.pyplot as plt  # after use('Agg'): no display needed

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

"""Error analysis of a test run.

It reads the CSV of ``tools/test.py --out preds.csv``.

The confusion matrix and per-class precision/recall come from mmpretrain's
own :class:`ConfusionMatrix` and :class:`SingleLabelMetric`; this module adds
the bin level, the most confused pairs, calibration (expected calibration
error and a reliability diagram of the top-1 scores) and a contact sheet of
the most confident mistakes, optionally with Grad-CAM overlays showing where
the model looked.
"""
import copy
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import torch
from mmengine.registry import init_default_scope
from mmpretrain.evaluation import ConfusionMatrix, SingleLabelMetric
from mmpretrain.registry import DATASETS
from PIL import Image, ImageDraw, ImageOps

from ..datasets.wrappers import innermost_dataset
from ..errors import DataError
from ..evaluation.calibration import expected_calibration_error
from ..evaluation.submission import read_predictions, relative_names
from ..fileio import atomic_write
from ..utils.figures import save_figure
from ..visualization.fonts import pil_font, use_cjk_font
from ..visualization.reliability import plot_reliability
from .compare import format_table


@dataclass
class ErrorAnalysis:
    """Predictions with ground truth, and what can be read from them.

    Args:
        frame: One row per image: ``file_name, gt_label, pred_label, score``
            and ``img_path`` (``''`` when the image was not found).
        classes: Class names by label.
        bins: Bin names, when the data set has bins.
        class_to_bin: Per class, the index of its bin.
    """

    frame: pd.DataFrame
    classes: List[str]
    bins: Optional[List[str]] = None
    class_to_bin: Optional[List[int]] = None

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy in percent."""
        return float(
            (self.frame['pred_label'] == self.frame['gt_label']).mean() * 100)

    def confusion(self, level: str = 'class') -> np.ndarray:
        """Confusion matrix, rows = true, columns = predicted.

        Args:
            level: ``'class'`` or ``'bin'``.

        Returns:
            ``(n, n)`` integer counts.
        """
        pred, gt = self._labels(level)
        n = len(self.classes) if level == 'class' else len(self.bins)
        return ConfusionMatrix.calculate(
            np.asarray(pred), np.asarray(gt), num_classes=n).numpy()

    def _labels(self, level: str) -> Tuple[np.ndarray, np.ndarray]:
        pred = self.frame['pred_label'].to_numpy()
        gt = self.frame['gt_label'].to_numpy()
        if level == 'bin':
            if self.class_to_bin is None:
                raise DataError(
                    'The data set defines no bins.', fix='use level="class".')
            mapping = np.asarray(self.class_to_bin)
            return mapping[pred], mapping[gt]
        return pred, gt

    def per_class(self, level: str = 'class') -> pd.DataFrame:
        """Precision, recall, F1 (percent) and support per class or bin.

        Args:
            level: ``'class'`` or ``'bin'``.

        Returns:
            One row per class with ``precision, recall, f1, support``.
        """
        pred, gt = self._labels(level)
        names = self.classes if level == 'class' else self.bins
        precision, recall, f1, support = SingleLabelMetric.calculate(
            torch.as_tensor(pred),
            torch.as_tensor(gt),
            average=None,
            num_classes=len(names))
        return pd.DataFrame(
            {
                'precision': precision.numpy(),
                'recall': recall.numpy(),
                'f1': f1.numpy(),
                'support': support.numpy().astype(int)
            },
            index=pd.Index(list(names), name=level))

    def confused_pairs(self, top: int = 10) -> pd.DataFrame:
        """The most frequent (true, predicted) mistakes.

        Args:
            top: How many pairs.

        Returns:
            ``true, predicted, count, share`` (share = percent of the true
            class's images that went to ``predicted``).
        """
        cm = self.confusion()
        rows = []
        for i, j in zip(*np.nonzero(cm)):
            if i != j:
                rows.append(
                    dict(
                        true=self.classes[i],
                        predicted=self.classes[j],
                        count=int(cm[i, j]),
                        share=100.0 * cm[i, j] / cm[i].sum()))
        frame = pd.DataFrame(
            rows, columns=['true', 'predicted', 'count', 'share'])
        return frame.sort_values(
            ['count', 'share'],
            ascending=False).head(top).reset_index(drop=True)

    def mistakes(self) -> pd.DataFrame:
        """The misclassified rows, most confident mistakes first."""
        wrong = self.frame[self.frame['pred_label'] != self.frame['gt_label']]
        return wrong.sort_values('score', ascending=False)

    def ece(self, n_bins: int = 15) -> float:
        """Expected calibration error of the top-1 scores (a fraction).

        Args:
            n_bins: Equal-width confidence bins.

        Returns:
            ``sum |bin| / N * |accuracy - mean score|`` over the bins.
        """
        ok = self.frame['pred_label'] == self.frame['gt_label']
        return expected_calibration_error(self.frame['score'], ok, n_bins)

    def plot_reliability(self, path: str, n_bins: int = 15) -> float:
        """Save the reliability diagram of the top-1 scores as a PNG.

        Args:
            path: The PNG to write.
            n_bins: Confidence bins.

        Returns:
            The ECE.
        """
        ok = self.frame['pred_label'] == self.frame['gt_label']
        return plot_reliability(
            path,
            self.frame['score'],
            ok,
            n_bins,
            title=f'Reliability of the top-1 score ({len(ok)} images)')

    def plot_confusion(self, path: str, level: str = 'class') -> None:
        """Save the confusion matrix with names and counts as a PNG.

        Args:
            path: The PNG to write.
            level: ``'class'`` or ``'bin'``.
        """
        import matplotlib  # heavy: loaded when a figure is drawn
        matplotlib.use('Agg')
        use_cjk_font()  # Chinese class names
        import matplotlib.pyplot as plt  # after use('Agg'): no display needed

        names = list(self.classes if level == 'class' else self.bins)
        cm = torch.as_tensor(self.confusion(level))
        fig = ConfusionMatrix.plot(
            cm,
            include_values=len(names) <= 30,
            cmap='Blues',
            classes=names,
            show=False)
        size = max(5.5, 0.45 * len(names) + 3)
        fig.set_size_inches(size, size)
        pred, gt = self._labels(level)
        acc = float((pred == gt).mean() * 100)
        fig.axes[0].set_title(
            f'Confusion matrix ({level} level)\naccuracy '
            f'{acc:.1f}%, {len(gt)} images',
            fontsize=11)
        fig.tight_layout()
        save_figure(fig, path)
        plt.close(fig)

    def contact_sheet(
            self,
            path: str,
            max_images: int = 40,
            cols: int = 8,
            thumb: int = 128,
            cam: Optional[Callable[[str, int], np.ndarray]] = None) -> int:
        """Save a grid of misclassified images captioned true -> predicted.

        Args:
            path: The PNG (or JPEG) to write.
            max_images: At most this many mistakes (most confident first).
            cols: Cells per row.
            thumb: Thumbnail side in pixels.
            cam: Optional ``cam(img_path, class) -> RGB overlay`` (e.g. a
                :class:`mmext.visualization.cam.CAMVisualizer`'s overlay of
                the predicted class); each cell then shows the image and,
                beside it, where the model looked to call it that class.

        Returns:
            The number of images on the sheet.
        """

        wrong = self.mistakes()
        wrong = wrong[wrong['img_path'] != ''].head(max_images)
        n = len(wrong)
        cols = max(1, min(cols, n))
        rows = max(1, -(-n // cols))
        caption = 32
        cell = thumb * (2 if cam is not None else 1)
        sheet = Image.new('RGB', (cols * cell, rows * (thumb + caption)),
                          'white')
        draw = ImageDraw.Draw(sheet)
        font = pil_font(11)

        def paste(im, x, y):
            im = ImageOps.contain(im.convert('RGB'), (thumb - 4, thumb - 4))
            sheet.paste(im, (x + (thumb - im.width) // 2, y +
                             (thumb - im.height) // 2))

        for k, row in enumerate(wrong.itertuples(index=False)):
            x, y = (k % cols) * cell, (k // cols) * (thumb + caption)
            try:
                with Image.open(row.img_path) as im:
                    paste(im, x, y)
                if cam is not None:
                    paste(
                        Image.fromarray(
                            cam(row.img_path, int(row.pred_label))), x + thumb,
                        y)
            except OSError:
                draw.text((x + 4, y + thumb // 2),
                          'unreadable',
                          fill='red',
                          font=font)
            true = self.classes[row.gt_label]
            pred = self.classes[row.pred_label]
            draw.text((x + 3, y + thumb),
                      f'true: {true}',
                      fill='black',
                      font=font)
            draw.text((x + 3, y + thumb + 14),
                      f'pred: {pred} {row.score:.2f}',
                      fill='red',
                      font=font)
        if n == 0:
            draw.text((4, 4),
                      'no misclassified images',
                      fill='black',
                      font=font)
        if path.lower().endswith(('.jpg', '.jpeg')):
            fmt = 'JPEG'
        else:  # a 256-colour palette keeps the PNG about 3x smaller
            fmt, sheet = 'PNG', sheet.quantize(256)
        with atomic_write(path, 'wb') as f:
            sheet.save(f, format=fmt, optimize=True)
        return n

    def to_text(self, top: int = 10) -> str:
        """Accuracy, per-class table and most confused pairs as text."""
        parts = [
            f'{len(self.frame)} images, top-1 accuracy '
            f'{self.accuracy:.2f}%, expected calibration error '
            f'{self.ece() * 100:.2f}% (15 bins)', '',
            format_table(self.per_class(), index=True)
        ]
        if self.bins is not None:
            parts += ['', format_table(self.per_class('bin'), index=True)]
        pairs = self.confused_pairs(top)
        parts += [
            '', 'most confused (true -> predicted):',
            format_table(pairs) if len(pairs) else 'none'
        ]
        return '\n'.join(parts)


def dataset_for_predictions(cfg,
                            split: str = 'test') -> Tuple[dict, List[str]]:
    """Metainfo and image paths of a config's test (or val) data set.

    Args:
        cfg: A loaded config.
        split: ``'test'`` or ``'val'``.

    Returns:
        ``(metainfo, image paths in data-set order)``.
    """

    init_default_scope('mmpretrain')
    ds_cfg = copy.deepcopy(
        innermost_dataset(cfg[f'{split}_dataloader']['dataset']))
    ds_cfg = dict(ds_cfg, pipeline=[])
    dataset = DATASETS.build(ds_cfg)
    return dict(dataset.metainfo), [
        dataset.get_data_info(i)['img_path'] for i in range(len(dataset))
    ]


def analyse_predictions(csv: str,
                        classes: Optional[Sequence[str]] = None,
                        bins: Optional[Sequence[str]] = None,
                        class_to_bin: Optional[Sequence[int]] = None,
                        img_paths: Optional[Sequence[str]] = None,
                        img_root: Optional[str] = None) -> ErrorAnalysis:
    """Join a predictions CSV with class names, bins and image files.

    Args:
        csv: The CSV of ``tools/test.py --out preds.csv`` (or the pickle
            of ``--out results.pkl``).
        classes: Class names by label; default: read from the CSV's
            ``pred_class`` column (classes never predicted get ``class<i>``).
        bins: Bin names (with ``class_to_bin``) for the bin level.
        class_to_bin: Per class, the index of its bin.
        img_paths: The test data set's image paths; the CSV's file names are
            matched to them the way the CSV writer shortened them.
        img_root: Alternatively, the folder the CSV's file names are
            relative to.

    Returns:
        The :class:`ErrorAnalysis`.
    """
    frame = read_predictions(csv, labelled=True)
    n = int(max(frame['pred_label'].max(), frame['gt_label'].max())) + 1
    if classes is None:
        known: Dict[int, str] = {}
        if 'pred_class' in frame:
            known = dict(
                zip(frame['pred_label'], frame['pred_class'].astype(str)))
        classes = [known.get(i, f'class{i}') for i in range(n)]
    classes = list(classes)
    if n > len(classes):
        raise DataError(
            f'{csv} has labels up to {n - 1} but only '
            f'{len(classes)} class names were given.',
            fix='use the config the predictions were made with.',
            path=csv)
    paths = {}
    if img_paths is not None:
        paths = dict(zip(relative_names(list(img_paths)), img_paths))
    frame['img_path'] = [
        paths.get(f, '') or (osp.join(img_root, f) if img_root
                             and osp.isfile(osp.join(img_root, f)) else '')
        for f in frame['file_name']
    ]
    return ErrorAnalysis(frame, classes,
                         list(bins) if bins else None,
                         list(class_to_bin) if class_to_bin else None)

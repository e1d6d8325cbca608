"""The full class-score matrix of a predictions table (``tools/test.py``'s
CSV written with ``--topk`` = the number of classes)."""
import re
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

from ..errors import DataError

_RANK_RE = re.compile(r'^top(\d+)_label$')


def ranked_columns(frame: pd.DataFrame) -> List[Tuple[str, str, str]]:
    """``(label, class, score)`` column names by rank, best first."""
    cols = [('pred_label', 'pred_class', 'score')]
    ranks = sorted(
        int(m.group(1)) for c in frame.columns if (m := _RANK_RE.match(c)))
    for k in ranks:
        cols.append((f'top{k}_label', f'top{k}_class', f'top{k}_score'))
    return cols


def frame_scores(
        frame: pd.DataFrame,
        name: str = 'CSV',
        tol: float = 1e-3) -> Tuple[np.ndarray, List[str], Dict[str, str]]:
    """The full score matrix of a prediction table.

    Args:
        frame: A table in ``tools/test.py``'s CSV layout, written with
            ``--topk`` equal to the number of classes.
        name: Its file (for error messages).
        tol: How far from 1 a row's scores may sum (they are softmax
            scores rounded to 6 decimals).

    Returns:
        ``(scores, classes, class_to_bin)``: scores of shape ``(rows,
        classes)`` indexed by label, the class names by label, and the bin
        of each class seen as ``pred_class`` where the CSV has ``pred_bin``.
    """
    missing = {'file_name', 'pred_label', 'score'} - set(frame.columns)
    if missing:
        raise DataError(
            f'{name} is not a prediction CSV of tools/test.py: '
            f'columns {sorted(missing)} are missing.',
            path=name)
    cols = ranked_columns(frame)
    n_cls = len(cols)
    labels = np.stack([frame[c[0]].to_numpy() for c in cols], axis=1)
    values = np.stack([frame[c[2]].to_numpy(dtype=np.float64) for c in cols],
                      axis=1)
    if len(frame) and (labels.min() < 0 or labels.max() >= n_cls):
        raise DataError(
            f'{name} ranks {n_cls} classes but holds label {labels.max()}: '
            'it does not list every class per image, so the full scores '
            'that an ensemble needs are unknown.',
            fix='write it with tools/test.py ... --out x.csv --topk <number '
            'of classes>.',
            path=name)
    sums = values.sum(axis=1)
    if len(frame) and np.abs(sums - 1).max() > tol:
        raise DataError(
            f'{name}: the {n_cls} ranked scores of a row sum to '
            f'{sums.min():.4f} (not 1), so not every class is listed and the '
            'full scores that an ensemble needs are unknown.',
            fix='write it with tools/test.py ... --out x.csv --topk <number '
            'of classes>.',
            path=name)
    scores = np.zeros((len(frame), n_cls))
    np.put_along_axis(scores, labels.astype(int), values, axis=1)
    classes = [''] * n_cls
    if 'pred_class' in frame.columns:
        for lab_col, cls_col, _ in cols:
            if cls_col not in frame.columns:
                continue
            for lab, cls in zip(frame[lab_col], frame[cls_col]):
                cls = '' if pd.isna(cls) else str(cls)
                if classes[lab] and cls and classes[lab] != cls:
                    raise DataError(
                        f'{name} names label {lab} both '
                        f'{classes[lab]!r} and {cls!r}.',
                        path=name)
                classes[lab] = classes[lab] or cls
    class_to_bin = {}
    if 'pred_bin' in frame.columns:
        for cls, b in zip(frame['pred_class'], frame['pred_bin']):
            class_to_bin[str(cls)] = str(b)
    return scores, classes, class_to_bin

"""Average the class scores of several models into one submission CSV.

Sources:

- prediction CSVs of ``tools/test.py --out x.csv --topk C`` (C = the number
  of classes): with every class ranked, a row holds the full score vector.
  A CSV with fewer ranked classes is refused (its scores do not sum to 1);
- ``(config, checkpoint)`` pairs, run with :class:`mmext.apis.inference.
  Predictor` over a folder of images (the same preprocessing as
  ``tools/test.py``); their file names are made the way ``tools/test.py``
  makes them (relative to the folder the images share).

Rows are matched by ``file_name``; all sources must hold the same files and
the same class names. The output has the layout of ``tools/test.py``'s CSV
(:func:`mmext.evaluation.submission.predictions_frame`).
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..evaluation.scores import frame_scores, ranked_columns
from ..evaluation.submission import (predictions_frame, read_predictions,
                                     relative_names, write_csv)
from ..progress import predict_files
from ..utils.images import list_images
from .inference import Predictor


def ensemble_frames(frames: Sequence[pd.DataFrame],
                    weights: Optional[Sequence[float]] = None,
                    names: Optional[Sequence[str]] = None,
                    topk: int = 1) -> pd.DataFrame:
    """Weighted mean of the class scores of several prediction tables.

    Args:
        frames: Tables in ``tools/test.py``'s CSV layout with every class
            ranked (``--topk`` = number of classes).
        weights: One non-negative weight per table (default: equal). They
            are normalised to sum to 1.
        names: The tables' files (for error messages).
        topk: Ranked predictions per row in the output.

    Returns:
        A table in the same layout, rows in the first table's order.
    """
    frames = list(frames)
    if not frames:
        raise ConfigError(
            'Nothing to ensemble.', fix='pass at least one prediction source.')
    names = list(names or [f'source {i + 1}' for i in range(len(frames))])
    if weights is None:
        weights = [1.0] * len(frames)
    weights = np.asarray(weights, dtype=np.float64)
    if len(weights) != len(frames):
        raise ConfigError(
            f'{len(weights)} weights for {len(frames)} '
            'prediction sources.',
            fix='give one weight each.')
    if (weights < 0).any() or weights.sum() <= 0:
        raise ConfigError(f'Weights must be >= 0 and not all 0, got '
                          f'{weights.tolist()}.')
    weights = weights / weights.sum()

    order = [str(f) for f in frames[0]['file_name']]
    if len(set(order)) != len(order):
        raise DataError(
            f'{names[0]} lists a file more than once.', path=names[0])
    total, classes, class_to_bin, gts = None, None, {}, []
    for frame, name, w in zip(frames, names, weights):
        files = [str(f) for f in frame['file_name']]
        if set(files) != set(order) or len(files) != len(order):
            only_here = sorted(set(files) - set(order))
            only_first = sorted(set(order) - set(files))
            repeats = ('; a file repeats'
                       if len(files) != len(set(files)) else '')
            raise DataError(
                f'{name} and {names[0]} do not hold the same images: '
                f'{len(only_here)} only in {name} (e.g. {only_here[:3]}), '
                f'{len(only_first)} only in {names[0]} (e.g. '
                f'{only_first[:3]}){repeats}.',
                fix='ensemble predictions of the same test set.',
                path=name)
        scores, cls, c2b = frame_scores(frame, name)
        index = {f: i for i, f in enumerate(files)}
        scores = scores[[index[f] for f in order]]
        if classes is None:
            classes = cls
        elif len(cls) != len(classes) or any(a and b and a != b
                                             for a, b in zip(cls, classes)):
            raise DataError(
                f'{name} has the classes {cls}, {names[0]} has {classes}.',
                fix='ensemble models of the same classes (same order).',
                path=name)
        else:
            classes = [a or b for a, b in zip(classes, cls)]
        class_to_bin.update(c2b)
        total = scores * w if total is None else total + scores * w
        if 'gt_label' in frame.columns:
            gts.append(frame['gt_label'].to_numpy()[[index[f] for f in order]])
    return scores_frame(order, total, classes, topk, class_to_bin,
                        gts[0] if len(gts) == len(frames) else None)


def scores_frame(files: Sequence[str],
                 scores: np.ndarray,
                 classes: Optional[Sequence[str]],
                 topk: int = 1,
                 class_to_bin: Optional[Dict[str, str]] = None,
                 gt_label: Optional[np.ndarray] = None) -> pd.DataFrame:
    """A table in ``tools/test.py``'s layout from a score matrix.

    Args:
        files: File names (kept as they are).
        scores: ``(len(files), classes)``.
        classes: Class names by label.
        topk: Ranked predictions per row.
        class_to_bin: ``{class name: bin}``; adds ``pred_bin`` when it covers
            every predicted class.
        gt_label: Ground-truth labels, if known.

    Returns:
        The table.
    """
    results = [
        dict(sample_idx=i, img_path=f, pred_score=s)
        for i, (f, s) in enumerate(zip(files, scores))
    ]
    if gt_label is not None:
        for r, g in zip(results, gt_label):
            r['gt_label'] = int(g)
    bins = c2b = None
    if class_to_bin and classes and all(c in class_to_bin for c in classes):
        bins = sorted(set(class_to_bin.values()))
        c2b = [bins.index(class_to_bin[c]) for c in classes]
    if classes is not None and not any(classes):
        classes = None  # the sources name no classes: leave names empty
    elif classes is not None:
        classes = [c or str(i) for i, c in enumerate(classes)]
    frame = predictions_frame(results, classes, topk, c2b, bins)
    frame['file_name'] = list(files)  # as given, not re-rooted
    if bins is None and class_to_bin and classes:
        top = frame['pred_class']
        if top.isin(list(class_to_bin)).all():
            frame['pred_bin'] = [class_to_bin[c] for c in top]
        # else: a class never predicted by any source has no known bin
    if 'gt_label' in frame.columns:  # keep it last, as tools/test.py does
        frame = frame[[c for c in frame.columns if c != 'gt_label'] +
                      ['gt_label']]
    return frame


def predictor_frame(config: str,
                    checkpoint: str,
                    images,
                    device=None,
                    batch_size: int = 8) -> pd.DataFrame:
    """Predict images with a model into a full-score table.

    Args:
        config: The model's config.
        checkpoint: Its checkpoint.
        images: A folder, a file, or a list of files.
        device: ``'cpu'``/``'cuda'``.
        batch_size: Images per forward pass.

    Returns:
        A table in ``tools/test.py``'s layout with every class ranked.
    """
    predictor = Predictor(config, checkpoint, device)
    files = list_images(images) if isinstance(images, str) else list(images)
    res = predict_files(predictor, files, 1, batch_size,
                        f'predict with {osp.basename(checkpoint)}')
    scores = np.stack([r['scores_all'] for r in res])
    classes = list(predictor.classes
                   or [str(i) for i in range(scores.shape[1])])
    c2b = None
    if predictor.bins is not None and predictor.class_to_bin is not None:
        c2b = {
            c: predictor.bins[predictor.class_to_bin[i]]
            for i, c in enumerate(classes)
        }
    names = relative_names([r['file'] for r in res])
    return scores_frame(names, scores, classes, scores.shape[1], c2b)


def ensemble(sources: Sequence,
             out: str,
             weights=None,
             topk: int = 1,
             images: Optional[str] = None,
             device: Optional[str] = None) -> pd.DataFrame:
    """Ensemble CSV files and/or ``(config, checkpoint)`` pairs into ``out``.

    Args:
        sources: CSV paths, or ``(config, checkpoint)`` tuples.
        out: The output CSV (written atomically).
        weights: One weight per source.
        topk: Ranked predictions per row in the output.
        images: The images the pairs predict (needed for pairs).
        device: For the pairs.

    Returns:
        The written table.
    """
    frames, names = [], []
    for src in sources:
        if isinstance(src, (tuple, list)):
            if images is None:
                raise ConfigError(
                    'A (config, checkpoint) pair needs the '
                    'images to predict.',
                    fix='pass --images.')
            frames.append(predictor_frame(src[0], src[1], images, device))
            names.append(f'{src[1]}')
        else:
            frames.append(read_predictions(src))
            names.append(src)
    frame = ensemble_frames(frames, weights, names, topk)
    write_csv(frame, out)
    return frame


__all__ = [
    'ensemble', 'ensemble_frames', 'frame_scores', 'ranked_columns',
    'scores_frame', 'predictor_frame'
]

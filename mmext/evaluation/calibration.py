"""Calibration: expected calibration error, reliability, temperature scaling.

A classifier is *calibrated* when, of the images it labels with score 0.9,
about 90 % are right. Fine-tuned networks are usually over-confident (the
"plastic bottle is glass with score 1.00" mistakes). Temperature scaling
(Guo et al., 2017, "On Calibration of Modern Neural Networks") divides the
logits by one scalar ``T`` fitted on the validation set by minimising the
negative log-likelihood; the ranking of classes, hence accuracy, is unchanged.

This module holds the maths. The fitted ``T`` is stored with the checkpoint
and applied to a model by :mod:`mmext.evaluation.temperature`; the
reliability diagram is :mod:`mmext.visualization.reliability`; fitting on a
config's val set end to end is :mod:`mmext.apis.calibration`.

Temperature scaling works from softmax scores as well as from logits:
``softmax(log(softmax(z)) / T) == softmax(z / T)``, since ``log softmax``
only shifts each row of logits by a constant. So it can be fitted on and
applied to the scores the tools already produce.
"""
from typing import Dict, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError
# where the stored temperature lives; re-exported for existing imports
from .temperature import (META_KEY, attach_temperature, detach_temperature,
                          read_calibration, write_calibration)

_TINY = np.finfo(np.float64).tiny


def _check(confidences, correct):
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    ok = np.asarray(correct, dtype=bool).reshape(-1)
    if conf.shape != ok.shape:
        raise DataError(f'{len(conf)} confidences but {len(ok)} '
                        'correctness flags.')
    if len(conf) and (np.nanmin(conf) < 0 or np.nanmax(conf) > 1 + 1e-6):
        raise DataError(
            'Confidences must be probabilities in [0, 1].',
            fix='pass softmax scores, not logits.')
    return conf, ok


def reliability_bins(confidences: Sequence[float],
                     correct: Sequence[bool],
                     n_bins: int = 15) -> pd.DataFrame:
    """Accuracy against confidence in equal-width confidence bins.

    Args:
        confidences: Top-1 score per image, in ``[0, 1]``.
        correct: Whether the top-1 prediction is right, per image.
        n_bins: Number of bins over ``[0, 1]``.

    Returns:
        One row per bin: ``lower, upper, count, confidence`` (mean score in
        the bin), ``accuracy`` (fraction right) and ``gap``
        (``confidence - accuracy``, positive = over-confident); empty bins
        have ``count`` 0 and NaN means.
    """
    conf, ok = _check(confidences, correct)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin (lower, upper]; a score of exactly 0 goes to the first bin
    idx = np.clip(np.searchsorted(edges, conf, side='left') - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = idx == b
        n = int(mask.sum())
        c = float(conf[mask].mean()) if n else np.nan
        a = float(ok[mask].mean()) if n else np.nan
        rows.append(
            dict(
                lower=edges[b],
                upper=edges[b + 1],
                count=n,
                confidence=c,
                accuracy=a,
                gap=c - a))
    return pd.DataFrame(rows)


def expected_calibration_error(confidences: Sequence[float],
                               correct: Sequence[bool],
                               n_bins: int = 15) -> float:
    """Expected calibration error (ECE) of the top-1 scores.

    ``sum_b |B_b| / N * |accuracy(B_b) - confidence(B_b)|`` over equal-width
    confidence bins (the definition of Guo et al. 2017).

    Args:
        confidences: Top-1 score per image, in ``[0, 1]``.
        correct: Whether the top-1 prediction is right.
        n_bins: Number of bins.

    Returns:
        The ECE as a fraction in ``[0, 1]`` (``nan`` for no images).
    """
    bins = reliability_bins(confidences, correct, n_bins)
    total = bins['count'].sum()
    if total == 0:
        return float('nan')
    used = bins[bins['count'] > 0]
    return float((used['count'] * used['gap'].abs()).sum() / total)


def scale_scores(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Apply temperature scaling to softmax scores.

    Args:
        scores: ``(N, C)`` (or ``(C,)``) softmax scores.
        temperature: ``T > 0``; ``T > 1`` softens, ``T < 1`` sharpens.

    Returns:
        ``softmax(log(scores) / T)`` row-wise, float64, same shape.
    """
    if not temperature > 0:
        raise DataError(f'The temperature must be positive, got '
                        f'{temperature}.')
    p = np.asarray(scores, dtype=np.float64)
    z = np.log(np.clip(p, _TINY, None)) / float(temperature)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nll(scores: np.ndarray, labels: Sequence[int]) -> float:
    """Mean negative log-likelihood of the true labels.

    Args:
        scores: ``(N, C)`` softmax scores.
        labels: True label per row.

    Returns:
        The mean NLL (natural log).
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], _TINY, None)).mean())


def fit_temperature(scores: np.ndarray,
                    labels: Sequence[int],
                    bounds=(0.05, 20.0),
                    iters: int = 80) -> float:
    """Fit the temperature that minimises the NLL of ``labels``.

    The NLL is convex in ``1 / T`` (a log-sum-exp of a linear function), so
    a golden-section search over ``1 / T`` finds the optimum.

    Args:
        scores: ``(N, C)`` softmax scores of a held-out (validation) set.
        labels: True label per row.
        bounds: Smallest and largest temperature considered.
        iters: Golden-section steps (80 gives ~1e-15 relative precision).

    Returns:
        The fitted temperature.
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if p.ndim != 2 or len(p) != len(y) or len(y) == 0:
        raise DataError(f'Need (N, C) scores and N labels to fit a '
                        f'temperature, got {p.shape} and {y.shape}.')
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise DataError(f'Labels must lie in 0..{p.shape[1] - 1}.')
    logp = np.log(np.clip(p, _TINY, None))
    logp_true = logp[np.arange(len(y)), y]

    def loss(beta: float) -> float:  # beta = 1 / T
        z = beta * logp
        m = z.max(axis=1)
        lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
        return float((lse - beta * logp_true).mean())

    lo, hi = 1.0 / bounds[1], 1.0 / bounds[0]
    g = (np.sqrt(5) - 1) / 2
    a, b = lo + (1 - g) * (hi - lo), lo + g * (hi - lo)
    fa, fb = loss(a), loss(b)
    for _ in range(iters):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = lo + (1 - g) * (hi - lo)
            fa = loss(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = loss(b)
    return float(1.0 / ((lo + hi) / 2))


def calibration_summary(scores: np.ndarray,
                        labels: Sequence[int],
                        temperature: float = 1.0,
                        n_bins: int = 15) -> Dict[str, float]:
    """Accuracy, ECE and NLL of scores before/after a temperature.

    Args:
        scores: ``(N, C)`` softmax scores.
        labels: True labels.
        temperature: The temperature to apply.
        n_bins: ECE bins.

    Returns:
        ``accuracy`` (percent), ``ece`` and ``nll`` of the raw scores,
        ``ece_scaled``, ``nll_scaled`` and ``temperature``.
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    q = scale_scores(p, temperature)
    ok = p.argmax(1) == y
    return dict(
        accuracy=float(ok.mean() * 100),
        temperature=float(temperature),
        ece=expected_calibration_error(p.max(1), ok, n_bins),
        nll=nll(p, y),
        ece_scaled=expected_calibration_error(
            q.max(1),
            q.argmax(1) == y, n_bins),
        nll_scaled=nll(q, y),
        images=int(len(y)))


__all__ = [
    'reliability_bins', 'expected_calibration_error', 'scale_scores', 'nll',
    'fit_temperature', 'calibration_summary', 'META_KEY', 'read_calibration',
    'write_calibration', 'attach_temperature', 'detach_temperature'
]

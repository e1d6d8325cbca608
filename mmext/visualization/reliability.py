"""The reliability diagram: accuracy against confidence, before and after
temperature scaling (:mod:`mmext.evaluation.calibration`)."""
from typing import Optional, Sequence

from ..evaluation.calibration import (expected_calibration_error,
                                      reliability_bins)
from ..utils.figures import save_figure
from .fonts import use_cjk_font


def plot_reliability(path: str,
                     confidences: Sequence[float],
                     correct: Sequence[bool],
                     n_bins: int = 15,
                     title: str = 'Reliability diagram',
                     after: Optional[tuple] = None) -> float:
    """Save a reliability diagram (accuracy vs confidence per bin) as a PNG.

    Args:
        path: The PNG to write (atomically).
        confidences: Top-1 scores.
        correct: Whether each top-1 prediction is right.
        n_bins: Confidence bins.
        title: Figure title.
        after: Optional ``(confidences, correct, label)`` of calibrated
            scores, drawn as a second series.

    Returns:
        The ECE of ``confidences``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    use_cjk_font()
    series = [(confidences, correct, 'scores')]
    if after is not None:
        series.append(after)
    fig, (ax, axh) = plt.subplots(
        2,
        1,
        figsize=(5.2, 6.2),
        sharex=True,
        gridspec_kw=dict(height_ratios=[3, 1]))
    ax.plot([0, 1], [0, 1], ls='--', c='grey', lw=1, label='perfect')
    width = 1.0 / n_bins
    colours = ['tab:blue', 'tab:orange']
    ece0 = float('nan')
    for k, (conf, ok, label) in enumerate(series):
        bins = reliability_bins(conf, ok, n_bins)
        ece = expected_calibration_error(conf, ok, n_bins)
        if k == 0:
            ece0 = ece
        used = bins[bins['count'] > 0]
        shift = (k - (len(series) - 1) / 2) * width * 0.4
        ax.bar(
            used['lower'] + width / 2 + shift,
            used['accuracy'],
            width=width * (0.8 / len(series)),
            color=colours[k],
            alpha=0.8,
            label=f'{label} (ECE {ece * 100:.1f}%)')
        axh.bar(
            used['lower'] + width / 2 + shift,
            used['count'],
            width=width * (0.8 / len(series)),
            color=colours[k],
            alpha=0.8)
    ax.set_ylabel('accuracy in bin')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=11)
    ax.legend(loc='upper left', fontsize=9)
    axh.set_xlabel('confidence (top-1 score)')
    axh.set_ylabel('images')
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    return ece0

"""The results plot: 5-fold accuracy against training minutes.

Drawn from the metafiles (:func:`mmext.utils.results_tables.load_models`):
every config with a ``5-fold`` result and its training minutes is a point
(``--tta`` figure where the metafile has one), with its fold std as an
error bar; the Pareto front (no other point both cheaper and better) is
drawn over the ``--tta`` points, and the README job, the cheaper and the
best recipe are labelled.
The PNG carries a hash of the plotted figures in its metadata
(``inputs-sha256``), so a test can tell when the metafiles changed and the
plot was not redrawn.
"""
import hashlib
import io
import json
from typing import List, Tuple

from ..fileio import atomic_write
from .results_tables import TOP1, TTA, short_model_name

LABELLED = ('the README job', 'the cheaper recipe', 'the best recipe')
HASH_KEY = 'inputs-sha256'


def plot_points(
        models: List[dict]
) -> List[Tuple[str, float, float, float, bool, str]]:
    """The points of the plot.

    Args:
        models: :func:`~mmext.utils.results_tables.load_models`' result.

    Returns:
        ``(name, minutes, accuracy, std, with_tta, verdict)`` per config with
        a 5-fold figure and training minutes, sorted by minutes.
    """
    points = []
    for m in models:
        meta = m['Metadata']
        minutes = meta.get('Training Minutes')
        if meta.get('Results Protocol') != '5-fold' or minutes is None:
            continue
        metrics = dict(m['Results'][0]['Metrics'])
        key = TTA if TTA in metrics else TOP1
        points.append(
            (m['Name'], float(minutes), float(metrics[key]),
             float(metrics.get(f'{key} Std',
                               0.0)), key == TTA, meta.get('Verdict', '')))
    return sorted(points, key=lambda p: (p[1], -p[2]))


def inputs_hash(points: list) -> str:
    """SHA-256 of the plotted figures (what the plot must be redrawn for)."""
    text = json.dumps(points, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def pareto_front(points: list) -> list:
    """The points no other point beats on both minutes and accuracy.

    Args:
        points: :func:`plot_points`' result (sorted by minutes).

    Returns:
        The front, cheapest first.
    """
    front, best = [], float('-inf')
    for p in points:  # sorted by minutes
        if p[2] > best:
            front.append(p)
            best = p[2]
    return front


def draw(models: List[dict], png: str, svg: str) -> str:
    """Draw the plot to ``png`` and ``svg``.

    Args:
        models: :func:`~mmext.utils.results_tables.load_models`' result.
        png: the PNG path.
        svg: the SVG path.

    Returns:
        The inputs' hash written into the PNG's metadata.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    points = plot_points(models)
    digest = inputs_hash(points)
    fig, ax = plt.subplots(figsize=(8, 5))
    for tta in (True, False):
        sel = [p for p in points if p[4] == tta]
        ax.errorbar([p[1] for p in sel], [p[2] for p in sel],
                    yerr=[p[3] for p in sel],
                    fmt='o' if tta else 's',
                    mfc=None if tta else 'none',
                    color='tab:blue',
                    ecolor='lightsteelblue',
                    capsize=3,
                    label='with --tta' if tta else 'without TTA')
    front = pareto_front([p for p in points if p[4]])
    ax.plot([p[1] for p in front], [p[2] for p in front],
            '--',
            color='tab:orange',
            label='Pareto front')
    for p in points:
        if p[5] in LABELLED:
            ax.annotate(
                f'{p[5]}\n{short_model_name(p[0])}', (p[1], p[2]),
                textcoords='offset points',
                xytext=(8, -22),
                fontsize=8)
    ax.set_xlabel('training minutes (one run, 2-core CPU)')
    ax.set_ylabel('TrashNet top-1, 5-fold mean +- std (%)')
    ax.set_title('TrashNet recipe configs: accuracy against training time')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower right', fontsize=8)
    fig.tight_layout()
    with atomic_write(png, 'wb') as f:
        fig.savefig(f, format='png', dpi=100, metadata={HASH_KEY: digest})
    buf = io.StringIO()
    fig.savefig(buf, format='svg', metadata={'Description': digest})
    # no trailing blanks, one final newline: the lint's text hooks pass
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    with atomic_write(svg, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines).rstrip('\n') + '\n')
    plt.close(fig)
    return digest


def png_hash(png: str) -> str:
    """The inputs' hash stored in a PNG by :func:`draw` (``''`` if none)."""
    from PIL import Image
    with Image.open(png) as im:
        return im.text.get(HASH_KEY, '')

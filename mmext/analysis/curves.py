"""Training curves from mmengine's scalars.json files: the plot.

Reading the files is :mod:`mmext.utils.scalars` (re-exported here).
"""
from typing import Sequence

from ..utils.figures import save_figure
from ..utils.scalars import (VAL_DEFAULT, Curves, iters_per_epoch,
                             read_scalars, scalars_files)
from ..visualization.fonts import use_cjk_font


def plot_curves(runs: Sequence[Curves],
                path: str,
                val_key: str = VAL_DEFAULT,
                loss_key: str = 'loss') -> None:
    """Plot train loss and a val metric per epoch, and the LR, for runs.

    Args:
        runs: One :class:`Curves` per run (same colour in all panels).
        path: The PNG to write.
        val_key: Validation metric to plot.
        loss_key: Training scalar to plot.
    """
    import matplotlib  # heavy: loaded when a figure is drawn
    matplotlib.use('Agg')
    # Chinese run names; the note about a missing font only when there is one
    use_cjk_font(quiet=all(str(r.name).isascii() for r in runs))
    import matplotlib.pyplot as plt  # after use('Agg'): no display needed

    fig, (ax_loss, ax_val, ax_lr) = plt.subplots(1, 3, figsize=(14, 4))
    for i, run in enumerate(runs):
        colour = f'C{i % 10}'
        if loss_key in run.train:
            ax_loss.plot(
                run.train['x'],
                run.train[loss_key],
                color=colour,
                alpha=0.25,
                linewidth=0.8)
            per_epoch = run.train_per_epoch(loss_key)
            ax_loss.plot(
                per_epoch.index,
                per_epoch.values,
                'o-',
                color=colour,
                label=run.name)
        metric = run.val_metric(val_key)
        if len(metric):
            best = metric.idxmax()
            ax_val.plot(
                metric.index,
                metric.values,
                'o-',
                color=colour,
                label=f'{run.name} (best {metric.max():.2f} @ {best})')
            ax_val.plot([best], [metric.max()],
                        '*',
                        color=colour,
                        markersize=14)
        lr_key = run.lr_key
        if lr_key:
            ax_lr.plot(
                run.train['x'],
                run.train[lr_key],
                color=colour,
                label=f'{run.name} ({lr_key})')
    unit = 'epoch' if all(r.by_epoch for r in runs) else 'epoch / iteration'
    ax_loss.set(
        title=f'train {loss_key} (dots: {unit} mean)',
        xlabel=unit,
        ylabel=loss_key)
    ax_val.set(title=f'val {val_key}', xlabel=unit, ylabel=val_key)
    ax_lr.set(title='learning rate', xlabel=unit, ylabel='lr')
    for ax in (ax_loss, ax_val, ax_lr):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    ax_lr.ticklabel_format(axis='y', style='sci', scilimits=(-3, 3))
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


__all__ = [
    'VAL_DEFAULT', 'Curves', 'iters_per_epoch', 'read_scalars',
    'scalars_files', 'plot_curves'
]

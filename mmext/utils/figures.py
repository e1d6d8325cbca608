"""Saving matplotlib figures."""
from ..fileio import atomic_write


def save_figure(fig, path: str, dpi: int = 100) -> None:
    """Write a matplotlib figure as PNG atomically.

    Args:
        fig: The figure.
        path: Destination ``.png``.
        dpi: Resolution.
    """
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=dpi)

"""Deterministic, stratified train/val splits for data that comes as one
set."""
import random
from collections import defaultdict
from typing import Iterable, List, Sequence, Tuple

from ..errors import DataError
from ..fileio import atomic_write

Sample = Tuple[str, int]


def stratified_split(samples: Iterable[Sample],
                     val_ratio: float = 0.2,
                     seed: int = 0) -> Tuple[List[Sample], List[Sample]]:
    """Split ``(path, label)`` samples per class into train and val.

    The result depends only on the set of samples, ``val_ratio`` and
    ``seed``: input order does not matter. Every class with at least two
    images keeps at least one image on each side.

    Args:
        samples: ``(relative path, label)`` pairs.
        val_ratio: Fraction of each class that goes to val, in ``(0, 1)``.
        seed: Seed of the shuffle.

    Returns:
        ``(train, val)``, each sorted by label then path.
    """
    if not 0 < val_ratio < 1:
        raise DataError(
            f'val_ratio must be between 0 and 1, got {val_ratio}.',
            fix='use e.g. --val-ratio 0.2.')
    by_class = defaultdict(list)
    for path, label in samples:
        by_class[int(label)].append(path)
    train, val = [], []
    for label in sorted(by_class):
        paths = sorted(set(by_class[label]))
        rng = random.Random(f'{seed}:{label}')
        rng.shuffle(paths)
        n_val = round(len(paths) * val_ratio)
        if len(paths) >= 2:
            n_val = min(max(n_val, 1), len(paths) - 1)
        val += [(p, label) for p in sorted(paths[:n_val])]
        train += [(p, label) for p in sorted(paths[n_val:])]
    return train, val


def write_ann_file(path: str, samples: Sequence[Sample]) -> None:
    """Write ``<path> <label>`` lines atomically (UTF-8).

    Args:
        path: Output file.
        samples: ``(relative path, label)`` pairs.
    """
    for p, _ in samples:
        if '\n' in p or '\r' in p:
            raise DataError(
                f'Image path {p!r} contains a line break.',
                fix='rename the file.')
    with atomic_write(path, 'w', encoding='utf-8') as f:
        for p, label in samples:
            f.write(f'{p} {label}\n')

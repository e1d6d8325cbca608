"""Data sets, registered into mmpretrain's ``DATASETS`` on import, and the
helpers that prepare their folders.

- :class:`GarbageDataset`: every garbage data set layout users bring.
- :class:`SklearnDigits`: scikit-learn's bundled digits (LeNet warm-up).
- :func:`innermost_dataset`: the data set under its wrappers.
"""
from .class_names import BIN_ALIASES, read_class_names, split_bins
from .digits import SklearnDigits
from .garbage import GarbageDataset
from .split import stratified_split, write_ann_file
from .wrappers import innermost_dataset

__all__ = [
    'GarbageDataset', 'SklearnDigits', 'read_class_names', 'split_bins',
    'BIN_ALIASES', 'stratified_split', 'write_ann_file', 'innermost_dataset'
]

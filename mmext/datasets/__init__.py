from . import digits  # noqa: F401  (registers SklearnDigits)
from .class_names import BIN_ALIASES, read_class_names, split_bins
from .garbage import GarbageDataset
from .split import stratified_split, write_ann_file

__all__ = [
    'GarbageDataset', 'read_class_names', 'split_bins', 'BIN_ALIASES',
    'stratified_split', 'write_ann_file'
]

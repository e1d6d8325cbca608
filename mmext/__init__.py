"""mmext: garbage-classification extensions registered into mmpretrain.

Configs load it with ``custom_imports=dict(imports=['mmext'])``. Importing it
tunes glibc's malloc for training on the CPU (:mod:`mmext.allocator`; opt out
with ``MMEXT_MALLOC_TUNING=0``), applies the compatibility fixes of
:mod:`mmext.compat` and registers the datasets, transforms, batch augments,
hooks and metrics below.
"""
from .allocator import tune_malloc

tune_malloc()  # first: every later allocation benefits

from . import compat  # noqa: E402

compat.apply()

from . import augments, datasets, engine, evaluation, fastft, transforms  # noqa: E402,F401,E501  (register modules)
from .errors import CheckpointError, ConfigError, DataError, GarbageError  # noqa: E402

__version__ = '0.1.0'
__all__ = ['GarbageError', 'DataError', 'ConfigError', 'CheckpointError']

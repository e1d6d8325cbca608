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

# the imports below register modules (hence F401)
from . import augments  # noqa: E402,F401
from . import datasets  # noqa: E402,F401
from . import engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401
from . import fastft  # noqa: E402,F401
from . import transforms  # noqa: E402,F401
from .errors import CheckpointError  # noqa: E402
from .errors import ConfigError  # noqa: E402
from .errors import DataError  # noqa: E402
from .errors import GarbageError  # noqa: E402

__version__ = '0.1.0'
__all__ = ['GarbageError', 'DataError', 'ConfigError', 'CheckpointError']

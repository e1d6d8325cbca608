"""mmext: garbage-classification extensions registered into mmpretrain.

Configs load it with ``custom_imports=dict(imports=['mmext'])``. Importing it,
in this order:

1. tunes glibc's malloc for training on the CPU
   (:func:`mmext.allocator.tune_malloc`; opt out with
   ``MMEXT_MALLOC_TUNING=0``);
2. hides the known, harmless warnings of the pinned OpenMMLab stack
   (:func:`mmext.utils.silence_known_warnings`);
3. swaps mmengine's checkpoint loaders for ones that load with
   ``weights_only=True`` (:mod:`mmext.checkpoint`,
   ``use_weights_only_checkpoint_loaders``);
4. registers into mmpretrain's registries: the batch augments of
   :mod:`mmext.augments`, the data sets of :mod:`mmext.datasets`, the hooks of
   :mod:`mmext.engine.hooks`, the metrics of :mod:`mmext.evaluation`, the
   feature-cache data set and models of :mod:`mmext.feature_cache` and the
   transforms of :mod:`mmext.transforms` (each package's ``__all__`` lists
   them).
"""
from .allocator import tune_malloc

tune_malloc()  # first: every later allocation benefits

from .utils.known_warnings import silence_known_warnings  # noqa: E402

silence_known_warnings()  # before anything imports mmengine or mmcv

from .checkpoint import use_weights_only_checkpoint_loaders  # noqa: E402

use_weights_only_checkpoint_loaders()

# the imports below register modules (hence F401)
from . import augments  # noqa: E402,F401
from . import datasets  # noqa: E402,F401
from . import engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401
from . import feature_cache  # noqa: E402,F401
from . import transforms  # noqa: E402,F401
from .errors import CheckpointError  # noqa: E402
from .errors import ConfigError  # noqa: E402
from .errors import DataError  # noqa: E402
from .errors import GarbageError  # noqa: E402

__version__ = '0.1.0'
__all__ = ['GarbageError', 'DataError', 'ConfigError', 'CheckpointError']

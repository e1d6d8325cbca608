"""Training hooks, registered into mmpretrain's ``HOOKS`` on import.

- :class:`BadImageReportHook`: reports the images a run skipped as unreadable.
- :class:`ClassCountCheckHook`: head, preprocessor and bins against the
  data set's classes, before the first iteration.
- :class:`ChannelsLastHook`: the model in NHWC memory format.
- :class:`FrozenPrefixHook`: the frozen stages of the backbone run as a
  folded, traced graph in training steps.
- :class:`FeatureCacheCheckHook`: refuses feature caches of another model
  (see :mod:`mmext.feature_cache`).
- :class:`LrByModuleHook`: logs the learning rate of the head, the
  backbone... instead of parameter group 0's.
- :class:`LastMetricsHook`: keeps the last validation's metrics (k-fold).
- :class:`RunLengthEMAHook`: an EMA whose window is a fraction of the run,
  validating the raw weights beside it.
- :class:`RunLengthHook`: logs the settings counted in epochs/iterations
  in the run's real length, warns where one cannot work.
- :class:`SamplePairingHook`: the on/off schedule of the
  :class:`~mmext.augments.SamplePairing` batch augment.
- :class:`UnfreezeHook`: head-only epochs, then the backbone learns
  (optionally with layer-wise learning-rate decay).
"""
from .bad_images_hook import BadImageReportHook
from .channels_last_hook import ChannelsLastHook, apply_channels_last
from .class_count_check_hook import ClassCountCheckHook
from .feature_cache_check_hook import FeatureCacheCheckHook
from .frozen_prefix_hook import FrozenPrefixHook
from .last_metrics_hook import LastMetricsHook
from .lr_by_module_hook import LrByModuleHook
from .run_length_ema_hook import RunLengthEMAHook, resolve_momentum
from .run_length_hook import RunLengthHook
from .sample_pairing_hook import SamplePairingHook, sample_pairing_on
from .unfreeze_hook import UnfreezeHook

__all__ = [
    'BadImageReportHook', 'ClassCountCheckHook', 'ChannelsLastHook',
    'apply_channels_last', 'FeatureCacheCheckHook', 'FrozenPrefixHook',
    'LastMetricsHook', 'LrByModuleHook', 'RunLengthEMAHook', 'RunLengthHook',
    'resolve_momentum', 'SamplePairingHook', 'sample_pairing_on',
    'UnfreezeHook'
]

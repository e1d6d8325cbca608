"""Training machinery: hooks, a runner with a readable log, and DDP on
CPU-only machines (gloo)."""
from .cpu_distributed import CPUDistributedDataParallel, setup_cpu_distributed
from .hooks import (BadImageReportHook, ChannelsLastHook,
                    FeatureCacheCheckHook, LastMetricsHook, SamplePairingHook,
                    UnfreezeHook)
from .runner import QuietLogRunner

__all__ = [
    'CPUDistributedDataParallel', 'setup_cpu_distributed',
    'BadImageReportHook', 'ChannelsLastHook', 'FeatureCacheCheckHook',
    'LastMetricsHook', 'SamplePairingHook', 'UnfreezeHook', 'QuietLogRunner'
]

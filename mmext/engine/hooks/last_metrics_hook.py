"""LastMetricsHook: keeps the metrics of a run's last validation."""
from typing import Dict

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class LastMetricsHook(Hook):
    """Remember the metrics of the last validation.

    ``tools/kfold.py`` registers one on each fold's runner and reports the
    fold by what it holds after training.
    """

    priority = 'LOWEST'

    def __init__(self):
        self.metrics: Dict[str, float] = {}

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Keep a copy of ``metrics``."""
        self.metrics = dict(metrics or {})

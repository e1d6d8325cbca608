"""Log the learning rate of each model part, not of parameter group 0."""
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ..runner import group_modules


@HOOKS.register_module()
class LrByModuleHook(Hook):
    """Log ``<module>_lr`` (``head_lr``, ``backbone_lr``...) every iteration.

    mmengine's ``RuntimeInfoHook`` logs ``lr``, the rate of the first
    parameter group. With ``paramwise_cfg`` that is one tensor of the stem: 0
    or a warm-up fraction of it while the head learns at the full rate. This
    hook logs instead, for each top-level part of the model, the largest
    rate among the groups that hold its parameters, and drops ``lr``.

    Args:
        keep_group0_lr: Keep mmengine's ``lr`` beside the new keys.
    """

    priority = 'NORMAL'  # after RuntimeInfoHook (VERY_HIGH) wrote ``lr``

    def __init__(self, keep_group0_lr: bool = False):
        self.keep_group0_lr = keep_group0_lr
        self._modules: Optional[List[str]] = None

    def module_lrs(self, runner) -> Dict[str, float]:
        """The largest learning rate of each module's parameter groups.

        Args:
            runner: The runner (its model and optimizer).

        Returns:
            ``{module: lr}``, empty for several optimizers.
        """
        optimizer = getattr(runner.optim_wrapper, 'optimizer', None)
        if optimizer is None:
            return {}
        groups = optimizer.param_groups
        if self._modules is None or len(self._modules) != len(groups):
            self._modules = group_modules(runner.model, groups)
        lrs: Dict[str, float] = {}
        for module, group in zip(self._modules, groups):
            lrs[module] = max(lrs.get(module, 0.), group['lr'])
        return lrs

    def before_train_iter(self, runner, batch_idx: int, data_batch=None):
        """Write ``train/<module>_lr`` to the message hub.

        Args:
            runner: The runner.
            batch_idx: The iteration in the epoch.
            data_batch: The batch (unused).
        """
        lrs = self.module_lrs(runner)
        if len(lrs) < 2:
            return  # one part: mmengine's ``lr`` already says it
        for module, lr in lrs.items():
            runner.message_hub.update_scalar(f'train/{module}_lr', lr)
        if not self.keep_group0_lr:
            runner.message_hub.log_scalars.pop('train/lr', None)

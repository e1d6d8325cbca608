"""``FrozenPrefixHook``: the frozen stages of the backbone run as a graph.

Installs :func:`~mmext.engine.frozen_prefix.install_frozen_prefix` on the
model's backbone: in training steps the leading stages that learn nothing
(``frozen_stages``, all of the backbone in ``UnfreezeHook``'s head-only
epochs) run without autograd, BatchNorm folded into the convolutions,
channels-last, traced, frozen and optimized for inference (oneDNN). The
graph follows the frozen stages as they change and is rebuilt when their
weights change; weights, checkpoints, resume, validation and test are
unchanged. Backbones other than MobileNetV2 are left as they are (logged).

    custom_hooks = [..., dict(type='FrozenPrefixHook')]   # enabled=False: off
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...errors import ConfigError
from ..frozen_prefix import (MODES, install_frozen_prefix, supports,
                             uninstall_frozen_prefix)


@HOOKS.register_module()
class FrozenPrefixHook(Hook):
    """Run the backbone's frozen prefix as an inference graph in training.

    Args:
        enabled: ``False`` turns the hook into a no-op (the config's
            opt-out).
        mode: ``'optimize'`` (``torch.jit.trace``, ``torch.jit.freeze``
            and ``torch.jit.optimize_for_inference``: oneDNN's prepacked
            convolutions, the fastest in benchmarks/RESULTS.md),
            ``'freeze'`` (without the last) or ``'eager'`` (the folded
            modules, no TorchScript).
    """

    priority = 'LOW'  # after UnfreezeHook and EMAHook set the model up

    def __init__(self, enabled: bool = True, mode: str = 'optimize'):
        if mode not in MODES:
            raise ConfigError(
                f'FrozenPrefixHook: mode={mode!r} is not one of {MODES}.',
                fix="use mode='optimize' (the default), 'freeze' or 'eager'.")
        self.enabled = bool(enabled)
        self.mode = mode

    def before_train(self, runner) -> None:
        """Install the fast forward on a supported backbone."""
        if not self.enabled:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        backbone = getattr(model, 'backbone', None)
        if backbone is None or not supports(backbone):
            runner.logger.info(
                'FrozenPrefixHook: not applied (it supports MobileNetV2 '
                f'backbones, this is {type(backbone).__name__}).')
            return
        install_frozen_prefix(backbone, self.mode)
        runner.logger.info(
            'FrozenPrefixHook: the frozen stages of the backbone run as a '
            f'folded graph in training (mode {self.mode!r}).')

    def after_train(self, runner) -> None:
        """Give the backbone its own forward back after training."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        backbone = getattr(model, 'backbone', None)
        if backbone is not None:
            uninstall_frozen_prefix(backbone)

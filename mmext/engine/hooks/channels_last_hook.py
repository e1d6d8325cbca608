"""``ChannelsLastHook``: run the model in the channels-last memory format.

Convolutions are faster on NHWC tensors with oneDNN on CPUs (about 1.4x for a
MobileNetV2 training step on this project's 2-core CI machine, see
benchmarks/RESULTS.md) and with tensor cores on GPUs. The hook converts the
model's parameters once, before the run (so EMA copies made later inherit
the format), and converts the backbone's input on every forward. Numerics
are unchanged up to float rounding; checkpoints load into a normal model.

    custom_hooks = _base_.custom_hooks + [dict(type='ChannelsLastHook')]
"""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


def _to_channels_last(module: torch.nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: the first 4-D input as a channels-last tensor."""
    if args and isinstance(args[0], torch.Tensor) and args[0].dim() == 4:
        return (args[0].contiguous(memory_format=torch.channels_last),
                *args[1:])
    return args


def apply_channels_last(model: torch.nn.Module) -> torch.nn.Module:
    """Convert a classifier to channels-last (in place).

    Args:
        model: The model (or a model wrapper).

    Returns:
        The same model.
    """
    inner = model.module if is_model_wrapper(model) else model
    if getattr(inner, '_mmext_channels_last', False):
        return model
    inner.to(memory_format=torch.channels_last)
    target = getattr(inner, 'backbone', inner)
    target.register_forward_pre_hook(_to_channels_last)
    inner._mmext_channels_last = True
    return model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model to channels-last before training or testing."""

    priority = 'VERY_HIGH'  # before EMAHook copies the model

    def before_run(self, runner) -> None:
        """Convert the runner's model."""
        apply_channels_last(runner.model)

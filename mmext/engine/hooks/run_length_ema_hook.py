"""``RunLengthEMAHook``: an EMA whose averaging window follows the run.

mmengine's ``ExponentialMovingAverage`` averages over about ``1 / momentum``
iterations. A fixed momentum tuned on one data set lags on a smaller one: at
``momentum=0.01`` a run of 88 iterations validates weights that are still
partly the initial ones. Here the window is a fraction of the run
(``window x runner.max_iters`` iterations, resolved in ``before_train``),
capped at ``max_window`` iterations, so long runs keep the window they were
tuned with. An explicit ``momentum`` is kept, with a warning when its window
is longer than the run. Validation also reports the raw (un-averaged)
weights as ``<metric>_origin`` (mmpretrain's ``evaluate_on_origin``), so a
lag shows in the log.
"""
import logging
from typing import Dict, Optional

from mmengine.logging import print_log
from mmpretrain.engine.hooks import EMAHook
from mmpretrain.registry import HOOKS

from ...errors import ConfigError


def resolve_momentum(max_iters: int,
                     window: float,
                     max_window: Optional[float] = None) -> float:
    """The EMA momentum whose window is ``window`` of a run.

    Args:
        max_iters: Iterations of the run.
        window: Averaging window as a fraction of the run, in ``(0, 1]``.
        max_window: Upper bound of the window in iterations (``None``: none).

    Returns:
        ``1 / window_iters``, at most 1 (no averaging).
    """
    iters = window * max(int(max_iters), 1)
    if max_window is not None:
        iters = min(iters, max_window)
    return min(1.0, 1.0 / max(iters, 1.0))


@HOOKS.register_module()
class RunLengthEMAHook(EMAHook):
    """mmpretrain's ``EMAHook`` with a window that scales with the run.

    Args:
        window: Averaging window as a fraction of the run's iterations.
        max_window: Longest window in iterations (``None``: no bound).
        momentum: An explicit momentum; overrides ``window`` (kept as set).
        evaluate_on_origin: Also validate the raw weights (``*_origin``).
        **kwargs: Passed to :class:`mmpretrain.engine.hooks.EMAHook`
            (``ema_type``, ``begin_iter``, ``gamma`` ...).
    """

    def __init__(self,
                 window: float = 0.22,
                 max_window: Optional[float] = 100,
                 momentum: Optional[float] = None,
                 evaluate_on_origin: bool = True,
                 **kwargs):
        if not 0. < window <= 1.:
            raise ConfigError(
                f'RunLengthEMAHook: window={window} is outside (0, 1].',
                fix='give the averaging window as a fraction of the run, '
                'e.g. window=0.22 (the last ~22 % of the iterations).')
        if momentum is not None and not 0. < momentum <= 1.:
            raise ConfigError(
                f'RunLengthEMAHook: momentum={momentum} is outside (0, 1].',
                fix='use e.g. momentum=0.01 (a ~100-iteration window), or '
                'leave it unset to follow the run length.')
        if momentum is not None:
            kwargs['momentum'] = momentum
        super().__init__(evaluate_on_origin=evaluate_on_origin, **kwargs)
        self.window = window
        self.max_window = max_window
        self.explicit_momentum = momentum

    def before_train(self, runner) -> None:
        """Resolve the momentum from ``runner.max_iters`` and log it."""
        super().before_train(runner)
        max_iters = runner.max_iters
        if self.explicit_momentum is None:
            momentum = resolve_momentum(max_iters, self.window,
                                        self.max_window)
            self.ema_model.momentum = momentum
            how = (f'window {self.window:g} of {max_iters} iterations' +
                   (f', at most {self.max_window:g}'
                    if self.max_window is not None else ''))
        else:
            momentum = self.explicit_momentum
            how = 'set in the config'
        runner.logger.info(
            f'EMA: momentum {momentum:.4g} (averages ~{1 / momentum:.0f} of '
            f'{max_iters} iterations; {how}); validation also shows the raw '
            'weights as *_origin.')
        if 1. / momentum > max_iters:
            print_log(
                f'EMA: momentum {momentum:g} averages over ~'
                f'{1 / momentum:.0f} iterations, longer than this run '
                f'({max_iters}): the saved EMA weights lag the raw ones. '
                f'Use momentum >= {2. / max_iters:.3g} or leave it unset.',
                logger='current',
                level=logging.WARNING)

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Validate the raw weights too; add them to ``metrics``."""
        super().after_val_epoch(runner, metrics)
        if metrics is None or not (self.evaluate_on_ema
                                   and self.evaluate_on_origin):
            return
        hub = runner.message_hub
        for key in list(metrics):
            origin = hub.get_scalar(f'val/{key}_origin') if (
                f'val/{key}_origin' in hub.log_scalars) else None
            if origin is not None:
                metrics[f'{key}_origin'] = origin.current()

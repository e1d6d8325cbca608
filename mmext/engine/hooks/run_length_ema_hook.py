"""``RunLengthEMAHook``: an EMA whose averaging window follows the run.

mmengine's ``ExponentialMovingAverage`` averages over about ``1 / momentum``
iterations. A fixed momentum tuned on one data set lags on a smaller one: at
``momentum=0.01`` a run of 88 iterations validates weights that are still
partly the initial ones. Here the window follows the run (resolved in
``before_train`` from ``runner.max_iters``): ``max_window`` iterations for
a run of ``full_run`` iterations or more (TrashNet's main job: 100 of
448), and ``max_window x (max_iters / full_run) ** 2`` for a shorter one,
so the share of the run averaged falls with its length (22 % of 448
iterations, 4 % of 80, none of 16: on 300 photos a window of 22 % of the
run still cost 1.5 points, benchmarks/logs/2026-12-08_own-data-matrix.md).
An explicit ``momentum`` is kept, with a warning when its window
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
                     max_window: float = 100,
                     full_run: int = 448) -> float:
    """The EMA momentum whose window follows the run's length.

    Args:
        max_iters: Iterations of the run.
        max_window: Window in iterations of a run of ``full_run`` or more.
        full_run: Run length (iterations) from which the window is full.

    Returns:
        ``1 / window``, at most 1 (no averaging).
    """
    share = min(1., max(int(max_iters), 1) / full_run)
    return min(1.0, 1.0 / max(max_window * share**2, 1.0))


@HOOKS.register_module()
class RunLengthEMAHook(EMAHook):
    """mmpretrain's ``EMAHook`` with a window that scales with the run.

    Args:
        max_window: Window (iterations) of a run of ``full_run`` or more.
        full_run: Run length (iterations) from which the window is full;
            shorter runs average ``(max_iters / full_run) ** 2`` of it.
        momentum: An explicit momentum; overrides the rule (kept as set).
        evaluate_on_origin: Also validate the raw weights (``*_origin``).
        **kwargs: Passed to :class:`mmpretrain.engine.hooks.EMAHook`
            (``ema_type``, ``begin_iter``, ``gamma`` ...).
    """

    def __init__(self,
                 max_window: float = 100,
                 full_run: int = 448,
                 momentum: Optional[float] = None,
                 evaluate_on_origin: bool = True,
                 **kwargs):
        if max_window < 1 or full_run < 1:
            raise ConfigError(
                f'RunLengthEMAHook: max_window={max_window}, full_run='
                f'{full_run}: both must be at least 1 iteration.',
                fix='e.g. max_window=100, full_run=448 (a 100-iteration '
                'window from 448 iterations on, shorter below).')
        if momentum is not None and not 0. < momentum <= 1.:
            raise ConfigError(
                f'RunLengthEMAHook: momentum={momentum} is outside (0, 1].',
                fix='use e.g. momentum=0.01 (a ~100-iteration window), or '
                'leave it unset to follow the run length.')
        if momentum is not None:
            kwargs['momentum'] = momentum
        super().__init__(evaluate_on_origin=evaluate_on_origin, **kwargs)
        self.max_window = max_window
        self.full_run = full_run
        self.explicit_momentum = momentum

    def before_train(self, runner) -> None:
        """Resolve the momentum from ``runner.max_iters`` and log it."""
        super().before_train(runner)
        max_iters = runner.max_iters
        if self.explicit_momentum is None:
            momentum = resolve_momentum(max_iters, self.max_window,
                                        self.full_run)
            self.ema_model.momentum = momentum
            how = (f'{self.max_window:g} iterations from a '
                   f'{self.full_run}-iteration run on, x (run / '
                   f'{self.full_run})^2 below')
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

"""``RunLengthHook``: the settings counted in epochs or iterations, resolved.

A config tuned on one data set counts its warm-up, unfreeze epoch,
validation and checkpoint intervals and EMA window against that data set's
length. On another data set the same numbers mean other fractions of the
run, and some stop working (an unfreeze epoch past the last one, an EMA
window longer than the run). In ``before_train`` this hook logs one line per
setting in the run's real iterations and warns where one cannot work. It
changes nothing: :class:`RunLengthEMAHook` scales the EMA window itself.
"""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


def _warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)


@HOOKS.register_module()
class RunLengthHook(Hook):
    """Log the run's length and each setting counted in it."""

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        """Resolve and log; warn about settings the run cannot honour."""
        epochs, iters = runner.max_epochs, runner.max_iters
        per_epoch = max(iters // max(epochs, 1), 1)
        log = runner.logger.info
        log(f'Run length: {len(runner.train_dataloader.dataset)} images, '
            f'batch {runner.train_dataloader.batch_size}, {per_epoch} '
            f'iterations per epoch x {epochs} epochs = {iters} iterations.')
        schedulers = runner.param_schedulers or []
        for sch in schedulers if isinstance(schedulers, list) else []:
            if type(sch).__name__ in ('LinearLR', 'LinearParamScheduler'):
                end = min(sch.end, iters)
                log(f'Warm-up: {type(sch).__name__} over iterations '
                    f'{sch.begin}-{end} ({100. * end / iters:.0f} % of the '
                    'run).')
                if sch.end >= iters:
                    _warn('Warm-up lasts the whole run: the learning rate '
                          'never reaches its base value.')
        for hook in runner.hooks:
            name = type(hook).__name__
            if name == 'UnfreezeHook':
                log(f'Unfreeze: epoch {hook.unfreeze_epoch} of {epochs} '
                    f'(iteration {hook.unfreeze_epoch * per_epoch}).')
                if hook.unfreeze_epoch >= epochs:
                    _warn(f'UnfreezeHook: unfreeze_epoch='
                          f'{hook.unfreeze_epoch} is not before max_epochs='
                          f'{epochs}: the backbone never learns. Use '
                          'unfreeze_epoch=1 or more epochs.')
            elif name == 'CheckpointHook':
                log(f'Checkpoints: every {hook.interval} '
                    f'{"epochs" if hook.by_epoch else "iterations"} and at '
                    'the end.')
            elif name.endswith('EMAHook') and name != 'RunLengthEMAHook':
                momentum = getattr(hook.ema_model, 'momentum', None)
                if momentum and 1. / momentum > iters:
                    _warn(f'{name}: momentum {momentum:g} averages over ~'
                          f'{1 / momentum:.0f} iterations, longer than this '
                          f'run ({iters}): the saved EMA weights lag the raw '
                          'ones. Use type=\'RunLengthEMAHook\' or momentum '
                          f'>= {2. / iters:.3g}.')
        loop = runner.train_loop
        interval = getattr(loop, 'val_interval', None)
        if runner.val_loop is not None and interval:
            at = sorted({e
                         for e in range(interval, epochs + 1, interval)}
                        | {epochs})
            log(f'Validation: every {interval} epochs and after the last: '
                f'after epoch {", ".join(map(str, at))}.')

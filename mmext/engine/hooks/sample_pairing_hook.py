"""``SamplePairingHook``: the on/off schedule of SamplePairing (Inoue 2018).

The paper trains without SamplePairing for the first epochs, then enables it
intermittently (8 epochs on, 2 off on CIFAR) and disables it again for the
final fine-tuning epochs. This hook applies that schedule to every
:class:`mmext.augments.sample_pairing.SamplePairing` in the model's batch
augments::

    model = dict(train_cfg=dict(augments=dict(type='SamplePairing')))
    custom_hooks = [dict(type='SamplePairingHook', start_epoch=1,
                         end_epoch=-1, on_epochs=8, off_epochs=2)]

Epochs are 0-based indices as in mmengine's ``param_scheduler`` ``begin``/
``end`` (the log's ``Epoch(train) [1]`` is index 0); ``end_epoch`` is
exclusive and may be negative, counting back from ``max_epochs`` like a
Python slice. The state is a pure function of ``runner.epoch``, so it is right
after ``--resume`` without anything saved in the checkpoint. Each epoch the
state is logged (``train/sample_pairing`` = 1 or 0 in the message hub, hence
``sample_pairing`` in ``scalars.json`` and the text log).
"""
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmpretrain.registry import HOOKS

from ...augments.sample_pairing import SamplePairing
from ...errors import ConfigError

SCALAR_KEY = 'train/sample_pairing'


def sample_pairing_on(epoch: int, start_epoch: int, end_epoch: int,
                      on_epochs: int, off_epochs: int) -> bool:
    """Whether SamplePairing is on during a (0-based) epoch.

    On when ``start_epoch <= epoch < end_epoch`` and the epoch falls in the
    "on" part of the repeating ``on_epochs`` + ``off_epochs`` cycle counted
    from ``start_epoch``.

    Args:
        epoch: 0-based epoch index.
        start_epoch: First epoch that may be on.
        end_epoch: First epoch that is off for good (already resolved to a
            non-negative index).
        on_epochs: Length of the "on" part of a cycle (>= 1).
        off_epochs: Length of the "off" part of a cycle (>= 0).

    Returns:
        True when SamplePairing is on.
    """
    if not start_epoch <= epoch < end_epoch:
        return False
    return (epoch - start_epoch) % (on_epochs + off_epochs) < on_epochs


def _check_int(name: str, value, minimum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or \
            (minimum is not None and value < minimum):
        need = 'an integer' if minimum is None else f'an integer >= {minimum}'
        raise ConfigError(
            f'SamplePairingHook {name} must be {need}, got {value!r}.',
            fix="set it in custom_hooks, e.g. dict(type='SamplePairingHook', "
            'start_epoch=1, end_epoch=-1, on_epochs=8, off_epochs=2).')
    return value


@HOOKS.register_module()
class SamplePairingHook(Hook):
    """Switch SamplePairing on and off by epoch.

    Args:
        start_epoch: First 0-based epoch that may use SamplePairing (the paper
            and the write-up: about 10% of the epochs). Defaults to 0.
        end_epoch: Exclusive 0-based epoch after which it stays off, so the
            last epochs fine-tune on clean images; negative counts back from
            ``max_epochs`` (``-1`` keeps the last epoch off), None means
            ``max_epochs``. Defaults to None.
        on_epochs: Epochs on per cycle (the paper: 8). Defaults to 8.
        off_epochs: Epochs off per cycle (the paper: 2). 0 keeps it on for the
            whole ``[start_epoch, end_epoch)`` range. Defaults to 2.
        prob: If given, the per-image pairing probability set on every
            SamplePairing while it is on; None keeps each one's own ``prob``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 start_epoch: int = 0,
                 end_epoch: Optional[int] = None,
                 on_epochs: int = 8,
                 off_epochs: int = 2,
                 prob: Optional[float] = None):
        self.start_epoch = _check_int('start_epoch', start_epoch, 0)
        self.end_epoch = None if end_epoch is None else _check_int(
            'end_epoch', end_epoch)
        self.on_epochs = _check_int('on_epochs', on_epochs, 1)
        self.off_epochs = _check_int('off_epochs', off_epochs, 0)
        self.prob = None if prob is None else SamplePairing.check_prob(prob)
        self._augments: List[SamplePairing] = []

    def resolve_end(self, max_epochs: int) -> int:
        """Turn ``end_epoch`` into a 0-based exclusive index.

        Args:
            max_epochs: The training length.

        Returns:
            The resolved end epoch.
        """
        if self.end_epoch is None:
            return max_epochs
        if self.end_epoch < 0:
            return max_epochs + self.end_epoch
        return min(self.end_epoch, max_epochs)

    def is_on(self, epoch: int, max_epochs: int) -> bool:
        """Whether SamplePairing is on in a 0-based epoch of a run.

        Args:
            epoch: 0-based epoch index.
            max_epochs: The training length.

        Returns:
            True when on.
        """
        return sample_pairing_on(epoch, self.start_epoch,
                                 self.resolve_end(max_epochs), self.on_epochs,
                                 self.off_epochs)

    @staticmethod
    def find_augments(runner) -> List[SamplePairing]:
        """Every SamplePairing in the model's batch augments.

        Args:
            runner: The runner.

        Returns:
            The SamplePairing instances (possibly empty).
        """
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        preprocessor = getattr(model, 'data_preprocessor', None)
        batch_augments = getattr(preprocessor, 'batch_augments', None)
        if batch_augments is None:
            return []
        augments = getattr(batch_augments, 'augments', [batch_augments])
        return [a for a in augments if isinstance(a, SamplePairing)]

    def before_train(self, runner) -> None:
        """Check the setup and log the planned schedule."""
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            raise ConfigError(
                'SamplePairingHook schedules by epoch, but train_cfg is '
                'iteration-based.',
                fix='use train_cfg=dict(by_epoch=True, max_epochs=N), or drop '
                'the hook and keep SamplePairing always on.')
        self._augments = self.find_augments(runner)
        if not self._augments:
            raise ConfigError(
                'SamplePairingHook found no SamplePairing in the model\'s '
                'batch augments.',
                fix='add model=dict(train_cfg=dict(augments=dict('
                "type='SamplePairing'))) to the config.")
        max_epochs = runner.max_epochs
        end = self.resolve_end(max_epochs)
        if self.start_epoch >= end:
            raise ConfigError(
                f'SamplePairingHook would never switch SamplePairing on: '
                f'start_epoch={self.start_epoch} >= end epoch {end} '
                f'(end_epoch={self.end_epoch}, max_epochs={max_epochs}).',
                fix='lower start_epoch or raise end_epoch/max_epochs.')
        on = [e + 1 for e in range(max_epochs) if self.is_on(e, max_epochs)]
        runner.logger.info(
            f'SamplePairing schedule: on in epochs {on} of {max_epochs} '
            '(1-based, as in the log).')

    def before_train_epoch(self, runner) -> None:
        """Set every SamplePairing on or off for this epoch and log it."""
        on = self.is_on(runner.epoch, runner.max_epochs)
        if not self._augments:
            self._augments = self.find_augments(runner)
        for aug in self._augments:
            aug.enabled = on
            if on and self.prob is not None:
                aug.prob = self.prob
        runner.message_hub.update_scalar(SCALAR_KEY, float(on))
        runner.logger.info(f'SamplePairing {"on" if on else "off"} in epoch '
                           f'{runner.epoch + 1}.')

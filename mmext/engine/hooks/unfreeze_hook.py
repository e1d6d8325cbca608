"""``UnfreezeHook``: two-stage fine-tuning in one config.

Stage 1 (epochs ``0 .. unfreeze_epoch - 1``): the modules in ``modules``
(default the backbone and neck) are frozen: no gradients, kept in eval mode
(BatchNorm statistics fixed). Only the head learns.

Stage 2 (from epoch ``unfreeze_epoch``): those modules learn too, except the
first ``frozen_stages`` stages of the backbone, which stay frozen through
the backbone's own ``frozen_stages`` mechanism (mmpretrain's MobileNetV2,
ResNet, Swin...). Their parameter groups get ``lr = lr_mult x`` the head's
current learning rate (and ``weight_decay = decay_mult x`` the optimizer's),
and the schedule goes on from there.

The stage is derived from ``runner.epoch`` in ``before_train``, so
``--resume`` restores the right ``requires_grad`` (and the resumed optimizer
state keeps the stage-2 learning rates).
"""
from typing import Optional, Sequence, Set

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...errors import ConfigError


@HOOKS.register_module()
class UnfreezeHook(Hook):
    """Freeze ``modules`` for the first epochs, then fine-tune them.

    Args:
        unfreeze_epoch: 0-based epoch at whose start the modules are
            unfrozen (``2``: two head-only epochs, then fine-tuning).
        modules: Dotted names of the model's sub-modules to freeze in stage 1.
        frozen_stages: After unfreezing, the backbone's ``frozen_stages``
            (``-1``: everything learns; ``k``: the stem and stages ``1..k``
            stay frozen, as the backbone's own argument means).
        lr_mult: Stage-2 learning rate of the unfrozen parameters relative to
            the head's learning rate at ``unfreeze_epoch``.
        decay_mult: Their weight decay relative to the optimizer's.
        norm_eval: Stage-2 ``norm_eval`` of the backbone (``None``: leave
            it as configured).
    """

    priority = 'HIGH'

    def __init__(self,
                 unfreeze_epoch: int,
                 modules: Sequence[str] = ('backbone', 'neck'),
                 frozen_stages: int = -1,
                 lr_mult: float = 0.1,
                 decay_mult: float = 1.0,
                 norm_eval: Optional[bool] = None):
        if unfreeze_epoch < 0:
            raise ConfigError(
                f'UnfreezeHook: unfreeze_epoch={unfreeze_epoch} is negative.',
                fix='use 0 (no head-only stage) or more.')
        self.unfreeze_epoch = int(unfreeze_epoch)
        self.module_names = list(modules)
        self.frozen_stages = frozen_stages
        self.lr_mult = lr_mult
        self.decay_mult = decay_mult
        self.norm_eval = norm_eval
        self.unfrozen = False

    # -- helpers ---------------------------------------------------------
    @staticmethod
    def _model(runner) -> torch.nn.Module:
        return getattr(runner.model, 'module', runner.model)

    def _modules(self, runner):
        model = self._model(runner)
        found = []
        for name in self.module_names:
            module = getattr(model, name, None) if '.' not in name else \
                model.get_submodule(name)
            if module is None and name == 'neck':
                continue  # classifiers without a neck
            if module is None:
                raise ConfigError(
                    f'UnfreezeHook: the model has no sub-module {name!r}.',
                    fix='list existing modules, e.g. modules=["backbone"].')
            found.append(module)
        return found

    def _freeze(self, runner) -> None:
        for module in self._modules(runner):
            for param in module.parameters():
                param.requires_grad = False
            module.eval()

    def _unfreeze(self, runner, set_lr: bool) -> None:
        model = self._model(runner)
        modules = self._modules(runner)
        for module in modules:
            for param in module.parameters():
                param.requires_grad = True
        backbone = getattr(model, 'backbone', None)
        if backbone is not None and any(m is backbone for m in modules):
            if self.norm_eval is not None and hasattr(backbone, 'norm_eval'):
                backbone.norm_eval = self.norm_eval
            if hasattr(backbone, 'frozen_stages'):
                backbone.frozen_stages = self.frozen_stages
                if hasattr(backbone, '_freeze_stages'):
                    backbone._freeze_stages()
            elif self.frozen_stages >= 0:
                raise ConfigError(
                    f'UnfreezeHook: frozen_stages={self.frozen_stages}, but '
                    f'{type(backbone).__name__} has no frozen_stages.',
                    fix='use frozen_stages=-1 or modules=[...] instead.')
        model.train(True)
        if set_lr:
            trainable = {
                id(p)
                for m in modules
                for p in m.parameters() if p.requires_grad
            }
            self._set_lr(runner, trainable)
        self.unfrozen = True

    def _set_lr(self, runner, ids: Set[int]) -> None:
        optimizer = getattr(runner.optim_wrapper, 'optimizer', None)
        if optimizer is None:
            raise ConfigError(
                'UnfreezeHook supports a single optimizer (OptimWrapper).')
        head_lr, mixed = None, False
        for group in optimizer.param_groups:
            inside = [id(p) in ids for p in group['params']]
            if any(inside) and not all(inside):
                mixed = True
            if not any(inside) and head_lr is None and any(
                    p.requires_grad for p in group['params']):
                head_lr = group['lr']
        if mixed:
            raise ConfigError(
                'UnfreezeHook: the unfrozen parameters share an optimizer '
                'parameter group with the head, so they cannot get their '
                'own learning rate.',
                fix='add optim_wrapper.paramwise_cfg=dict(custom_keys='
                "{'backbone': dict(lr_mult=0., decay_mult=0.)}) (one group "
                'per parameter; the hook sets their rates at unfreezing).')
        if head_lr is None:
            head_lr = optimizer.defaults['lr']
        decay = optimizer.defaults.get('weight_decay', 0.) * self.decay_mult
        for group in optimizer.param_groups:
            if group['params'] and id(group['params'][0]) in ids:
                group['lr'] = head_lr * self.lr_mult
                group['initial_lr'] = group['lr']
                if 'weight_decay' in group:
                    group['weight_decay'] = decay
        runner.logger.info(
            f'UnfreezeHook: epoch {runner.epoch}: unfroze '
            f'{", ".join(self.module_names)} (frozen_stages='
            f'{self.frozen_stages}), lr {head_lr * self.lr_mult:.3g} '
            f'(head {head_lr:.3g} x {self.lr_mult}).')

    # -- hook points -----------------------------------------------------
    def before_train(self, runner) -> None:
        """Set the stage from ``runner.epoch`` (also after ``--resume``)."""
        if runner.epoch > self.unfreeze_epoch or (runner.epoch ==
                                                  self.unfreeze_epoch == 0):
            # resumed inside stage 2: the optimizer state has its rates
            self._unfreeze(runner, set_lr=runner.epoch == 0)
        else:
            self.unfrozen = False
            self._freeze(runner)

    def before_train_epoch(self, runner) -> None:
        """Unfreeze at the start of ``unfreeze_epoch``."""
        if not self.unfrozen and runner.epoch >= self.unfreeze_epoch:
            self._unfreeze(runner, set_lr=True)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Keep frozen modules in eval mode (the loop calls model.train())."""
        if not self.unfrozen and batch_idx == 0:
            for module in self._modules(runner):
                module.eval()

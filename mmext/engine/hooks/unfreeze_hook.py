"""``UnfreezeHook``: two-stage fine-tuning in one config.

Stage 1 (epochs ``0 .. unfreeze_epoch - 1``): the modules in ``modules``
(default the backbone and neck) are frozen: no gradients, kept in eval mode
(BatchNorm statistics fixed). Only the head learns.

Stage 2 (from epoch ``unfreeze_epoch``): those modules learn too, except the
first ``frozen_stages`` stages of the backbone, which stay frozen through
the backbone's own ``frozen_stages`` mechanism (mmpretrain's MobileNetV2,
ResNet, Swin...). Their parameter groups get ``lr = lr_mult x`` the head's
current learning rate (and ``weight_decay = decay_mult x`` the optimizer's),
and the schedule goes on from there. With ``layer_decay < 1`` the rate also
falls with depth below the top of the backbone (layer-wise learning-rate
decay, as in BEiT and ConvNeXt fine-tuning): stage ``k`` of a backbone with
``n`` stages gets ``lr_mult x layer_decay ** (n + 1 - k)``, the stem is stage
0 and the layers after the last stage (MobileNetV2's ``conv2``, a neck) are
the top, at ``lr_mult``.

The stage is derived from ``runner.epoch`` in ``before_train``, so
``--resume`` restores the right ``requires_grad`` (and the resumed optimizer
state keeps the stage-2 learning rates).
"""
import re
from typing import Dict, Optional, Sequence

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
        layer_decay: Layer-wise learning-rate decay of the backbone, in
            ``(0, 1]`` (``1``: every unfrozen parameter at ``lr_mult``).
            Stages are read from the parameter names: ``layer<k>``
            (MobileNetV2, ResNet) or ``stages.<i>`` (Swin);
            the parameters before the first stage are the stem.
    """

    priority = 'HIGH'

    def __init__(self,
                 unfreeze_epoch: int,
                 modules: Sequence[str] = ('backbone', 'neck'),
                 frozen_stages: int = -1,
                 lr_mult: float = 0.1,
                 decay_mult: float = 1.0,
                 norm_eval: Optional[bool] = None,
                 layer_decay: float = 1.0):
        if not 0. < layer_decay <= 1.:
            raise ConfigError(
                f'UnfreezeHook: layer_decay={layer_decay} is outside (0, 1].',
                fix='use 1.0 (no decay) or a factor such as 0.8 (each stage '
                'down from the top learns at 0.8x the one above it).')
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
        self.layer_decay = float(layer_decay)
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
            scales = {
                id(p): 1.0
                for m in modules
                for p in m.parameters() if p.requires_grad
            }
            if backbone is not None and self.layer_decay < 1.:
                by_name = self.layer_scales(backbone)
                for name, param in backbone.named_parameters():
                    if id(param) in scales:
                        scales[id(param)] = by_name[name]
            self._set_lr(runner, scales)
        self.unfrozen = True

    def layer_scales(self, backbone: torch.nn.Module) -> Dict[str, float]:
        """Learning-rate scale of each backbone parameter under
        ``layer_decay``.

        Args:
            backbone: The backbone whose parameter names give the stages.

        Returns:
            ``{parameter name: layer_decay ** (depth below the top)}``.
        """
        names = [name for name, _ in backbone.named_parameters()]
        stage_ids = []
        for name in names:
            match = re.match(r'(?:layer(\d+)|stages\.(\d+))\.', name)
            if match:
                layer, stage = match.groups()  # layer<k> from 1, stages. 0
                stage_ids.append(int(layer) if layer else int(stage) + 1)
            else:
                stage_ids.append(None)
        if not any(s is not None for s in stage_ids):
            raise ConfigError(
                f'UnfreezeHook: layer_decay={self.layer_decay}, but no '
                f'stage is found in the parameter names of '
                f'{type(backbone).__name__} (expected layer<k>. or '
                'stages.<i>.).',
                fix='use layer_decay=1.0 with this backbone.')
        top = max(s for s in stage_ids if s is not None) + 1
        scales, seen_stage = {}, False
        for name, stage in zip(names, stage_ids):
            if stage is not None:
                seen_stage = True
            else:  # before the first stage: stem; after it: top layers
                stage = top if seen_stage else 0
            scales[name] = self.layer_decay**(top - stage)
        return scales

    def _set_lr(self, runner, scales: Dict[int, float]) -> None:
        optimizer = getattr(runner.optim_wrapper, 'optimizer', None)
        if optimizer is None:
            raise ConfigError(
                'UnfreezeHook supports a single optimizer (OptimWrapper).')
        head_lr, mixed = None, False
        for group in optimizer.param_groups:
            inside = [id(p) in scales for p in group['params']]
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
            if group['params'] and id(group['params'][0]) in scales:
                group['lr'] = (
                    head_lr * self.lr_mult * scales[id(group['params'][0])])
                group['initial_lr'] = group['lr']
                if 'weight_decay' in group:
                    group['weight_decay'] = decay
        runner.logger.info(
            f'UnfreezeHook: from epoch {runner.epoch + 1} (as the log counts '
            f'them): unfroze '
            f'{", ".join(self.module_names)} (frozen_stages='
            f'{self.frozen_stages}), lr {head_lr * self.lr_mult:.3g} '
            f'(head {head_lr:.3g} x {self.lr_mult})' +
            (f', x {self.layer_decay} per stage below the top '
             f'(lowest {head_lr * self.lr_mult * min(scales.values()):.3g})'
             if self.layer_decay < 1. else '') + '.')

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

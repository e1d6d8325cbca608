"""The frozen prefix of a MobileNetV2 backbone run as an inference graph.

When the first stages of a backbone learn nothing (``frozen_stages``, or
the head-only epochs of :class:`~mmext.engine.hooks.UnfreezeHook`), a
training step still runs them as eager PyTorch modules. Here the longest run
of leading stages whose parameters all have ``requires_grad=False`` (the
*prefix*) runs under ``torch.no_grad()``; the stages of it that are entirely
in eval mode (BatchNorm an affine map) run on a copy with each BatchNorm
folded into the convolution before it, in channels-last, traced with
``torch.jit.trace``, frozen with ``torch.jit.freeze`` and, in the default
mode, passed through ``torch.jit.optimize_for_inference`` (oneDNN's
prepacked convolutions). A stage whose BatchNorm is in train mode
(MobileNetV2 keeps its stem's BatchNorm training under ``frozen_stages``
unless ``norm_eval``) uses the batch statistics and updates its running
statistics as before: it runs eagerly, without autograd.

The copy is rebuilt whenever the prefix changes (which stages are frozen or
in eval mode) or any of its tensors is replaced or written in place
(``load_state_dict``, resume): each step compares the tensors' storage and
version counters. It lives outside the module tree: ``state_dict()``,
checkpoints and the EMA copy hold the real weights only. Forwards without
autograd (validation, test and inference run under ``torch.no_grad()``) use
the backbone's own forward: EMAHook swaps the EMA weights in through
``.data``, which no version counter records, for validation only, and swaps
them back before training goes on.

    from mmext.engine.frozen_prefix import install_frozen_prefix
    install_frozen_prefix(model.backbone)  # forwards with autograd on
"""
import copy
import warnings
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

MODES = ('optimize', 'freeze', 'eager')


def supports(backbone: nn.Module) -> bool:
    """Whether the backbone runs MobileNetV2's forward (stem, then stages).

    Args:
        backbone: A backbone module.

    Returns:
        True for mmpretrain's ``MobileNetV2`` and subclasses that keep its
        ``forward``.
    """
    from mmpretrain.models.backbones import MobileNetV2
    return isinstance(backbone, MobileNetV2) and \
        type(backbone).forward is MobileNetV2.forward


def fold_batchnorms(module: nn.Module) -> int:
    """Fold every eval-mode BatchNorm after a convolution into it, in place.

    Handles mmcv's ``ConvModule`` (order conv, norm, act), the building
    block of mmpretrain's MobileNetV2.

    Args:
        module: A module in eval mode (a copy: its convolutions are
            replaced).

    Returns:
        The number of BatchNorms folded.
    """
    from mmcv.cnn import ConvModule
    folded = 0
    for sub in module.modules():
        if not (isinstance(sub, ConvModule) and sub.with_norm
                and tuple(sub.order[:2]) == ('conv', 'norm')
                and isinstance(sub.norm, nn.BatchNorm2d)
                and isinstance(sub.conv, nn.Conv2d) and not sub.norm.training
                and not sub.conv.training):
            continue
        sub.conv = fuse_conv_bn_eval(sub.conv, sub.norm)
        setattr(sub, sub.norm_name, nn.Identity())
        sub.with_norm = False
        folded += 1
    return folded


def _in_eval(module: nn.Module) -> bool:
    """No BatchNorm on batch statistics, no active dropout."""
    return not any(m.training for m in module.modules()
                   if isinstance(m, (nn.modules.batchnorm._NormBase,
                                     nn.modules.dropout._DropoutNd)))


def _frozen(module: nn.Module) -> bool:
    return not any(p.requires_grad for p in module.parameters())


def _tensors_key(modules: Sequence[nn.Module]) -> tuple:
    """Identity and version of every tensor: changes with any write."""
    return tuple((t.data_ptr(), t._version) for m in modules
                 for t in (*m.parameters(), *m.buffers()))


class FrozenPrefix:
    """The forward of a backbone whose frozen prefix runs as a graph.

    Installed as the backbone's ``forward`` by :func:`install_frozen_prefix`;
    a plain object, not a module, so no ``state_dict`` sees it.

    Args:
        backbone: The backbone.
        mode: ``'optimize'`` (trace, ``torch.jit.freeze`` and
            ``torch.jit.optimize_for_inference``), ``'freeze'`` (without the
            last) or ``'eager'`` (the folded copy as PyTorch modules).
    """

    def __init__(self, backbone: nn.Module, mode: str = 'optimize'):
        if mode not in MODES:
            raise ValueError(f'FrozenPrefix: mode={mode!r}; use one of '
                             f'{MODES}.')
        self.backbone = backbone
        self.mode = mode
        self.builds = 0  # graphs built so far (tests and logs read it)
        self._layout: tuple = ()
        self._graphs: List[Tuple[Optional[Callable], tuple]] = []

    def __deepcopy__(self, memo) -> 'FrozenPrefix':
        """A copy of the backbone gets an empty cache (rebuilt lazily)."""
        return FrozenPrefix(copy.deepcopy(self.backbone, memo), self.mode)

    def __getstate__(self) -> dict:
        """Pickled without the graphs (rebuilt lazily)."""
        return {'backbone': self.backbone, 'mode': self.mode}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state['backbone'], state['mode'])

    def __call__(self, x: torch.Tensor) -> tuple:
        """MobileNetV2's forward with the frozen prefix run by the graph."""
        backbone = self.backbone
        if not torch.is_grad_enabled():  # validation, test, inference
            return type(backbone).forward(backbone, x)
        length, x = self.run(backbone, x)
        if length == 0:
            return type(backbone).forward(backbone, x)
        outs = []
        for i, layer_name in enumerate(backbone.layers):
            if i >= length - 1:  # stage i + 1 is layer i
                x = getattr(backbone, layer_name)(x)
            if i in backbone.out_indices:
                outs.append(x)
        return tuple(outs)

    # -- the prefix ------------------------------------------------------
    @staticmethod
    def stages(backbone: nn.Module) -> List[nn.Module]:
        """The stem and the stages of a MobileNetV2, in forward order.

        Args:
            backbone: The backbone.

        Returns:
            ``[conv1, layer1, ..., layer7, conv2]``.
        """
        return [backbone.conv1
                ] + [getattr(backbone, name) for name in backbone.layers]

    @classmethod
    def plan(cls, backbone: nn.Module) -> tuple:
        """The prefix, as runs of stages alike in mode.

        The prefix is the longest run of leading stages (the stem counts as
        stage 0) without a trainable parameter; it ends early at the first
        stage whose output the backbone returns (``out_indices``).

        Args:
            backbone: The backbone.

        Returns:
            ``((start, end, in_eval), ...)`` over stage indices: the runs of
            the prefix whose stages are all in eval mode (``in_eval``) or
            not.
        """
        stages = cls.stages(backbone)
        length = 0
        while length < len(stages) and _frozen(stages[length]):
            length += 1
        if backbone.out_indices:  # layer i is stage i + 1
            length = min(length, min(backbone.out_indices) + 2)
        runs, start = [], 0
        for i in range(1, length + 1):
            if i == length or \
                    _in_eval(stages[i]) != _in_eval(stages[start]):
                runs.append((start, i, _in_eval(stages[start])))
                start = i
        return tuple(runs)

    def _build(self, modules: List[nn.Module],
               example: torch.Tensor) -> Callable:
        """The folded, channels-last copy of ``modules`` (eval mode)."""
        seq = copy.deepcopy(nn.Sequential(*modules)).eval()
        for param in seq.parameters():
            param.requires_grad_(False)
        fold_batchnorms(seq)
        seq = seq.to(memory_format=torch.channels_last)
        self.builds += 1
        if self.mode == 'eager':
            return seq
        with warnings.catch_warnings():
            # torch 2.9+ marks TorchScript deprecated (FutureWarning); it is
            # what folds and fuses here without a compiler toolchain
            warnings.simplefilter('ignore', FutureWarning)
            graph = torch.jit.trace(seq, example, check_trace=False)
            graph = torch.jit.freeze(graph)
            if self.mode == 'optimize':
                graph = torch.jit.optimize_for_inference(graph)
        return graph

    def run(self, backbone: nn.Module,
            x: torch.Tensor) -> Tuple[int, torch.Tensor]:
        """Run the prefix on ``x``, rebuilding the graphs that are stale.

        Args:
            backbone: The backbone the prefix belongs to.
            x: Its input batch.

        Returns:
            ``(n, y)``: the prefix is stages ``0 .. n - 1`` (``n == 0``:
            none, ``y is x``) and ``y`` its output, in ``x``'s memory
            format.
        """
        layout = self.plan(backbone)
        if layout != self._layout:
            self._layout = layout
            self._graphs = [(None, ())] * len(layout)
        if not layout:
            return 0, x
        channels_last = x.dim() == 4 and not x.is_contiguous() and \
            x.is_contiguous(memory_format=torch.channels_last)
        stages = self.stages(backbone)
        with torch.no_grad():
            for i, (start, end, in_eval) in enumerate(layout):
                modules = stages[start:end]
                if not in_eval:  # BatchNorm on batch statistics
                    for module in modules:
                        x = module(x)
                    continue
                x = x.contiguous(memory_format=torch.channels_last)
                graph, key = self._graphs[i]
                new_key = _tensors_key(modules) + (x.dtype, x.device.type)
                if graph is None or new_key != key:
                    graph = self._build(modules, x)
                    self._graphs[i] = (graph, new_key)
                x = graph(x)
        return layout[-1][1], x.contiguous(
            memory_format=torch.channels_last if channels_last else torch.
            contiguous_format)


def install_frozen_prefix(backbone: nn.Module,
                          mode: str = 'optimize') -> FrozenPrefix:
    """Make the backbone's forwards with autograd run its prefix fast.

    Idempotent. The backbone's ``state_dict`` is unchanged; a deep copy
    gets the fast forward with an empty cache.

    Args:
        backbone: A backbone for which :func:`supports` holds.
        mode: See :class:`FrozenPrefix`.

    Returns:
        The installed :class:`FrozenPrefix`.

    Raises:
        TypeError: The backbone is not supported.
    """
    if not supports(backbone):
        raise TypeError(
            f'install_frozen_prefix: {type(backbone).__name__} is not '
            "supported (it needs MobileNetV2's forward).")
    state = backbone.__dict__.get('forward')
    if not isinstance(state, FrozenPrefix) or state.mode != mode:
        state = FrozenPrefix(backbone, mode)
        backbone.__dict__['forward'] = state  # shadows the class's forward
    return state


def uninstall_frozen_prefix(backbone: nn.Module) -> None:
    """Give the backbone its own forward back (no-op if not installed).

    Args:
        backbone: The backbone.
    """
    if isinstance(backbone.__dict__.get('forward'), FrozenPrefix):
        del backbone.__dict__['forward']

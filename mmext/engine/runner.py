"""mmengine's ``Runner`` with a log a user can read.

mmengine logs, at INFO, the whole config (about 250 lines), the hook order
of every stage (about 100) and one ``paramwise_options`` line per parameter
tensor and setting (over 600 for MobileNetV2 with ``custom_keys``): a
2-epoch run's log was 1,033 lines (and its log file 1,501: mmengine also
writes three lines per parameter about its initialisation there).
:class:`QuietLogRunner` keeps each of them at DEBUG (``log_level='DEBUG'``
shows them) and logs one line in their place: where the config was saved,
the hooks in order, and one line per kind of optimizer parameter group.
Everything else is mmengine's.
"""
import logging
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional

from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmpretrain.registry import RUNNERS

# the long INFO records of mmengine, by the start of their message
CONFIG_DUMP = 'Config:\n'
HOOK_ORDER = 'Hooks will be executed in the following order:'
PARAMWISE = 'paramwise_options -- '
# BaseModule's per-parameter init info: '\n<name> - torch.Size([...]): ...'
INIT_INFO = re.compile(r'\n\S+ - torch\.Size\(')


class QuietLogFilter(logging.Filter):
    """Demote mmengine's long INFO records to DEBUG, with a short summary.

    Args:
        logger: The logger the filter is attached to (summaries go there).
        config_copy: Where the runner saves the config (named in the
            config record's summary).
    """

    def __init__(self, logger: logging.Logger, config_copy: str):
        super().__init__()
        self.logger = logger
        self.config_copy = config_copy

    def summary(self, msg: str) -> Optional[str]:
        """The INFO line that replaces ``msg``; ``''`` for none.

        Args:
            msg: A record's message.

        Returns:
            ``None`` when ``msg`` is not one of the long records, else the
            summary (``''``: the record is only demoted).
        """
        if msg.startswith(CONFIG_DUMP):
            lines = msg.count('\n')
            return (f'Config: {lines} lines, saved as {self.config_copy} '
                    "(log_level='DEBUG' prints them here).")
        if msg.startswith(HOOK_ORDER):
            names = re.findall(r'^\([A-Z_ ]+\) (\S+)', msg, re.M)
            return ('Hooks: ' + ', '.join(dict.fromkeys(names)) +
                    " (the order per stage at log_level='DEBUG').")
        if msg.startswith(PARAMWISE):
            return ''  # summed up by QuietLogRunner.build_optim_wrapper
        if INIT_INFO.match(msg):
            return ''
        return None

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote a long record (and log its summary first).

        Args:
            record: The record being logged.

        Returns:
            Always ``True``: the handlers' levels decide what is written.
        """
        if record.levelno != logging.INFO or not isinstance(record.msg, str):
            return True
        summary = self.summary(record.msg)
        if summary is None:
            return True
        record.levelno, record.levelname = logging.DEBUG, 'DEBUG'
        if summary:
            self.logger.info(summary)
        return True


def quiet_logger(logger: logging.Logger, config_copy: str) -> None:
    """Attach (once) a :class:`QuietLogFilter` to ``logger``.

    Args:
        logger: An mmengine logger.
        config_copy: Where the run's config is saved.
    """
    for old in [f for f in logger.filters if isinstance(f, QuietLogFilter)]:
        logger.removeFilter(old)
    logger.addFilter(QuietLogFilter(logger, config_copy))


def group_modules(model, param_groups: List[dict]) -> List[str]:
    """The top-level module (``backbone``, ``head``...) of each group.

    Args:
        model: The model (a wrapper is unwrapped).
        param_groups: An optimizer's ``param_groups``.

    Returns:
        One name per group: the module of its first parameter, ``'other'``
        when it holds none of the model's.
    """
    if is_model_wrapper(model):
        model = model.module
    owner = {
        id(p): name.split('.', 1)[0]
        for name, p in model.named_parameters()
    }
    return [
        next((owner[id(p)] for p in g['params'] if id(p) in owner), 'other')
        for g in param_groups
    ]


def _short(value) -> str:
    return f'{value:g}' if isinstance(value, float) else str(value)


def param_group_summary(model, param_groups: List[dict]) -> List[str]:
    """One line per kind of parameter group: module and settings.

    The settings shown are the learning rate and whatever differs between
    groups (weight decay, ``lr_mult``/``decay_mult``...), so the line says
    what ``paramwise_cfg`` did.

    Args:
        model: The model.
        param_groups: An optimizer's ``param_groups``.

    Returns:
        Lines such as ``backbone: 156 groups (156 tensors), lr=0,
        weight_decay=0, lr_mult=0, decay_mult=0``.
    """
    keys = sorted({k for g in param_groups for k in g} - {'params'})
    varied = [
        k for k in keys
        if k == 'lr' or len({repr(g.get(k))
                             for g in param_groups}) > 1
    ]
    varied = [k for k in varied if k != 'initial_lr']
    kinds: Dict[tuple, List[int]] = OrderedDict()
    for module, group in zip(group_modules(model, param_groups), param_groups):
        settings = tuple((k, _short(group[k])) for k in varied if k in group)
        count = kinds.setdefault((module, settings), [0, 0])
        count[0] += 1
        count[1] += len(group['params'])
    return [
        f'{module}: {groups} group{"s" * (groups > 1)} ({tensors} '
        f'tensor{"s" * (tensors > 1)}), ' + ', '.join(f'{k}={v}'
                                                      for k, v in settings)
        for (module, settings), (groups, tensors) in kinds.items()
    ]


@RUNNERS.register_module()
class QuietLogRunner(Runner):
    """mmengine's ``Runner``, logging long blocks as one line each.

    ``tools/train.py``, ``tools/test.py`` and ``tools/kfold.py`` build it
    for configs that name no ``runner_type`` (see
    :func:`mmext.apis.runner_setup.build_runner`); a config can also name it.
    """

    def build_logger(self, *args, **kwargs) -> MMLogger:
        """mmengine's logger, with :class:`QuietLogFilter` attached."""
        logger = super().build_logger(*args, **kwargs)
        name = (
            osp.basename(self.cfg.filename)
            if self.cfg.filename else f'{self.timestamp}.py')
        quiet_logger(logger, osp.join(self.work_dir, name))
        return logger

    def _init_model_weights(self) -> None:
        """mmengine's weight init, its per-parameter report at DEBUG.

        mmengine's ``BaseModule`` writes three lines per parameter straight
        into the log file when the logger has one (over 450 lines for
        MobileNetV2), else logs them; the file handlers are set aside while
        the weights are initialised, so they are logged (at DEBUG).
        """
        files = [
            h for h in self.logger.handlers
            if isinstance(h, logging.FileHandler)
        ]
        for handler in files:
            self.logger.removeHandler(handler)
        try:
            super()._init_model_weights()
        finally:
            for handler in files:
                self.logger.addHandler(handler)

    def build_optim_wrapper(self, optim_wrapper):
        """mmengine's optimizer wrapper, its parameter groups logged."""
        wrapper = super().build_optim_wrapper(optim_wrapper)
        optimizer = getattr(wrapper, 'optimizer', None)
        if optimizer is not None and len(optimizer.param_groups) > 1:
            lines = param_group_summary(self.model, optimizer.param_groups)
            self.logger.info(
                f'Optimizer: {len(optimizer.param_groups)} parameter groups '
                "(one paramwise_options line per tensor at log_level='DEBUG')"
                ':\n  ' + '\n  '.join(lines))
        return wrapper

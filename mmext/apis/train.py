"""The logic behind ``tools/train.py``.

It reuses mmpretrain's own ``merge_args`` (the same CLI behaviour users know
from mmpretrain) and adds early checks with clear messages, resuming after
an interrupted run and a strict check of ``load_from``.
"""
import argparse
import os
import os.path as osp
import re
import shlex
import sys
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

from ..checkpoint import check_checkpoint_matches
from ..engine.cpu_distributed import finish_distributed, setup_cpu_distributed
from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write
from ..utils.mim import mim_tool
from .auto_num_classes import resolve_auto_num_classes
from .config import check_values, fit_param_schedulers, load_config
from .runner_setup import (add_common_args, build_runner, check_common_args,
                           fit_dataloaders, gather_through_group)


def train_parser() -> argparse.ArgumentParser:
    """The arguments of mmpretrain's ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a garbage classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from a checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the LR by the actual total batch size vs '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    add_common_args(parser)
    return parser


def prepare_train_config(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge the training arguments into a loaded config.

    mmpretrain's ``merge_args`` (work dir, launcher, ``--amp``,
    ``--resume``, and its dataloader defaults: persistent workers, batched
    ``default_collate``), then this project's fitting of the schedules and
    the loaders to the run and the machine. ``tools/train.py`` and every
    fold of ``tools/kfold.py`` go through it, so a fold trains exactly as the
    same config would alone.

    Args:
        cfg: The config (changed in place and returned).
        args: Parsed :func:`train_parser` arguments.

    Returns:
        The merged config.
    """
    check_common_args(cfg, args)
    if args.auto_scale_lr and 'auto_scale_lr' not in cfg:
        raise ConfigError(
            f'--auto-scale-lr: {args.config} has no auto_scale_lr setting.',
            fix='add auto_scale_lr = dict(base_batch_size=<total batch size '
            'the LR was tuned for>) to the config.',
            path=args.config)
    cfg = mim_tool('train').merge_args(cfg, args)
    check_values(cfg, args.cfg_options)
    resolve_auto_num_classes(cfg)
    fit_param_schedulers(cfg)
    fit_dataloaders(cfg)
    gather_through_group(cfg)
    return cfg


def release_dataloader_workers(runner: Runner) -> None:
    """Stop the persistent dataloader workers of a finished run.

    Persistent workers live as long as their loader, and a runner held by a
    reference cycle lives until Python's next full collection: a process
    that trains several runs in a row (``tools/kfold.py``) would keep every
    earlier run's workers, and each of them shares the parent's memory
    copy-on-write. Called after ``runner.train()`` when more follows.

    Args:
        runner: A runner whose loops have been built.
    """
    for loop in (runner.train_loop, runner.val_loop):
        loader = getattr(loop, 'dataloader', None)
        iterator = getattr(loader, '_iterator', None)
        if iterator is not None and hasattr(iterator, '_shutdown_workers'):
            iterator._shutdown_workers()
            loader._iterator = None


def run_train(args: argparse.Namespace) -> Runner:
    """Train as ``tools/train.py`` does.

    Args:
        args: Parsed :func:`train_parser` arguments.

    Returns:
        The runner after training.
    """
    cfg = prepare_train_config(load_config(args.config), args)
    if cfg.get('resume') and not cfg.get('load_from'):
        repair_last_checkpoint(cfg.work_dir)
    setup_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    check_load_from(runner, cfg)
    try:
        runner.train()
    except BaseException as exc:
        if not interrupted(exc):
            raise
        raise KeyboardInterrupt(interrupted_message(cfg.work_dir)) from None
    finish_distributed()
    return runner


def resume_command(argv: Optional[Sequence[str]] = None) -> str:
    """The command line that resumes this training run.

    The same command with ``--resume`` (no value: the work dir's last
    checkpoint) in place of any ``--resume`` given.

    Args:
        argv: The arguments (default ``sys.argv``).

    Returns:
        A shell-quoted command line.
    """
    argv = list(sys.argv if argv is None else argv)
    kept, skip = [], False
    for i, arg in enumerate(argv[1:], 1):
        if skip:
            skip = False
            continue
        if arg == '--resume':
            # as argparse reads it: the next word is its value unless it is
            # an option
            skip = i + 1 < len(argv) and not argv[i + 1].startswith('-')
            continue
        if arg.startswith('--resume='):
            continue
        kept.append(arg)
    tool = argv[0]
    if osp.isabs(tool) and osp.abspath(tool).startswith(os.getcwd() + os.sep):
        tool = osp.relpath(tool)
    return ' '.join(
        shlex.quote(a) for a in ['python', tool, *kept, '--resume'])


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C, or was raised while handling one.

    mmengine's ``Config.pretty_text`` (run while a checkpoint is saved)
    turns any exception, a ``KeyboardInterrupt`` included, into a
    ``SyntaxError`` that shows the whole config.

    Args:
        exc: The exception that ended training.

    Returns:
        ``True`` when a ``KeyboardInterrupt`` is in its chain.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def interrupted_message(work_dir: str,
                        argv: Optional[Sequence[str]] = None) -> str:
    """The line printed when training is stopped with Ctrl-C.

    Args:
        work_dir: The run's work dir (its ``last_checkpoint`` pointer).
        argv: The command's arguments (default ``sys.argv``).

    Returns:
        One line: the last checkpoint and the command that resumes from it.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    last = None
    if osp.isfile(pointer):
        with open(pointer) as f:
            last = f.read().strip() or None
    if last is None or not osp.isfile(last):
        return ('Training interrupted (Ctrl-C) before the first checkpoint '
                f'was saved in {work_dir}: run the same command to start '
                'again.')
    return (f'Training interrupted (Ctrl-C). Last checkpoint: {last}; '
            f'resume from it with: {resume_command(argv)}')


def repair_last_checkpoint(work_dir: str) -> Optional[str]:
    """Point a broken ``last_checkpoint`` at the newest checkpoint file.

    mmengine writes the ``last_checkpoint`` pointer that ``--resume`` (no
    value) follows with a plain ``open()``, so a kill at the wrong moment can
    leave it empty, and a deleted checkpoint leaves it dangling. Then the
    newest ``epoch_N.pth``/``iter_N.pth`` in the work dir is used instead
    (the pointer is rewritten atomically, with a logged note).

    Args:
        work_dir: The run's work dir.

    Returns:
        The checkpoint the pointer names afterwards, or ``None``.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        named = f.read().strip()
    if named and osp.isfile(named):
        return named
    found = []
    for name in os.listdir(work_dir):
        m = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', name)
        if m:
            found.append((int(m.group(2)), osp.join(work_dir, name)))
    if not found:
        os.remove(pointer)
        print_log(
            f'{pointer} named {named or "nothing"} and no epoch_N.pth '
            'is left: training starts from the beginning.',
            logger='current',
            level=30)
        return None
    newest = max(found)[1]
    with atomic_write(pointer) as f:
        f.write(newest)
    print_log(
        f'{pointer} named {named or "nothing"} (an interrupted write or '
        f'a deleted file): resuming from the newest checkpoint, '
        f'{newest}.',
        logger='current',
        level=30)
    return newest


def check_load_from(runner: Runner, cfg: Config) -> None:
    """Refuse a ``load_from``/``--resume`` checkpoint of another model.

    mmengine loads ``load_from`` non-strictly and only warns about missing
    or mis-shaped weights, so a wrong file would silently train from
    (partly) random weights. Starting a new head from another model's
    backbone is what ``init_cfg=dict(type='Pretrained', prefix='backbone')``
    is for, and the message says so.

    Args:
        runner: The built runner (its model is checked).
        cfg: The merged config.
    """
    load_from = cfg.get('load_from')
    if not load_from or '://' in str(load_from):
        return
    try:
        check_checkpoint_matches(runner.model, load_from, cfg)
    except CheckpointError as exc:
        key = '--resume' if cfg.get('resume') else 'load_from'
        raise CheckpointError(
            f'{key}: {exc.message}',
            fix=f'{exc.fix[:-1]}; to start a new head from this '
            'checkpoint\'s backbone, pass --cfg-options load_from=None '
            f'model.backbone.init_cfg.type=Pretrained '
            f'model.backbone.init_cfg.checkpoint={load_from} '
            'model.backbone.init_cfg.prefix=backbone instead.',
            path=load_from) from None

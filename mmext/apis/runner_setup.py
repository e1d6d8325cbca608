"""What training and testing share: common arguments, loader fitting, runner.

Both commands reuse mmpretrain's own ``merge_args``; this module holds the
checks and config fitting that ``tools/train.py`` and ``tools/test.py`` do
alike, and how the runner is built.
"""
import argparse
import os

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine.runner import QuietLogRunner
from ..errors import ConfigError
from .config import CfgOptionsAction, check_cfg_options

LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi']


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add the options ``tools/train.py`` and ``tools/test.py`` share.

    Args:
        parser: The command's parser (changed in place).
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override settings in the config, key=value (e.g. '
        'model.head.num_classes=6 train_dataloader.batch_size=16)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (needs a CUDA GPU)')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def check_common_args(cfg: Config, args: argparse.Namespace) -> None:
    """Check the shared options against the config and the machine.

    Args:
        cfg: The loaded config.
        args: Parsed arguments with the :func:`add_common_args` options.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    check_cfg_options(cfg, args.cfg_options)
    if args.amp and not torch.cuda.is_available():
        raise ConfigError(
            '--amp (automatic mixed precision) needs a CUDA GPU, and none is '
            'visible on this machine.',
            fix='drop --amp to run in full precision on the CPU, or run on a '
            'GPU machine (check torch.cuda.is_available()).')


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fit_dataloaders(cfg: Config) -> None:
    """Fit loader options to the machine.

    More workers than CPUs only add processes competing with the model for
    the same cores (PyTorch warns about it): each process's worker count is
    capped at its share of the CPUs available (all of them, divided by the
    processes a launcher started on this machine). Pinned memory needs CUDA.
    """
    local_procs = max(1, int(os.environ.get('LOCAL_WORLD_SIZE', 1)))
    cpus = max(1, available_cpus() // local_procs)
    if not torch.cuda.is_available() and cfg.get('env_cfg', {}).get(
            'dist_cfg', {}).get('backend') == 'nccl':
        cfg.env_cfg.dist_cfg.backend = 'gloo'  # distributed on CPU needs gloo
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field)
        if not loader:
            continue
        if loader.get('num_workers', 0) > cpus:
            loader['num_workers'] = cpus
        if loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False
        if not torch.cuda.is_available():
            loader['pin_memory'] = False


def spans_several_nodes() -> bool:
    """Whether this process belongs to a job launched on several machines.

    torchrun sets ``WORLD_SIZE`` (all processes) and ``LOCAL_WORLD_SIZE``
    (those on this machine); Slurm sets ``SLURM_NNODES``.
    """
    world = int(os.environ.get('WORLD_SIZE', 1))
    local = int(os.environ.get('LOCAL_WORLD_SIZE', world))
    return world > local or int(os.environ.get('SLURM_NNODES', 1)) > 1


def _metric_cfgs(evaluator) -> list:
    """The metric dicts of an evaluator config (a dict, list or Evaluator)."""
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator = evaluator['metrics']
    if isinstance(evaluator, dict):
        return [evaluator]
    return [m for m in (evaluator or []) if isinstance(m, dict)]


def gather_through_group(cfg: Config) -> None:
    """On several nodes, gather metric results through the process group.

    mmengine's metrics default to ``collect_device='cpu'``: every rank
    pickles its results into ``.dist_test/`` under its working directory and
    rank 0 reads them back, which fails ("... is not an shared directory")
    unless all nodes share that folder. ``collect_device='gpu'`` gathers
    them with ``all_gather_object`` over the job's own connection instead
    (NCCL on GPUs, gloo on CPUs: the name is mmengine's). Metrics that set
    ``collect_device`` or ``collect_dir`` themselves are left as they are;
    runs on one machine keep mmengine's default.
    """
    if not spans_several_nodes():
        return
    for field in ('val_evaluator', 'test_evaluator'):
        for metric in _metric_cfgs(cfg.get(field)):
            if 'collect_device' not in metric and 'collect_dir' not in metric:
                metric['collect_device'] = 'gpu'


def build_runner(cfg: Config) -> Runner:
    """Build the runner the way mmpretrain's tools do.

    A config that names no ``runner_type`` gets mmengine's ``Runner`` with
    a readable log (:class:`~mmext.engine.runner.QuietLogRunner`).
    """
    if 'runner_type' not in cfg:
        return QuietLogRunner.from_cfg(cfg)
    return RUNNERS.build(cfg)

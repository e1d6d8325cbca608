"""The logic behind ``tools/train.py`` and ``tools/test.py``.

Both reuse mmpretrain's own ``merge_args`` (the same CLI behaviour users know
from mmpretrain) and add what this project needs: early checks with clear
messages, the CSV submission writer, and a strict checkpoint check at test.
"""
import argparse
import importlib.util
import os
import os.path as osp
from types import ModuleType

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine.cpu_distributed import setup_cpu_distributed
from ..errors import ConfigError
from .config import check_cfg_options, load_config

LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi']


def mim_tool(name: str) -> ModuleType:
    """Import mmpretrain's ``tools/<name>.py`` shipped inside its wheel.

    Args:
        name: ``'train'`` or ``'test'``.

    Returns:
        The module (its ``merge_args`` is what we reuse).
    """
    import mmpretrain
    pkg = osp.dirname(mmpretrain.__file__)
    for folder in (osp.join(pkg, '.mim', 'tools'),
                   osp.join(osp.dirname(pkg), 'tools')):
        path = osp.join(folder, f'{name}.py')
        if osp.isfile(path):
            spec = importlib.util.spec_from_file_location(
                f'mmpretrain_tools_{name}', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise ImportError(f'mmpretrain tools/{name}.py not found under {pkg}')


def _common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value (e.g. '
        'model.head.num_classes=6 train_dataloader.batch_size=16)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (needs a CUDA GPU)')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='disable pin_memory in the dataloaders')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def train_parser() -> argparse.ArgumentParser:
    """The arguments of mmpretrain's ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a garbage classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from a checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual total batch size vs '
                        'auto_scale_lr.base_batch_size')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='disable persistent_workers in the dataloaders')
    _common_args(parser)
    return parser


def test_parser() -> argparse.ArgumentParser:
    """The arguments of mmpretrain's ``tools/test.py`` plus CSV options."""
    parser = argparse.ArgumentParser(
        description='Test a garbage classifier and write predictions')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='output file: .csv writes the submission table (one row '
        'per image), any other suffix dumps mmpretrain\'s pickle')
    parser.add_argument('--out-item', choices=['metrics', 'pred'],
                        help='for non-CSV --out: dump metrics or predictions')
    parser.add_argument('--topk', type=int, default=1,
                        help='ranked predictions per image in the CSV')
    parser.add_argument('--show-dir', help='save visualized predictions here')
    parser.add_argument('--show', action='store_true',
                        help='display predictions in a window')
    parser.add_argument('--interval', type=int, default=1,
                        help='visualize every N-th sample')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each window stays up')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation (tta_pipeline/tta_model '
                        'from the config, else flip averaging)')
    _common_args(parser)
    return parser


def _check_common(cfg: Config, args) -> None:
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


def _fit_dataloaders(cfg: Config) -> None:
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


def build_runner(cfg: Config) -> Runner:
    """Build the runner the way mmpretrain's tools do."""
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def run_train(args: argparse.Namespace) -> Runner:
    """Train as ``tools/train.py`` does.

    Args:
        args: Parsed :func:`train_parser` arguments.

    Returns:
        The runner after training.
    """
    cfg = load_config(args.config)
    _check_common(cfg, args)
    if args.auto_scale_lr and 'auto_scale_lr' not in cfg:
        raise ConfigError(
            f'--auto-scale-lr: {args.config} has no auto_scale_lr setting.',
            fix='add auto_scale_lr = dict(base_batch_size=<total batch size '
            'the LR was tuned for>) to the config.', path=args.config)
    cfg = mim_tool('train').merge_args(cfg, args)
    _fit_dataloaders(cfg)
    setup_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    runner.train()
    return runner


def _drop_ema_hook(cfg: Config) -> None:
    """Testing needs no EMAHook: the checkpoint's state_dict holds the EMA.

    mmengine's EMAHook copies the loaded ``state_dict`` into its own model
    and swaps it in before testing. Under ``--tta`` its model is the TTA
    wrapper, whose keys carry a ``module.`` prefix, so nothing loads
    (silently, strict=False) and random weights would be tested.
    """
    hooks = cfg.get('custom_hooks') or []
    kept = [h for h in hooks if str(h.get('type', '')).split('.')[-1]
            != 'EMAHook']
    if len(kept) != len(hooks):
        cfg.custom_hooks = kept


def is_labeled(dataset_cfg: dict) -> bool:
    """Whether a dataset config yields ground-truth labels."""
    while dataset_cfg.get('dataset') is not None:  # wrappers
        dataset_cfg = dataset_cfg['dataset']
    return (dataset_cfg.get('with_label', True)
            and dataset_cfg.get('layout') != 'unlabeled')


def run_test(args: argparse.Namespace) -> dict:
    """Test as ``tools/test.py`` does; ``--out x.csv`` writes the submission.

    Args:
        args: Parsed :func:`test_parser` arguments.

    Returns:
        The metrics dict.
    """
    from mmengine.evaluator import DumpResults
    import mmengine

    from ..checkpoint import check_checkpoint_matches
    from ..fileio import check_writable

    if args.out is None and args.out_item is not None:
        raise ConfigError('--out-item needs --out.', fix='add --out FILE.')
    csv_out = bool(args.out) and args.out.lower().endswith('.csv')
    if args.out:
        check_writable(args.out)
    if args.topk < 1:
        raise ConfigError(f'--topk must be at least 1, got {args.topk}.')
    cfg = load_config(args.config)
    _check_common(cfg, args)
    _drop_ema_hook(cfg)
    cfg = mim_tool('test').merge_args(cfg, args)
    _fit_dataloaders(cfg)
    setup_cpu_distributed(cfg, args.launcher)
    if csv_out:
        metrics = cfg.get('test_evaluator') or []
        metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        if not is_labeled(cfg.test_dataloader.dataset):
            metrics = []  # accuracy needs labels; a leaderboard test set has none
        metrics.append(dict(type='SubmissionWriter', out_file=args.out,
                            topk=args.topk))
        cfg.test_evaluator = metrics
    runner = build_runner(cfg)
    check_checkpoint_matches(runner.model, args.checkpoint, cfg)
    from ..evaluation.calibration import attach_temperature
    attach_temperature(runner.model, args.checkpoint, log=True)  # calibrate.py
    if args.out and not csv_out and args.out_item in ('pred', None):
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    return metrics

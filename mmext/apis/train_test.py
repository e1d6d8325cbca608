"""The logic behind ``tools/train.py`` and ``tools/test.py``.

Both reuse mmpretrain's own ``merge_args`` (the same CLI behaviour users know
from mmpretrain) and add what this project needs: early checks with clear
messages, the CSV submission writer, and a strict checkpoint check at test.
"""
import argparse
import os
import os.path as osp
import shlex
import sys
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine.cpu_distributed import finish_distributed, setup_cpu_distributed
from ..engine.runner import QuietLogRunner
from ..errors import ConfigError, DataError
from ..evaluation.submission import CSV_ENCODINGS, nan_error
from ..utils.mim import mim_tool
from .auto_num_classes import resolve_auto_num_classes
from .config import (CfgOptionsAction, check_cfg_options, check_values,
                     fit_param_schedulers, load_config)

LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi']


def _common_args(parser: argparse.ArgumentParser) -> None:
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
    _common_args(parser)
    return parser


def test_parser() -> argparse.ArgumentParser:
    """The arguments of mmpretrain's ``tools/test.py`` plus CSV options."""
    parser = argparse.ArgumentParser(
        description='Test a garbage classifier and write predictions')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='output file: .csv writes the submission table (one row '
        'per image), any other suffix dumps mmpretrain\'s pickle')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='for non-CSV --out: dump metrics or predictions')
    parser.add_argument(
        '--topk',
        type=int,
        default=1,
        help='ranked predictions per image in the CSV')
    parser.add_argument(
        '--test-dir',
        metavar='FOLDER',
        help='predict every image below FOLDER (no labels needed, e.g. a '
        'leaderboard test set) instead of the config\'s test set; class '
        'names and bins stay the config\'s (or the checkpoint\'s)')
    parser.add_argument(
        '--csv-encoding',
        choices=CSV_ENCODINGS,
        default='utf-8',
        help='utf-8 (default: plain UTF-8, what graders read) or utf-8-sig '
        '(a byte-order mark first, so Excel shows Chinese class names)')
    parser.add_argument('--show-dir', help='save visualized predictions here')
    parser.add_argument(
        '--show', action='store_true', help='display predictions in a window')
    parser.add_argument(
        '--interval', type=int, default=1, help='visualize every N-th sample')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='seconds each window stays up')
    parser.add_argument(
        '--tta',
        action='store_true',
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


def _gather_through_group(cfg: Config) -> None:
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
    _check_common(cfg, args)
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
    _fit_dataloaders(cfg)
    _gather_through_group(cfg)
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
    except KeyboardInterrupt:
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
    import re

    from mmengine.logging import print_log

    from ..fileio import atomic_write
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
    from ..checkpoint import check_checkpoint_matches
    from ..errors import CheckpointError
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


def _drop_ema_hook(cfg: Config) -> None:
    """Testing needs no EMAHook: the checkpoint's state_dict holds the EMA.

    mmengine's EMAHook copies the loaded ``state_dict`` into its own model
    and swaps it in before testing. Under ``--tta`` its model is the TTA
    wrapper, whose keys carry a ``module.`` prefix, so nothing loads
    (silently, strict=False) and random weights would be tested.
    """
    hooks = cfg.get('custom_hooks') or []
    kept = [
        h for h in hooks
        if not str(h.get('type', '')).split('.')[-1].endswith('EMAHook')
    ]
    if len(kept) != len(hooks):
        cfg.custom_hooks = kept


def is_labeled(dataset_cfg: dict) -> bool:
    """Whether a dataset config yields ground-truth labels."""
    while dataset_cfg.get('dataset') is not None:  # wrappers
        dataset_cfg = dataset_cfg['dataset']
    return (dataset_cfg.get('with_label', True)
            and dataset_cfg.get('layout') != 'unlabeled')


def _checkpoint_classes(checkpoint: str) -> Optional[list]:
    """The class names training stored in the checkpoint's meta, if any."""
    from ..checkpoint import safe_torch_load
    if '://' in checkpoint or not osp.isfile(checkpoint):
        return None
    ckpt = safe_torch_load(checkpoint, 'cpu')
    meta = ckpt.get('meta') or {} if isinstance(ckpt, dict) else {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    return list(classes) if classes else None


def _leaf_dataset(dataset_cfg: dict) -> dict:
    """The innermost dataset of wrappers (RepeatDataset, feature caches...)."""
    while isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def use_test_dir(cfg: Config,
                 folder: str,
                 checkpoint: Optional[str] = None) -> None:
    """Point ``cfg.test_dataloader`` at every image below ``folder``.

    The test set becomes an unlabeled :class:`GarbageDataset` (natural file
    order) with the config's test pipeline, class names and bins; where the
    config's class-name file is not on this machine (or the config takes
    class names from folders), the names stored in the checkpoint are used.

    Args:
        cfg: The loaded config (changed in place).
        folder: The image folder.
        checkpoint: The checkpoint, for its stored class names.
    """
    if not osp.isdir(folder):
        raise DataError(
            f'--test-dir {folder} is not a folder.',
            fix='pass the folder that holds the test images.',
            path=folder)
    loader = cfg.get('test_dataloader')
    if not loader or not loader.get('dataset'):
        raise ConfigError(
            '--test-dir: the config has no test_dataloader, so '
            'its test pipeline is unknown.',
            fix='use the training config of the checkpoint.')
    leaf = _leaf_dataset(loader['dataset'])
    pipeline = list(leaf.get('pipeline') or [])
    if not any('LoadImage' in str(t.get('type', ''))
               for t in pipeline if isinstance(t, dict)):
        # array data sets (MNIST, digits) load no files: read them as images
        # with as many channels as the model normalises
        mean = (cfg.get('data_preprocessor') or {}).get('mean') or [0, 0, 0]
        pipeline.insert(
            0,
            dict(
                type='LoadImageFromFile',
                color_type='grayscale' if len(mean) == 1 else 'color'))
    data_root = leaf.get('data_root', '') or ''
    classes = leaf.get('classes')
    if isinstance(classes, str):
        path = classes if (osp.isabs(classes) or osp.isfile(classes)
                           or not data_root) else osp.join(data_root, classes)
        classes = osp.abspath(path) if osp.isfile(path) else None
    if classes is None:
        meta = (leaf.get('metainfo') or {}).get('classes')
        classes = list(meta) if meta else (
            _checkpoint_classes(checkpoint) if checkpoint else None)
    loader['dataset'] = dict(
        type='GarbageDataset',
        data_root=data_root,
        data_prefix=osp.abspath(folder),
        ann_file='',
        layout='unlabeled',
        classes=classes,
        class_bins=leaf.get('class_bins'),
        test_mode=True,
        pipeline=pipeline)
    loader['sampler'] = dict(type='DefaultSampler', shuffle=False)


def _use_flip_tta(cfg: Config) -> None:
    """``--tta``: average over the flips training used (:mod:`.tta`)."""
    from mmengine.logging import print_log

    from .tta import num_views, set_flip_tta, training_flips
    flips = set_flip_tta(cfg)
    if flips is not None:
        names = ' x '.join('/'.join(d) for d in flips)
        why = ('the flips of the training pipeline' if training_flips(cfg) else
               'stock flip TTA: the training pipeline does not flip')
        print_log(
            f'TTA: averaging {num_views(flips)} views, the test image and '
            f'its flips ({names}; {why})',
            logger='current')


def run_test(args: argparse.Namespace) -> dict:
    """Test as ``tools/test.py`` does; ``--out x.csv`` writes the submission.

    Args:
        args: Parsed :func:`test_parser` arguments.

    Returns:
        The metrics dict.
    """
    import mmengine
    from mmengine.evaluator import DumpResults

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
    options = args.cfg_options
    test_dir = getattr(args, 'test_dir', None)
    if test_dir:
        if not args.out or args.out_item == 'metrics':
            raise ConfigError(
                '--test-dir predicts images without labels, so there is no '
                'metric to print.',
                fix='add --out preds.csv.')
        if args.cfg_options:  # before the test set is replaced
            cfg.merge_from_dict(args.cfg_options)
            args = argparse.Namespace(**dict(vars(args), cfg_options=None))
        use_test_dir(cfg, test_dir, args.checkpoint)
        cfg.test_evaluator = []  # no labels, no accuracy: only the outputs
    if args.tta:
        _use_flip_tta(cfg)
    cfg = mim_tool('test').merge_args(cfg, args)
    check_values(cfg, options)
    resolve_auto_num_classes(cfg, args.checkpoint, ['test_dataloader'])
    _fit_dataloaders(cfg)
    setup_cpu_distributed(cfg, args.launcher)
    if csv_out:
        metrics = cfg.get('test_evaluator') or []
        metrics = list(metrics) if isinstance(metrics,
                                              (list, tuple)) else [metrics]
        if not is_labeled(cfg.test_dataloader.dataset):
            metrics = [
            ]  # accuracy needs labels; a leaderboard test set has none
        metrics.append(
            dict(
                type='SubmissionWriter',
                out_file=args.out,
                topk=args.topk,
                encoding=getattr(args, 'csv_encoding', 'utf-8')))
        cfg.test_evaluator = metrics
    _gather_through_group(cfg)
    runner = build_runner(cfg)
    check_checkpoint_matches(runner.model, args.checkpoint, cfg)
    from ..evaluation.calibration import attach_temperature
    attach_temperature(runner.model, args.checkpoint, log=True)  # calibrate.py
    if args.out and not csv_out and args.out_item in ('pred', None):
        runner.test_evaluator.metrics.append(
            DumpResults(
                out_file_path=args.out,
                collect_device='gpu' if spans_several_nodes() else 'cpu'))
    metrics = runner.test()
    finish_distributed()  # every rank has the metrics
    bad = (metrics or {}).get('submission/nan_predictions')
    if bad:  # every rank gets the metrics, so every rank stops here
        raise nan_error(
            int(bad), len(runner.test_dataloader.dataset), args.out)
    if args.out and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    return metrics


def predict_parser() -> argparse.ArgumentParser:
    """The arguments of ``tools/predict.py``."""
    parser = argparse.ArgumentParser(
        description='Classify images: print top-k classes, or write the '
        'submission CSV with --out',
        usage='%(prog)s IMAGES CONFIG CHECKPOINT [options]\n'
        '       %(prog)s CONFIG CHECKPOINT --test-dir FOLDER --out preds.csv '
        '[options]')
    parser.add_argument(
        'positional',
        nargs='+',
        metavar='IMAGES CONFIG CHECKPOINT',
        help='an image file or a folder of images (left out with '
        '--test-dir), the config the checkpoint was trained with, and the '
        'checkpoint')
    parser.add_argument(
        '--test-dir',
        metavar='FOLDER',
        help='the folder of images (instead of IMAGES)')
    parser.add_argument(
        '--out',
        help='write the submission CSV here (the '
        'same table as tools/test.py --out)')
    parser.add_argument(
        '--csv-encoding',
        choices=CSV_ENCODINGS,
        default='utf-8',
        help='see tools/test.py')
    parser.add_argument(
        '--topk', type=int, default=1, help='ranked classes per image')
    parser.add_argument(
        '--device', help='cpu or cuda (default: cuda if '
        'available)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument(
        '--tta',
        action='store_true',
        help='average over the image and its flips as training flipped it '
        '(the views of tools/test.py --tta)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config keys')
    return parser


def run_predict(args: argparse.Namespace) -> str:
    """Predict as ``tools/predict.py`` does.

    Args:
        args: Parsed :func:`predict_parser` arguments.

    Returns:
        The printed lines (one per image), or a one-line summary when the
        CSV was written.
    """
    from ..evaluation.submission import (invalid_name, nan_rows,
                                         predictions_frame, write_csv)
    from ..fileio import check_writable
    from .inference import Predictor, format_predictions

    pos = list(args.positional)
    if args.test_dir:
        if len(pos) != 2:
            raise ConfigError(
                f'With --test-dir, pass CONFIG CHECKPOINT (got {len(pos)} '
                f'positional arguments: {pos}).',
                fix='python tools/predict.py CONFIG CKPT --test-dir FOLDER '
                '--out preds.csv')
        images, (config, checkpoint) = args.test_dir, pos
    elif len(pos) == 3:
        images, config, checkpoint = pos
    else:
        raise ConfigError(
            f'Expected IMAGES CONFIG CHECKPOINT, got {len(pos)} positional '
            f'arguments: {pos}.',
            fix='python tools/predict.py IMAGE_OR_FOLDER CONFIG CKPT, or '
            'python tools/predict.py CONFIG CKPT --test-dir FOLDER.')
    if args.out:
        if not args.out.lower().endswith('.csv'):
            raise ConfigError(
                f'--out {args.out}: predict.py writes .csv '
                'files.',
                fix='name it e.g. preds.csv.')
        check_writable(args.out)
    check_cfg_options(load_config(config), args.cfg_options)
    predictor = Predictor(
        config, checkpoint, args.device, args.cfg_options, tta=args.tta)
    results = predictor(images, topk=args.topk, batch_size=args.batch_size)
    if not args.out:
        return format_predictions(results, images if osp.isdir(images) else '')
    frame = predictions_frame([
        dict(sample_idx=i, img_path=r['file'], pred_score=r['scores_all'])
        for i, r in enumerate(results)
    ], predictor.classes, args.topk, predictor.class_to_bin, predictor.bins)
    bad = nan_rows(frame)
    if bad:
        write_csv(frame, invalid_name(args.out), args.csv_encoding)
        raise nan_error(bad, len(frame), args.out)
    write_csv(frame, args.out, args.csv_encoding)
    return f'Wrote {len(frame)} predictions to {args.out}'

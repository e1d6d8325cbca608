"""The logic behind ``tools/test.py``.

It reuses mmpretrain's own ``merge_args`` and adds the CSV submission
writer, ``--test-dir`` (an unlabeled image folder), flip TTA and a strict
checkpoint check.
"""
import argparse
import os.path as osp
from typing import Optional

import mmengine
from mmengine.config import Config
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log

from ..checkpoint import check_checkpoint_matches
from ..datasets.wrappers import innermost_dataset
from ..engine.cpu_distributed import finish_distributed, setup_cpu_distributed
from ..errors import ConfigError, DataError
from ..evaluation.submission import CSV_ENCODINGS, nan_error
from ..evaluation.temperature import attach_temperature
from ..fileio import check_writable
from ..utils.mim import mim_tool
from .auto_num_classes import checkpoint_classes, resolve_auto_num_classes
from .config import check_values, load_config
from .runner_setup import (add_common_args, build_runner, check_common_args,
                           fit_dataloaders, gather_through_group,
                           spans_several_nodes)
from .tta import num_views, set_flip_tta, training_flips


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
    add_common_args(parser)
    return parser


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
    dataset_cfg = innermost_dataset(dataset_cfg)
    return (dataset_cfg.get('with_label', True)
            and dataset_cfg.get('layout') != 'unlabeled')


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
    leaf = innermost_dataset(loader['dataset'])
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
            checkpoint_classes(checkpoint) if checkpoint else None)
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
    if args.out is None and args.out_item is not None:
        raise ConfigError('--out-item needs --out.', fix='add --out FILE.')
    csv_out = bool(args.out) and args.out.lower().endswith('.csv')
    if args.out:
        check_writable(args.out)
    if args.topk < 1:
        raise ConfigError(f'--topk must be at least 1, got {args.topk}.')
    cfg = load_config(args.config)
    check_common_args(cfg, args)
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
    fit_dataloaders(cfg)
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
    gather_through_group(cfg)
    runner = build_runner(cfg)
    check_checkpoint_matches(runner.model, args.checkpoint, cfg)
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

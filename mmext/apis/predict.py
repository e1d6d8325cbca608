"""The logic behind ``tools/predict.py``."""
import argparse
import os.path as osp

from ..errors import ConfigError
from ..evaluation.submission import (CSV_ENCODINGS, invalid_name, nan_error,
                                     nan_rows, predictions_frame, write_csv)
from ..fileio import check_writable
from .config import CfgOptionsAction, check_cfg_options, load_config
from .inference import Predictor, format_predictions


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

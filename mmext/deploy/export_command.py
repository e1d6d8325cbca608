"""The logic behind ``tools/deploy/export_onnx.py``."""
import argparse
import os
import os.path as osp
from typing import Dict

from mmengine.config import DictAction

from ..apis.config import check_cfg_options, load_config
from ..fileio import check_writable
from ..utils.images import list_images
from .input_images import prepare_images, sample_images
from .onnx_check import compare_with_pytorch
from .onnx_export import CONTRACT, EXPORTERS, ExportError, export_onnx
from .pytorch_model import load_classifier


def export_parser() -> argparse.ArgumentParser:
    """Arguments of ``tools/deploy/export_onnx.py``."""
    parser = argparse.ArgumentParser(
        description='Export CONFIG + CHECKPOINT to ONNX (preprocessing built '
        'in) and check onnxruntime against PyTorch on real images.')
    parser.add_argument('config', help='the config the model was trained with')
    parser.add_argument('checkpoint', help='the trained checkpoint')
    parser.add_argument(
        '--out',
        help='output .onnx file (default: the '
        'checkpoint path with the suffix .onnx)')
    parser.add_argument(
        '--opset',
        type=int,
        default=18,
        help='ONNX opset (18 needs onnxruntime >= 1.14)')
    parser.add_argument(
        '--exporter',
        choices=EXPORTERS,
        default='dynamo',
        help='dynamo: torch.export-based (PyTorch\'s default, '
        'needs onnxscript); torchscript: the legacy tracer '
        '(wrong for Swin; the check catches it)')
    parser.add_argument(
        '--images',
        nargs='+',
        help='image files or folders for the check (default: '
        '--num-images spread over the config\'s test set)')
    parser.add_argument(
        '--num-images',
        type=int,
        default=8,
        help='images taken from the test set for the check')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='largest accepted |score difference| between '
        'onnxruntime and PyTorch')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.dataset.'
        'data_root=data/trashnet-150px')
    return parser


def run_export(args: argparse.Namespace) -> Dict[str, float]:
    """Export, then verify; a model that fails the check is not kept.

    Args:
        args: Parsed :func:`export_parser` arguments.

    Returns:
        The comparison of :func:`compare_with_pytorch`.
    """
    out = args.out or osp.splitext(args.checkpoint)[0] + '.onnx'
    if not out.endswith('.onnx'):
        raise ExportError(
            f'--out {out}: expected a .onnx file name.',
            fix='e.g. --out model.onnx.')
    check_writable(out)
    if args.atol <= 0:
        raise ExportError(f'--atol must be positive, got {args.atol}.')
    cfg = load_config(args.config)
    check_cfg_options(cfg, args.cfg_options)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    paths = (
        list_images(args.images) if args.images else sample_images(
            cfg, args.num_images))
    model = load_classifier(cfg, args.checkpoint)
    height, width = prepare_images(cfg, paths[:1]).shape[1:3]
    classes = getattr(model, '_dataset_meta', {}).get('classes')
    export_onnx(model, out, int(height), int(width), args.opset, classes,
                args.exporter)
    result = compare_with_pytorch(model, cfg, out, paths)
    print(f'Wrote {out}\n'
          f'  input  "image": uint8 (N, {height}, {width}, 3), BGR; '
          f'{CONTRACT}\n'
          f'  classes: {list(classes) if classes else "(not in checkpoint)"}\n'
          f'Check on {result["images"]} images (test pipeline applied): '
          f'max |onnxruntime - PyTorch| score = {result["max_abs_diff"]:.3g} '
          f'(tolerance {args.atol:g}), same top-1 class for '
          f'{result["top1_agree"]:.0%} of them.')
    if result['max_abs_diff'] > args.atol or result['top1_agree'] < 1:
        os.remove(out)
        raise ExportError(
            f'The exported model disagrees with PyTorch: max score '
            f'difference {result["max_abs_diff"]:.3g} > {args.atol:g} or a '
            f'different top-1 class; {out} was removed.',
            fix='try the other --exporter or another --opset; otherwise '
            'report the config and the torch/onnx/onnxruntime versions.',
            path=out)
    print('OK: onnxruntime matches PyTorch within the tolerance.')
    return result

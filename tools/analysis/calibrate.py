# Temperature scaling: fit one temperature on the val set and store it in the
# checkpoint (meta.calibration), so tools/test.py, tools/predict.py, the demo
# and pseudo-labelling report calibrated scores:
#   python tools/analysis/calibrate.py CONFIG CKPT [--out calibrated.pth]
#       [--plot reliability.png] [--dry-run] [--remove]
# Logic lives in mmext.apis.calibration.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402
from mmext.utils.arguments import add_config_checkpoint, add_device


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fit temperature scaling on val and store it with the '
        'checkpoint')
    add_config_checkpoint(parser)
    parser.add_argument(
        '--split',
        default='val',
        choices=['val', 'test'],
        help='labelled split to fit on (default val)')
    parser.add_argument(
        '--out',
        help='write the calibrated checkpoint here '
        '(default: update CKPT in place, atomically)')
    parser.add_argument(
        '--plot', help='save the before/after reliability '
        'diagram (PNG)')
    parser.add_argument(
        '--bins', type=int, default=15, help='confidence bins of the ECE')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='report ECE before/after, write nothing')
    parser.add_argument(
        '--remove',
        action='store_true',
        help='remove a stored temperature (raw scores again)')
    add_device(parser)
    parser.add_argument('--batch-size', type=int, default=8)
    add_cfg_options(parser)
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.calibration import calibrate_checkpoint
    from mmext.evaluation.temperature import write_calibration
    from mmext.fileio import check_writable
    args = parse_args(argv)
    if args.remove:
        out = write_calibration(args.checkpoint, None, args.out)
        print(f'removed the temperature: {out} gives raw scores')
        return
    for path in (args.out, args.plot):
        if path:
            check_writable(path)
    s = calibrate_checkpoint(
        args.config,
        args.checkpoint,
        args.split,
        args.out,
        args.device,
        args.batch_size,
        args.bins,
        args.plot,
        args.cfg_options,
        write=not args.dry_run)
    print(f'{s["images"]} {args.split} images, top-1 accuracy '
          f'{s["accuracy"]:.2f}% (unchanged by scaling)')
    print(f'temperature {s["temperature"]:.3f}')
    print(f'ECE {s["ece"] * 100:.2f}% -> {s["ece_scaled"] * 100:.2f}%   '
          f'NLL {s["nll"]:.4f} -> {s["nll_scaled"]:.4f}')
    if args.plot:
        print(f'reliability diagram: {args.plot}')
    if not args.dry_run:
        print(f'stored in {s["checkpoint"]} (meta.calibration); tools/test.py,'
              ' tools/predict.py, tools/demo.py and tools/pseudo_label.py now '
              'report calibrated scores')


if __name__ == '__main__':
    main()

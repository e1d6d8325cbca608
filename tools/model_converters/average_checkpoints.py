# Average checkpoints of one model ("model soup") into a normal checkpoint:
#   python tools/model_converters/average_checkpoints.py \
#       --work-dir work_dirs/my_run --last 3 \
#       --out work_dirs/my_run/soup_last3.pth
#   python tools/model_converters/average_checkpoints.py a.pth b.pth \
#       --out soup.pth
# then: python tools/test.py CONFIG soup.pth --out preds.csv
# Logic lives in mmext.apis.soup.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Average checkpoints of the same model (uniform soup)')
    parser.add_argument(
        'checkpoints', nargs='*', help='checkpoint files (or use --work-dir)')
    parser.add_argument('--work-dir', help='pick checkpoints of this run')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--last', type=int, help='the last N epoch_*.pth of --work-dir')
    group.add_argument(
        '--best',
        type=int,
        help='the best N epochs (on disk) of --work-dir by '
        '--metric in vis_data/scalars.json')
    parser.add_argument(
        '--metric',
        default='accuracy/top1',
        help='validation metric for --best')
    parser.add_argument(
        '--rule',
        choices=['greater', 'less'],
        default='greater',
        help='for --best')
    ema = parser.add_mutually_exclusive_group()
    ema.add_argument(
        '--use-ema',
        action='store_true',
        help='average the EMA weights of EMAHook runs (what '
        'mmengine saves as state_dict; refuses other runs)')
    ema.add_argument(
        '--raw',
        action='store_true',
        help='average the raw (non-EMA) weights of EMAHook runs')
    parser.add_argument(
        '--out',
        help='output .pth (default: '
        '<work-dir>/soup_<last|best><N>.pth)')
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.soup import (average_checkpoints, default_out,
                                 select_checkpoints)
    from mmext.errors import ConfigError
    args = parse_args(argv)
    if args.work_dir:
        if args.checkpoints:
            raise ConfigError('Pass checkpoint files or --work-dir, not both.')
        if args.last is None and args.best is None:
            raise ConfigError('--work-dir needs --last N or --best N.')
        paths = select_checkpoints(
            args.work_dir,
            last=args.last,
            best=args.best,
            metric=args.metric,
            rule=args.rule)
        out = args.out or default_out(args.work_dir, args.last or args.best,
                                      'last' if args.last else 'best')
    else:
        if not args.checkpoints:
            raise ConfigError(
                'No checkpoints given.',
                fix='pass files, or --work-dir DIR --last N.')
        if args.last is not None or args.best is not None:
            raise ConfigError('--last/--best need --work-dir.')
        if not args.out:
            raise ConfigError('--out is required with checkpoint files.')
        paths, out = args.checkpoints, args.out
    weights = 'ema' if args.use_ema else 'raw' if args.raw else 'state_dict'
    average_checkpoints(paths, out, weights=weights)
    print(f'Averaged {len(paths)} checkpoints ({weights}):')
    for p in paths:
        print(f'  {p}')
    print(f'-> {out}')


if __name__ == '__main__':
    main()

# Average the class scores of several models into one submission CSV:
#   python tools/ensemble.py --csv a.csv b.csv --out ens.csv
#   python tools/ensemble.py --model cfg1.py a.pth --model cfg2.py b.pth \
#       --images data/test_folder --out ens.csv
# CSVs must list every class: tools/test.py CONFIG CKPT --out a.csv --topk C.
# Logic lives in mmext.apis.ensemble.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.errors import friendly_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Ensemble prediction CSVs and/or models by averaging '
        'their class scores')
    parser.add_argument(
        '--csv',
        nargs='+',
        default=[],
        help='prediction CSVs of tools/test.py written with '
        '--topk <number of classes>')
    parser.add_argument(
        '--model',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG', 'CHECKPOINT'),
        help='a model to run over --images (repeatable)')
    parser.add_argument('--images', help='image folder for the --model pairs')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        help='one weight per source: the CSVs in order, then '
        'the models in order (default: equal)')
    parser.add_argument(
        '--topk',
        type=int,
        default=1,
        help='ranked predictions per image in the output')
    parser.add_argument('--device', help='cpu or cuda (for --model)')
    parser.add_argument('--out', required=True, help='output .csv')
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.ensemble import ensemble
    from mmext.errors import ConfigError
    from mmext.fileio import check_writable
    args = parse_args(argv)
    if not args.out.lower().endswith('.csv'):
        raise ConfigError(f'--out must be a .csv file, got {args.out}.')
    check_writable(args.out)
    sources = list(args.csv) + [tuple(m) for m in args.model]
    if not sources:
        raise ConfigError(
            'No prediction sources.',
            fix='pass --csv files and/or --model CONFIG CKPT.')
    frame = ensemble(sources, args.out, args.weights, args.topk, args.images,
                     args.device)
    print(f'Ensembled {len(sources)} sources over {len(frame)} images '
          f'-> {args.out}')
    if 'gt_label' in frame.columns and len(frame):
        acc = (frame['pred_label'] == frame['gt_label']).mean() * 100
        print(f'top-1 accuracy of the ensemble: {acc:.2f}')


if __name__ == '__main__':
    main()

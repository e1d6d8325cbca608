# Pseudo-labelling: predict an unlabeled folder and write the confident
# predictions as a label list that a config can add to training:
#   python tools/pseudo_label.py CONFIG CKPT data/unlabeled --thr 0.9 \
#       --out data/trashnet/meta/pseudo.txt \
#       [--exclude data/trashnet/meta/val.txt]
# Images of the config's training set (and of --exclude lists) are never
# written, also not as copies under another name. See
# configs/recipe/*_pseudo.py for training with the list.
# Logic lives in mmext.apis.pseudo_label.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_config_checkpoint  # noqa: E402
from mmext.utils.arguments import add_device  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write confident predictions as pseudo-labels')
    add_config_checkpoint(parser)
    parser.add_argument(
        'unlabeled_dir',
        help='folder of unlabeled images '
        '(the written paths are relative to it)')
    parser.add_argument(
        '--thr',
        type=float,
        default=0.9,
        help='keep images whose top score is >= this')
    parser.add_argument(
        '--out',
        required=True,
        help='output list, e.g. data/x/meta/pseudo.txt')
    parser.add_argument(
        '--exclude',
        nargs='+',
        default=[],
        help='more label lists whose images must not be '
        'pseudo-labelled (besides the config\'s training set)')
    parser.add_argument(
        '--exclude-root',
        help='folder the --exclude paths '
        'are relative to (default: the image folder of the '
        'config\'s training set)')
    parser.add_argument(
        '--no-config-train',
        action='store_true',
        help='do not exclude the config\'s training set')
    add_device(parser)
    parser.add_argument('--batch-size', type=int, default=8)
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.pseudo_label import pseudo_label
    from mmext.fileio import check_writable
    args = parse_args(argv)
    check_writable(args.out)
    res = pseudo_label(args.config, args.checkpoint, args.unlabeled_dir,
                       args.thr, args.out, args.exclude, args.exclude_root,
                       not args.no_config_train, args.device, args.batch_size)
    print(f'{len(res["lines"])} of {res["total"]} images pseudo-labelled '
          f'(top score >= {args.thr}) -> {args.out}')
    print(f'  dropped: {res["below_thr"]} below the threshold, '
          f'{res["in_train"]} already training images, '
          f'{res["duplicate"]} duplicates')
    for name, n in res['per_class'].items():
        print(f'  {name}: {n}')


if __name__ == '__main__':
    main()

"""Lay out a data set the way the configs expect.

examples:
  offline, from a local copy (folder or zip):
    python tools/prepare_data.py trashnet --src ../shared/data/trashnet
  download TrashNet:
    python tools/prepare_data.py trashnet
  the Huawei Cloud 2019 set (40 classes):
    python tools/prepare_data.py garbage_classify --src /path/garbage_classify
  your own folder-per-class data set:
    python tools/prepare_data.py folder --src /path/my_classes \\
        --out data/my_set
  ... where a class folder is (still) empty: --allow-empty-classes
  the MindSpore course set (26 classes, its own train/val split):
    python tools/prepare_data.py garbage_26x100 --src /path/garbage_26x100
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.datasets import prepare, prepare_course  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='dataset', required=True)
    t = sub.add_parser('trashnet', help='TrashNet (6 classes)')
    t.add_argument(
        '--src', help='local copy (folder or zip); default: download')
    t.add_argument('--out', default='data/trashnet')
    t.add_argument('--sha256', help='expected SHA-256 of the downloaded zip')
    g = sub.add_parser(
        'garbage_classify', help='Huawei Cloud 2019 (40 classes)')
    g.add_argument('--src', required=True)
    g.add_argument('--out', default='data/garbage_classify')
    f = sub.add_parser('folder', help='your own folder-per-class data set')
    f.add_argument('--src', required=True)
    f.add_argument('--out', required=True)
    c = sub.add_parser(
        'garbage_26x100',
        help='MindSpore course set (26 classes, train/ + val/)')
    c.add_argument(
        '--src', required=True, help='the unpacked garbage_26x100 folder')
    c.add_argument('--out', default='data/garbage_26x100')
    c.add_argument(
        '--copy',
        action='store_true',
        help='copy images instead of symlinking them')
    c.add_argument(
        '--allow-empty-classes',
        action='store_true',
        help='accept a training class with no images')
    for p, ratio in ((t, 0.16), (g, 0.1), (f, 0.2)):
        p.add_argument(
            '--val-ratio',
            type=float,
            default=ratio,
            help='val fraction per class (when a split is made)')
        p.add_argument('--seed', type=int, default=0, help='split seed')
        p.add_argument(
            '--copy',
            action='store_true',
            help='copy images instead of symlinking them')
        p.add_argument(
            '--allow-empty-classes',
            action='store_true',
            help='accept a class with no training images (a warning '
            'instead of an error; such a class is never predicted right)')
    return parser.parse_args()


@friendly_main
def main():
    args = parse_args()
    if args.dataset == 'garbage_26x100':  # the course's own train/val split
        info = prepare_course.prepare_garbage_26x100(
            args.src,
            args.out,
            copy=args.copy,
            allow_empty_classes=args.allow_empty_classes)
        for k, v in info.items():
            print(f'{k:>8}: {v}')
        return
    common = dict(
        val_ratio=args.val_ratio,
        seed=args.seed,
        copy=args.copy,
        allow_empty_classes=args.allow_empty_classes)
    if args.dataset == 'trashnet':
        info = prepare.prepare_trashnet(
            args.out, args.src, sha256=args.sha256, **common)
    elif args.dataset == 'garbage_classify':
        info = prepare.prepare_garbage_classify(args.src, args.out, **common)
    else:
        info = prepare.prepare_folder(args.src, args.out, **common)
    for k, v in info.items():
        print(f'{k:>8}: {v}')


if __name__ == '__main__':
    main()

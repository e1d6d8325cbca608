# Data set report: images per class (table + bar chart), empty/tiny classes,
# duplicates within and across splits, unreadable images, sizes, colour modes.
# Exits with status 1 when a problem would spoil training.
# Logic lives in mmext.analysis.dataset_report.
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Report what is in a data set and what is wrong with it')
    parser.add_argument(
        'data',
        help='a data folder (meta/{train,val,test}.txt lists, '
        '{train,val,test}/<class>/ folders, or <class>/ folders) or a config '
        'file (its train/val/test data sets)')
    parser.add_argument(
        '--out-dir',
        help='write class_counts.png, '
        'image_sizes.png and report.txt here')
    parser.add_argument(
        '--tiny',
        type=int,
        default=10,
        help='a class with fewer training images is "tiny"')
    parser.add_argument(
        '--min-side',
        type=int,
        default=32,
        help='flag images with a shorter side (pixels)')
    parser.add_argument(
        '--strict', action='store_true', help='exit non-zero on warnings too')
    add_cfg_options(
        parser,
        help='override config keys, e.g. '
        'train_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.analysis.dataset_report import scan_dataset
    from mmext.fileio import atomic_write
    args = parse_args()
    report = scan_dataset(
        args.data,
        tiny=args.tiny,
        min_side=args.min_side,
        cfg_options=args.cfg_options)
    text = report.to_text()
    print(text)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        report.plot_class_counts(osp.join(args.out_dir, 'class_counts.png'))
        report.plot_sizes(osp.join(args.out_dir, 'image_sizes.png'))
        with atomic_write(
                osp.join(args.out_dir, 'report.txt'), encoding='utf-8') as f:
            f.write(text + '\n')
        print(f'\nwrote class_counts.png, image_sizes.png, report.txt to '
              f'{args.out_dir}')
    if report.has_errors or (args.strict and any(p.severity == 'warning'
                                                 for p in report.problems)):
        print(
            '\nThe data set has problems that would spoil training (see '
            'ERROR lines above).',
            file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()

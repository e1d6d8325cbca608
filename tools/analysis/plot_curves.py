# Train loss, val metric and learning rate per epoch for one or several work
# dirs, on one PNG. Reads <work_dir>/<timestamp>/vis_data/scalars.json (all
# timestamps; a resumed run replaces the epochs it ran again).
# Logic lives in mmext.analysis.curves.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Plot training curves')
    parser.add_argument(
        'work_dirs', nargs='+', help='work dirs (or scalars.json files)')
    parser.add_argument('--out', default='curves.png', help='PNG to write')
    parser.add_argument(
        '--metric', default='accuracy/top1', help='validation metric to plot')
    parser.add_argument('--names', nargs='+', help='labels of the runs')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.analysis.curves import plot_curves, read_scalars
    args = parse_args()
    names = args.names or [None] * len(args.work_dirs)
    runs = [read_scalars(p, n) for p, n in zip(args.work_dirs, names)]
    for run in runs:
        loss = run.train_per_epoch()
        metric = run.val_metric(args.metric)
        print(f'{run.name}: {len(run.files)} log(s), {len(loss)} epochs; ' +
              (f'{args.metric} last {metric.iloc[-1]:.2f}, best '
               f'{metric.max():.2f} @ epoch {metric.idxmax()}'
               if len(metric) else f'no {args.metric} logged'))
    plot_curves(runs, args.out, val_key=args.metric)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()

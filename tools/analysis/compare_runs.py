# Ablation table (final/best val metrics, test metrics) and the resolved
# config keys that differ, for several work dirs or config files; list
# entries such as custom_hooks are matched by type, long values shortened;
# --report report.md|html adds the training curves side by side; a Δ column
# compares each run with the first, k-fold work dirs with a noise estimate.
# Logic lives in mmext.analysis.compare.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Compare runs: metrics table and config diff',
        epilog='Δ: each run\'s value of the first metric minus the first '
        'run\'s (the k-fold mean for a tools/kfold.py work dir, else the '
        'last validation, else the test metric). Where the run and the '
        'first run are both k-fold runs, "spread" and "within noise" say '
        'whether Δ is larger than the noise: made on the same folds, Δ is '
        'the mean of the per-fold differences and the spread their sample '
        'standard deviation ("paired"); otherwise the spread is '
        'sqrt(std_first^2 + std_run^2), the two runs\' fold-to-fold '
        'standard deviations combined. Within noise means |Δ| < spread.')
    parser.add_argument(
        'runs',
        nargs='+',
        help='work dirs, config files, or tools/kfold.py work dirs (or '
        'their kfold.json); the first is the reference')
    parser.add_argument(
        '--metrics',
        nargs='+',
        help='val metrics (default accuracy/top1 and '
        'bin/accuracy where logged)')
    parser.add_argument(
        '--markdown', action='store_true', help='print Markdown tables')
    parser.add_argument(
        '--width',
        type=int,
        default=48,
        help='shorten longer values in the middle (0: full)')
    parser.add_argument(
        '--by-index',
        action='store_true',
        help='match list entries by position, not by type')
    parser.add_argument('--out', help='also write the output to this file')
    parser.add_argument(
        '--report',
        help='write report.md (with '
        'report_curves.png) or a self-contained report.html: '
        'metrics, curves of the runs side by side, config '
        'diff')
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.analysis.compare import compare_text, load_run, write_report
    from mmext.fileio import atomic_write, check_writable
    args = parse_args(argv)
    for path in (args.out, args.report):
        if path:
            check_writable(path)
    runs = [load_run(p) for p in args.runs]
    text = compare_text(runs, args.metrics, args.markdown, args.width,
                        not args.by_index)
    print(text)
    if args.out:
        with atomic_write(args.out, encoding='utf-8') as f:
            f.write(text + '\n')
    if args.report:
        files = write_report(runs, args.report, args.metrics, args.width)
        print(f'\nwrote {", ".join(files)}')


if __name__ == '__main__':
    main()

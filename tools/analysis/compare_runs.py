# Ablation table (final/best val metrics, test metrics) and the resolved
# config keys that differ, for several work dirs or config files.
# Logic lives in mmext.analysis.compare.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Compare runs: metrics table and config diff')
    parser.add_argument('runs', nargs='+', help='work dirs or config files')
    parser.add_argument('--metrics', nargs='+',
                        help='val metrics (default accuracy/top1 and '
                        'bin/accuracy where logged)')
    parser.add_argument('--markdown', action='store_true',
                        help='print Markdown tables')
    parser.add_argument('--out', help='also write the output to this file')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.analysis.compare import (config_diff, format_table, load_run,
                                        runs_table)
    from mmext.fileio import atomic_write
    args = parse_args()
    runs = [load_run(p) for p in args.runs]
    parts = []
    if any(r.curves is not None or r.test for r in runs):
        parts += ['## Metrics' if args.markdown else 'Metrics:',
                  format_table(runs_table(runs, args.metrics),
                               markdown=args.markdown), '']
    diff = config_diff([r.config for r in runs])
    diff.columns = [r.name for r in runs]
    parts.append('## Config keys that differ' if args.markdown
                 else 'Config keys that differ:')
    parts.append(format_table(diff.rename_axis('key'), markdown=args.markdown,
                              index=True) if len(diff)
                 else 'none (the resolved configs are identical)')
    text = '\n'.join(parts)
    print(text)
    if args.out:
        with atomic_write(args.out, encoding='utf-8') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()

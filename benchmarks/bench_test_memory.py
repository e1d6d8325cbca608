"""Peak memory of ``tools/test.py --test-dir`` against the number of images.

A leaderboard test folder can hold tens of thousands of images; testing must
keep memory flat (images are streamed, only one score row per image is kept)
and write every row. This script generates folders of small JPEG images
(``benchmarks/synthetic.py``), runs

    tools/test.py CONFIG CKPT --out preds.csv --test-dir FOLDER

on each under ``/usr/bin/time -v`` in a fresh process, and prints the peak
RSS, user and system CPU time and the rows written, with the peak-RSS ratio
against the smallest folder of the same run. It fails when a CSV misses or
repeats a row or lists the images out of order.

The config is the main TrashNet config (MobileNetV2, 224 px test crop); the
checkpoint holds the ImageNet backbone from ../shared/weights (random init
where they are absent) and a seeded random head, with TrashNet's class names
and bins in its meta, as training would save them. Scores do not depend on
training; memory does not depend on the scores.

Peak RSS is the largest resident set of any one process of the run
(``ru_maxrss`` of the waited children: the main process or a data loader
worker), not their sum.

Usage:
    python benchmarks/bench_test_memory.py                 # 2,000 and 20,000
    python benchmarks/bench_test_memory.py --counts 1000 5000 20000
"""
import argparse
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.synthetic import write_image_folder  # noqa: E402

CONFIG = REPO / 'configs' / \
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'
WEIGHTS = REPO.parent / 'shared' / 'weights' / \
    'mobilenet-v2_imagenet-backbone_mmpretrain.pth'
CLASSES = ('glass', 'paper', 'cardboard', 'plastic', 'metal', 'trash')


def save_checkpoint(config: str, path: str) -> str:
    """The config's model (offline backbone weights, seeded random head).

    Returns:
        What the backbone was initialised from.
    """
    import torch
    from mmengine.config import Config
    from mmengine.runner.checkpoint import save_checkpoint as save
    from mmpretrain.apis import get_model

    import mmext  # noqa: F401
    cfg = Config.fromfile(config)
    source = 'random init'
    if WEIGHTS.is_file():
        cfg.model.backbone.init_cfg.checkpoint = str(WEIGHTS)
        source = f'ImageNet backbone ({WEIGHTS.name})'
    else:
        cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=0.05)
    bins = sorted(set(cfg.class_bins.values()))
    meta = dict(
        classes=CLASSES,
        bins=tuple(bins),
        class_to_bin=[bins.index(cfg.class_bins[c]) for c in CLASSES])
    save({
        'state_dict': model.state_dict(),
        'meta': {
            'dataset_meta': meta
        }
    }, path)
    return source


def time_v(stderr: str) -> dict:
    """Peak RSS (MiB), user and system seconds from ``/usr/bin/time -v``."""

    def field(name):
        match = re.search(rf'{re.escape(name)}: ([\d.]+)', stderr)
        if not match:
            raise RuntimeError(f'no "{name}" in /usr/bin/time output:\n'
                               f'{stderr[-3000:]}')
        return float(match.group(1))

    return dict(
        rss=field('Maximum resident set size (kbytes)') / 1024,
        user=field('User time (seconds)'),
        sys=field('System time (seconds)'),
        wall=re.search(r'Elapsed \(wall clock\) time.*: (\S+)',
                       stderr).group(1))


def check_rows(csv_file: str, count: int) -> int:
    """Rows in ``csv_file``; fails unless they are img_1 .. img_<count>."""
    import pandas as pd
    names = list(pd.read_csv(csv_file)['file_name'])
    expected = [f'img_{i + 1}.jpg' for i in range(count)]
    if names != expected:
        missing = len(set(expected) - set(names))
        raise SystemExit(f'{csv_file}: {len(names)} rows for {count} images '
                         f'({missing} missing, {len(names) - len(set(names))}'
                         ' repeated), or not in natural order')
    return len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--counts', type=int, nargs='+', default=[2000, 20000])
    parser.add_argument('--size', type=int, default=32, help='image side')
    parser.add_argument('--config', default=str(CONFIG))
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed to tools/test.py (e.g. a smaller test crop on a busy '
        'machine: the per-batch memory is constant, the growth with the '
        'image count is what is measured)')
    parser.add_argument(
        '--work',
        default=osp.join(tempfile.gettempdir(), 'mmgarbage_bench_memory'))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ckpt = osp.join(args.work, 'bench.pth')
    source = save_checkpoint(args.config, ckpt)
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (str(REPO), env.get('PYTHONPATH')) if p)
    rows = []
    for count in sorted(args.counts):
        folder = osp.join(args.work, f'images_{count}_{args.size}px')
        write_image_folder(folder, count, size=args.size)
        out = osp.join(args.work, f'preds_{count}.csv')
        if osp.exists(out):
            os.remove(out)
        cmd = [
            '/usr/bin/time', '-v', sys.executable,
            str(REPO / 'tools' / 'test.py'), args.config, ckpt, '--out', out,
            '--test-dir', folder, '--work-dir',
            osp.join(args.work, f'work_{count}')
        ] + (['--cfg-options', *args.cfg_options] if args.cfg_options else [])
        proc = subprocess.run(
            cmd, cwd=REPO, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f'tools/test.py failed on {count} images '
                     f'({proc.returncode}):\n{proc.stderr[-3000:]}')
        stats = time_v(proc.stderr)
        rows.append(dict(stats, count=count, written=check_rows(out, count)))
        print(f'{count} images: {stats}', flush=True)
    base = rows[0]['rss']
    print(f'\nconfig: {osp.relpath(args.config, REPO)}; checkpoint: {source}'
          f', random head; {args.size}x{args.size} JPEGs; '
          f'{platform.processor() or platform.machine()}, '
          f'{os.cpu_count()} CPUs; --cfg-options '
          f'{" ".join(args.cfg_options) or "(none)"}')
    print(f'{"images":>8} {"peak RSS MiB":>13} {"x smallest":>10} '
          f'{"rows":>7} {"user s":>8} {"sys s":>7} {"wall":>9}')
    for r in rows:
        print(f'{r["count"]:>8} {r["rss"]:>13.1f} {r["rss"] / base:>10.3f} '
              f'{r["written"]:>7} {r["user"]:>8.1f} {r["sys"]:>7.1f} '
              f'{r["wall"]:>9}')
    if len(rows) > 1:
        print(f'peak RSS({rows[-1]["count"]}) / peak RSS({rows[0]["count"]})'
              f' = {rows[-1]["rss"] / base:.3f}')


if __name__ == '__main__':
    main()

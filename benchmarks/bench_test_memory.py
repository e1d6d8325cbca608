"""Peak memory of ``tools/test.py --test-dir`` against the number of images.

A leaderboard test folder can hold tens of thousands of images; testing must
keep memory flat (images are streamed, only one score row per image is kept)
and write every row. This script generates folders of small PNG images,
runs ``tools/test.py CONFIG CKPT --out preds.csv --test-dir FOLDER`` on each
in a fresh process with a tiny ResNet (8 channels, 32 px), and prints the
child's peak RSS, the rows written and the time, with the RSS ratio against
the smallest folder of the same run.

Usage:
    python benchmarks/bench_test_memory.py                 # 2,000 and 20,000
    python benchmarks/bench_test_memory.py --counts 1000 5000 20000
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

CONFIG = """
_base_ = 'mmpretrain::_base_/default_runtime.py'
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)
data_preprocessor = dict(num_classes=3, mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=64, num_workers={workers}, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GarbageDataset', data_prefix='unused',
                 classes=['glass', 'paper', 'trash'], layout='unlabeled',
                 test_mode=True, pipeline=test_pipeline))
test_evaluator = []
test_cfg = dict()
default_hooks = dict(logger=dict(type='LoggerHook', interval=1000))
"""

MEASURE = ('import resource, subprocess, sys; '
           'rc = subprocess.run(sys.argv[1:]).returncode; '
           'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)')


def make_folder(folder: str, count: int, size: int = 16) -> None:
    """``count`` PNG images ``img_1.png`` .. in ``folder``.

    They are kept between runs.
    """
    import cv2
    os.makedirs(folder, exist_ok=True)
    have = len(os.listdir(folder))
    rng = np.random.default_rng(0)
    for i in range(have, count):
        cv2.imwrite(
            osp.join(folder, f'img_{i + 1}.png'),
            rng.integers(0, 255, (size, size, 3), dtype=np.uint8))


def save_checkpoint(cfg_file: str, path: str) -> None:
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint as save
    from mmpretrain.registry import MODELS

    import mmext  # noqa: F401
    cfg = Config.fromfile(cfg_file)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    save(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': {
                    'classes': ('glass', 'paper', 'trash')
                }
            }
        }, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--counts', type=int, nargs='+', default=[2000, 20000])
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument(
        '--work',
        default=osp.join(tempfile.gettempdir(), 'mmgarbage_bench_memory'))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    cfg_file = osp.join(args.work, 'tiny_resnet.py')
    with open(cfg_file, 'w') as f:
        f.write(CONFIG.format(workers=args.workers))
    ckpt = osp.join(args.work, 'tiny_resnet.pth')
    save_checkpoint(cfg_file, ckpt)
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    rows = []
    for count in sorted(args.counts):
        folder = osp.join(args.work, f'images_{count}')
        make_folder(folder, count)
        out = osp.join(args.work, f'preds_{count}.csv')
        start = time.time()
        proc = subprocess.run([
            sys.executable, '-c', MEASURE, sys.executable,
            osp.join(REPO, 'tools', 'test.py'), cfg_file, ckpt, '--out', out,
            '--test-dir', folder, '--work-dir',
            osp.join(args.work, 'w')
        ],
                              cwd=REPO,
                              env=env,
                              capture_output=True,
                              text=True)
        seconds = time.time() - start
        rss_kib, rc = proc.stdout.strip().splitlines()[-1].split()
        if rc != '0':
            sys.exit(f'tools/test.py failed on {count} images:\n'
                     f'{proc.stderr[-3000:]}')
        with open(out) as f:
            written = sum(1 for _ in f) - 1
        rows.append((count, int(rss_kib) / 1024, written, seconds))
    base = rows[0][1]
    print(f'{"images":>8} {"peak RSS MiB":>13} {"x smallest":>10} '
          f'{"rows":>7} {"seconds":>8}')
    for count, rss, written, seconds in rows:
        print(f'{count:>8} {rss:>13.1f} {rss / base:>10.3f} {written:>7} '
              f'{seconds:>8.1f}')
        assert written == count, f'{written} rows for {count} images'


if __name__ == '__main__':
    main()

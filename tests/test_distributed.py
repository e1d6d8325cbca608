"""Distributed training and testing on the CPU (gloo), through the launchers.

Two processes started by ``tools/dist_train.sh`` / ``tools/dist_test.sh``
(torchrun, ``--launcher pytorch``) train a tiny ResNet-18 (otherwise the main
TrashNet config) on generated images, then test it; the CSV they write must
equal the single-process CSV of the same checkpoint: same rows in the same
order, none missing or repeated although the distributed sampler pads the
13 test images to 2 x 7.

On a machine without a GPU the tools start the gloo group themselves and wrap
the model in ``CPUDistributedDataParallel`` (``mmext.engine.cpu_distributed``),
so this is the same command a GPU user runs.
"""
import os
import os.path as osp
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
CLASSES = ['glass', 'paper', 'cardboard', 'plastic', 'metal', 'trash']
N_TRAIN, N_TEST, BATCH = 16, 13, 4  # 13 is not a multiple of 2 x 4

CONFIG = """
_base_ = '{base}'
# find_unused_parameters: the backbone has lr_mult=0 but still takes part
find_unused_parameters = True
# a small ResNet-18 (16 base channels) in place of the ImageNet MobileNetV2:
# no download, and its random init keeps per-image scores apart
model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, base_channels=16,
                  frozen_stages=1, norm_eval=True),
    head=dict(in_channels=128))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size={batch}, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{data}',
                                     pipeline=train_pipeline))
val_dataloader = dict(batch_size={batch}, num_workers=0,
                      persistent_workers=False,
                      dataset=dict(data_root='{data}', pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(save_best=None, max_keep_ckpts=1))
"""


def make_data(root: Path) -> None:
    """TrashNet's list layout with random 40x48 JPEGs."""
    import mmcv
    rng = np.random.default_rng(0)
    (root / 'meta').mkdir(parents=True)
    (root / 'meta' / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    for split, count in (('train', N_TRAIN), ('val', N_TEST)):
        lines = []
        for i in range(count):
            label = i % len(CLASSES)
            rel = f'{CLASSES[label]}/{split}{i}.jpg'
            img = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
            mmcv.imwrite(img, str(root / 'images' / rel), auto_mkdir=True)
            lines.append(f'{rel} {label}')
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(lines) + '\n')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(cmd, **env):
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **env)
    full_env['PATH'] = osp.dirname(
        sys.executable) + os.pathsep + full_env['PATH']
    full_env.pop('MMEXT_DEBUG', None)
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, (
        f'{" ".join(map(str, cmd))} failed ({proc.returncode}):\n'
        f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


@pytest.mark.slow
@pytest.mark.e2e
def test_two_process_train_and_test_match_single_process(tmp_path):
    make_data(tmp_path / 'data')
    config = tmp_path / 'tiny_dist.py'
    config.write_text(
        CONFIG.format(
            base=REPO / 'configs' /
            'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py',
            data=tmp_path / 'data',
            batch=BATCH))

    # train with 2 processes (gloo: there is no GPU, the tools fall back)
    work = tmp_path / 'work'
    train = run([
        'bash', 'tools/dist_train.sh',
        str(config), '2', '--work-dir',
        str(work), '--no-validate'
    ],
                PORT=str(free_port()))
    logs = train.stdout + train.stderr
    assert 'Distributed training: True' in logs
    # N_TRAIN / (2 ranks x BATCH) = 2 iterations per epoch on each rank
    assert 'Epoch(train) [2][2/2]' in logs
    ckpt = work / 'epoch_2.pth'
    assert ckpt.is_file()

    # test that checkpoint with 2 processes and with 1
    dist_csv, single_csv = tmp_path / 'dist.csv', tmp_path / 'single.csv'
    test = run([
        'bash', 'tools/dist_test.sh',
        str(config),
        str(ckpt), '2', '--work-dir',
        str(tmp_path / 'work_test2'), '--out',
        str(dist_csv)
    ],
               PORT=str(free_port()))
    assert 'Distributed training: True' in test.stdout + test.stderr
    run([
        sys.executable, 'tools/test.py',
        str(config),
        str(ckpt), '--work-dir',
        str(tmp_path / 'work_test1'), '--out',
        str(single_csv)
    ])

    dist, single = pd.read_csv(dist_csv), pd.read_csv(single_csv)
    expected = [
        line.split()[0] for line in (tmp_path / 'data' / 'meta' /
                                     'val.txt').read_text().split('\n') if line
    ]
    assert list(single['file_name']) == expected
    assert list(dist['file_name']) == expected  # none missing, none repeated
    assert list(dist.columns) == list(single.columns)
    for column in ('pred_label', 'pred_class', 'pred_bin', 'gt_label'):
        assert list(dist[column]) == list(single[column]), column
    np.testing.assert_allclose(dist['score'], single['score'], atol=1e-5)
    # the scores are per image, not a constant that would hide a reordering
    assert single['score'].nunique() > 1

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

The multi-node path (``NNODES=2 NODE_RANK=0/1 MASTER_ADDR PORT``, torchrun's
``--nnodes=2`` with a static rendezvous) is run as two single-process
"nodes" on this machine, each started from its own working directory, as
nodes that share no folder but the data, the config and the output paths.
"""
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time
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


def make_config(tmp_path: Path) -> Path:
    """Generated data under ``tmp_path/data`` and the tiny config for it."""
    make_data(tmp_path / 'data')
    config = tmp_path / 'tiny_dist.py'
    config.write_text(
        CONFIG.format(
            base=REPO / 'configs' /
            'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py',
            data=tmp_path / 'data',
            batch=BATCH))
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tool_env(**env) -> dict:
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **env)
    full_env['PATH'] = osp.dirname(
        sys.executable) + os.pathsep + full_env['PATH']
    full_env.pop('MMEXT_DEBUG', None)
    return full_env


def run(cmd, **env):
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        env=tool_env(**env),
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
    config = make_config(tmp_path)

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


@pytest.mark.parametrize(
    'world, local, slurm_nodes, several',
    [
        ('2', '1', None, True),  # torchrun --nnodes=2 --nproc_per_node=1
        ('8', '4', None, True),
        ('2', '2', None, False),  # one machine, two processes
        (None, None, None, False),  # not distributed
        (None, None, '2', True),  # srun over 2 nodes
    ])
def test_metrics_gather_through_the_group_on_several_nodes(
        monkeypatch, world, local, slurm_nodes, several):
    """Across nodes no metric relies on a shared ``.dist_test`` folder."""
    from mmengine.config import Config

    from mmext.apis.runner_setup import (gather_through_group,
                                         spans_several_nodes)
    for var, value in (('WORLD_SIZE', world), ('LOCAL_WORLD_SIZE', local),
                       ('SLURM_NNODES', slurm_nodes)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    cfg = Config(
        dict(
            val_evaluator=[
                dict(type='Accuracy'),
                dict(type='BinAccuracy', collect_dir='/shared/tmp')
            ],
            test_evaluator=dict(
                type='Evaluator',
                metrics=[
                    dict(type='SubmissionWriter', out_file='p.csv'),
                    dict(type='Accuracy', collect_device='cpu')
                ])))
    assert spans_several_nodes() is several
    gather_through_group(cfg)
    expected = 'gpu' if several else None
    assert cfg.val_evaluator[0].get('collect_device') == expected
    assert cfg.test_evaluator.metrics[0].get('collect_device') == expected
    # what a config sets itself is kept
    assert 'collect_device' not in cfg.val_evaluator[1]
    assert cfg.test_evaluator.metrics[1].collect_device == 'cpu'


def run_two_nodes(cmd, tmp_path: Path, name: str) -> list:
    """Run ``cmd`` as node 0 and node 1 of a 2-node job on this machine.

    Each node is one process (``GPUS``/nproc 1) started in its own working
    directory; torchrun's static rendezvous meets on 127.0.0.1. When one
    node fails the other is stopped (it would wait for its peer).

    Returns:
        The two nodes' stdout + stderr, node 0 first.
    """
    port = str(free_port())
    procs, logs = [], []
    for rank in (0, 1):
        cwd = tmp_path / f'{name}_node{rank}'
        cwd.mkdir()
        logs.append(open(cwd / 'console.log', 'w+'))
        procs.append(
            subprocess.Popen(
                cmd,
                cwd=cwd,
                env=tool_env(
                    NNODES='2',
                    NODE_RANK=str(rank),
                    MASTER_ADDR='127.0.0.1',
                    PORT=port),
                stdout=logs[-1],
                stderr=subprocess.STDOUT,
                start_new_session=True))
    deadline = time.monotonic() + 300
    try:
        while any(p.poll() is None for p in procs):
            if time.monotonic() > deadline or any(p.poll() for p in procs):
                break  # timed out, or one node failed
            time.sleep(0.5)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    for rank, (proc, out) in enumerate(zip(procs, outputs)):
        assert proc.returncode == 0, (
            f'node {rank} of {" ".join(map(str, cmd))} failed '
            f'({proc.returncode}):\n{out[-4000:]}')
    return outputs


@pytest.mark.slow
@pytest.mark.e2e
def test_two_node_train_and_test_match_single_process(tmp_path):
    """``NNODES=2`` training and testing, one process per node (gloo).

    Training shards the data over both nodes and saves a checkpoint that
    tests; the 2-node test CSV equals the single-process CSV of the same
    checkpoint (same rows, same order, same predictions).
    """
    config = make_config(tmp_path)
    tools = REPO / 'tools'

    work = tmp_path / 'work'
    node0, node1 = run_two_nodes([
        'bash',
        str(tools / 'dist_train.sh'),
        str(config), '1', '--work-dir',
        str(work), '--no-validate'
    ], tmp_path, 'train')
    assert 'Distributed training: True' in node0
    # both nodes joined one group of 2: N_TRAIN / (2 ranks x BATCH) = 2
    # iterations per epoch (a lone node would run 4)
    assert 'Epoch(train) [2][2/2]' in node0
    assert 'Epoch(train) [1][4/4]' not in node0 + node1
    ckpt = work / 'epoch_2.pth'
    assert ckpt.is_file()

    multi_csv, single_csv = tmp_path / 'two_nodes.csv', tmp_path / 'single.csv'
    node0, node1 = run_two_nodes([
        'bash',
        str(tools / 'dist_test.sh'),
        str(config),
        str(ckpt), '1', '--work-dir',
        str(tmp_path / 'work_test2'), '--out',
        str(multi_csv)
    ], tmp_path, 'test')
    assert 'Distributed training: True' in node0
    assert f'Wrote {N_TEST} predictions' in node0
    run([
        sys.executable, 'tools/test.py',
        str(config),
        str(ckpt), '--work-dir',
        str(tmp_path / 'work_test1'), '--out',
        str(single_csv)
    ])

    multi, single = pd.read_csv(multi_csv), pd.read_csv(single_csv)
    assert len(single) == N_TEST
    pd.testing.assert_frame_equal(
        multi.drop(columns='score'), single.drop(columns='score'))
    np.testing.assert_allclose(multi['score'], single['score'], atol=1e-5)
    assert single['score'].nunique() > 1


def test_finish_distributed_destroys_the_group():
    """The group is destroyed before exit, not left to the interpreter.

    A gloo group left alive at exit can abort the process after its work is
    done ("terminate called without an active exception", SIGABRT): seen in
    CI as a failed ``dist_test.sh`` whose CSV had been written.
    """
    import torch.distributed as dist

    from mmext.engine.cpu_distributed import finish_distributed
    finish_distributed()  # not distributed: nothing to do
    assert not dist.is_initialized()
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{free_port()}',
        rank=0,
        world_size=1)
    try:
        finish_distributed()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


@pytest.mark.slow
def test_train_and_test_tools_end_their_process_group(tmp_path, monkeypatch):
    """``--launcher pytorch`` runs (one rank here) leave no group behind."""
    import torch.distributed as dist

    from mmext.apis.train_test import (run_test, run_train, test_parser,
                                       train_parser)
    config = make_config(tmp_path)
    for var, value in (('RANK', '0'), ('LOCAL_RANK', '0'), ('WORLD_SIZE', '1'),
                       ('LOCAL_WORLD_SIZE', '1'), ('MASTER_ADDR', '127.0.0.1'),
                       ('MASTER_PORT', str(free_port()))):
        monkeypatch.setenv(var, value)
    work = tmp_path / 'work'
    try:
        run_train(train_parser().parse_args([
            str(config), '--work-dir',
            str(work), '--no-validate', '--launcher', 'pytorch'
        ]))
        assert (work / 'epoch_2.pth').is_file()
        assert not dist.is_initialized()

        monkeypatch.setenv('MASTER_PORT', str(free_port()))
        csv = tmp_path / 'preds.csv'
        run_test(test_parser().parse_args([
            str(config),
            str(work / 'epoch_2.pth'), '--work-dir',
            str(tmp_path / 'work_test'), '--out',
            str(csv), '--launcher', 'pytorch'
        ]))
        assert len(pd.read_csv(csv)) == N_TEST
        assert not dist.is_initialized()
    finally:  # a failed run must not leave its group to later tests
        if dist.is_initialized():
            dist.destroy_process_group()

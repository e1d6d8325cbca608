"""Multi-node: two torchrun "nodes" on this machine (gloo), train and test.

``NNODES=2 NODE_RANK=0|1 bash tools/dist_train.sh CONFIG 1`` started twice,
as on two machines that share ``MASTER_ADDR``/``PORT``, with one process
each: one world of 2 ranks. Training splits the data over both nodes and
testing with ``--out`` writes one CSV (rank 0) equal to the single-process
CSV of the same checkpoint.
"""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pandas as pd

from test_distributed import BATCH, CONFIG, REPO, free_port, make_data


def two_nodes(script: str, *args, timeout=400):
    """Start node 0 and node 1 of ``tools/<script>``; both must succeed."""
    port = str(free_port())
    procs = []
    for rank in (0, 1):
        env = dict(os.environ, OMP_NUM_THREADS='1', NNODES='2',
                   NODE_RANK=str(rank), MASTER_ADDR='127.0.0.1', PORT=port)
        env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
        env.pop('MMEXT_DEBUG', None)
        procs.append(subprocess.Popen(
            ['bash', f'tools/{script}', *map(str, args)], cwd=REPO, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = []
    for proc in procs:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        outs.append(out)
        assert proc.returncode == 0, out[-4000:]
    return outs


def test_two_nodes_train_and_test_match_single_process(tmp_path):
    make_data(tmp_path / 'data')
    config = tmp_path / 'tiny_dist.py'
    config.write_text(CONFIG.format(
        base=REPO / 'configs' /
        'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py',
        data=tmp_path / 'data', batch=BATCH))
    work = tmp_path / 'work'
    node0, node1 = two_nodes('dist_train.sh', config, 1, '--work-dir', work,
                             '--no-validate')
    assert 'Distributed training: True' in node0
    # 16 images / (2 ranks x 4) = 2 iterations per epoch on each rank
    assert 'Epoch(train) [2][2/2]' in node0
    ckpt = work / 'epoch_2.pth'
    assert ckpt.is_file()

    dist_csv, single_csv = tmp_path / 'dist.csv', tmp_path / 'single.csv'
    two_nodes('dist_test.sh', config, ckpt, 1, '--work-dir',
              tmp_path / 'work_test2', '--out', dist_csv)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMEXT_DEBUG', None)
    subprocess.run([sys.executable, 'tools/test.py', str(config), str(ckpt),
                    '--work-dir', str(tmp_path / 'work_test1'), '--out',
                    str(single_csv)], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=300)
    dist, single = pd.read_csv(dist_csv), pd.read_csv(single_csv)
    assert len(single) == 13
    assert list(dist.columns) == list(single.columns)
    for column in ('file_name', 'pred_label', 'pred_class', 'pred_bin',
                   'gt_label'):
        assert list(dist[column]) == list(single[column]), column
    np.testing.assert_allclose(dist['score'], single['score'], atol=1e-5)
    assert single['score'].nunique() > 1

"""Real faults: a process SIGKILLed while writing a checkpoint or a CSV.

A child process first writes a complete file, then starts overwriting it
through the same code training and testing use (mmengine's
``save_checkpoint`` with the ``atomic_local`` backend that CheckpointHook is
configured with; :func:`write_csv` of the submission writer). Its disk is made
slow (each write call is split into small flushed chunks with a pause), so the
parent can SIGKILL it while the new content is half on disk. The previous file
must be intact and loadable. CheckpointHook is also shown to write its
checkpoints through the atomic backend during real training.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch

from mmext.checkpoint import safe_torch_load
from mmext.fileio import AtomicLocalBackend
from helpers import REPO, make_list_set, write_tiny_config

SLOW_DISK = '''
import os, sys, time
_fdopen = os.fdopen


class SlowFile:
    """A file whose writes reach the disk in flushed 4 KiB pieces, slowly."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        for i in range(0, len(data), 4096):
            self.f.write(data[i:i + 4096])
            self.f.flush()
            time.sleep(0.02)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        self.f.__enter__()
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)


def slow_disk():
    os.fdopen = lambda *a, **k: SlowFile(_fdopen(*a, **k))
'''

CHECKPOINT_CHILD = SLOW_DISK + '''
import torch
import mmext
from mmengine.runner.checkpoint import save_checkpoint

path = sys.argv[1]
first = {'state_dict': {'w': torch.arange(4.)}, 'meta': {'epoch': 1}}
save_checkpoint(first, path, backend_args=dict(backend='atomic_local'))
print('saved', flush=True)
slow_disk()
big = {'state_dict': {'w': torch.randn(200_000)}, 'meta': {'epoch': 2}}
save_checkpoint(big, path, backend_args=dict(backend='atomic_local'))
print('never reached', flush=True)
'''

CSV_CHILD = SLOW_DISK + '''
import numpy as np
import mmext
from mmext.evaluation import predictions_frame, write_csv

path = sys.argv[1]

def frame(n, seed):
    rng = np.random.default_rng(seed)
    return predictions_frame(
        [{'sample_idx': i, 'img_path': f'/t/img_{i}.jpg',
          'pred_score': rng.dirichlet(np.ones(3)).astype(np.float32)}
         for i in range(n)], ['a', 'b', 'c'])

write_csv(frame(50, 0), path)
print('saved', flush=True)
slow_disk()
write_csv(frame(20000, 1), path)
print('never reached', flush=True)
'''


def kill_mid_write(child: str, target: Path) -> Path:
    """Run ``child``; SIGKILL it once its temp file is partly written.

    Returns:
        The partly written temp file it left behind.
    """
    env = dict(
        os.environ,
        PYTHONWARNINGS='ignore',
        OMP_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join([str(REPO)] + sys.path))
    proc = subprocess.Popen(
        [sys.executable, '-c', child, str(target)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True)
    for line in proc.stdout:  # mmengine may log to stdout first
        if line.strip() == 'saved':
            break
    else:
        raise AssertionError(proc.stderr.read())
    deadline = time.time() + 120
    partial = []
    while time.time() < deadline:
        partial = [
            p for p in target.parent.glob(f'.{target.name}.*.tmp')
            if p.stat().st_size > 8192
        ]
        if partial:
            break
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.01)
    assert partial, 'the child never started the second write'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return partial[0]


def test_sigkill_during_checkpoint_save_keeps_previous(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    partial = kill_mid_write(CHECKPOINT_CHILD, target)
    ck = safe_torch_load(str(target))
    assert ck['meta']['epoch'] == 1
    assert torch.equal(ck['state_dict']['w'], torch.arange(4.))
    # the kill really landed mid-write: the new bytes are half on disk
    assert 8192 < partial.stat().st_size < 200_000 * 4


def test_sigkill_during_csv_write_keeps_previous(tmp_path):
    target = tmp_path / 'preds.csv'
    partial = kill_mid_write(CSV_CHILD, target)
    df = pd.read_csv(target)
    assert len(df) == 50 and list(
        df.file_name[:2]) == ['img_0.jpg', 'img_1.jpg']
    assert len(partial.read_text().splitlines()) < 20000


def test_checkpoint_hook_writes_through_atomic_backend(tmp_path, monkeypatch):
    """Real training: every checkpoint file goes through it."""
    from mmext.apis.train_test import run_train, train_parser
    written = []
    put, put_text = AtomicLocalBackend.put, AtomicLocalBackend.put_text

    def spy_put(self, obj, filepath):
        written.append(Path(filepath).name)
        return put(self, obj, filepath)

    def spy_put_text(self, obj, filepath, encoding='utf-8'):
        written.append(Path(filepath).name)
        return put_text(self, obj, filepath, encoding)

    monkeypatch.setattr(AtomicLocalBackend, 'put', spy_put)
    monkeypatch.setattr(AtomicLocalBackend, 'put_text', spy_put_text)
    cfg = write_tiny_config(tmp_path, make_list_set(tmp_path / 'tiny'))
    work = tmp_path / 'work'
    run_train(train_parser().parse_args([cfg, '--work-dir', str(work)]))
    saved = sorted(p.name for p in work.glob('*.pth'))
    assert 'epoch_1.pth' in saved and 'epoch_2.pth' in saved
    assert set(saved) <= set(written)  # best_*.pth included
    # (mmengine writes the small last_checkpoint pointer with open(), not
    # through the backend)
    assert not list(work.glob('.*.tmp'))


def test_broken_last_checkpoint_pointer_is_repaired(tmp_path):
    """mmengine writes last_checkpoint with open(): an empty or dangling
    pointer makes --resume use the newest checkpoint on disk."""
    from mmext.apis.train_test import repair_last_checkpoint
    for name in ('epoch_2.pth', 'epoch_10.pth', 'best_accuracy_epoch_3.pth'):
        (tmp_path / name).write_bytes(b'x')
    pointer = tmp_path / 'last_checkpoint'
    pointer.write_text('')  # killed while mmengine wrote it
    assert repair_last_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'epoch_10.pth')
    assert pointer.read_text() == str(tmp_path / 'epoch_10.pth')
    pointer.write_text(str(tmp_path / 'epoch_11.pth'))  # deleted since
    assert repair_last_checkpoint(str(tmp_path)).endswith('epoch_10.pth')
    pointer.write_text(str(tmp_path / 'epoch_2.pth'))  # valid: left alone
    assert repair_last_checkpoint(str(tmp_path)).endswith('epoch_2.pth')
    for f in tmp_path.glob('epoch_*.pth'):
        f.unlink()
    pointer.write_text('')
    assert repair_last_checkpoint(str(tmp_path)) is None
    assert not pointer.exists()

"""Fault injection: bad images, writes killed midway, interrupted training."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mmext.datasets import GarbageDataset
from mmext.errors import DataError
from mmext.fileio import AtomicLocalBackend
from helpers import REPO, make_folder_set, write_tiny_config

PIPE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def _odd_images(folder: Path) -> dict:
    """Grayscale, CMYK, 16-bit, paletted+alpha and EXIF-rotated files."""
    folder.mkdir(parents=True)
    rgb = Image.new('RGB', (30, 20), (200, 10, 10))
    paths = {}
    paths['gray'] = folder / 'gray.jpg'
    rgb.convert('L').save(paths['gray'])
    paths['cmyk'] = folder / 'cmyk.jpg'
    rgb.convert('CMYK').save(paths['cmyk'])
    paths['png16'] = folder / 'deep.png'
    Image.fromarray((np.ones(
        (20, 30)) * 40000).astype(np.uint16)).save(paths['png16'])
    paths['palette'] = folder / 'palette.png'
    rgb.convert('RGBA').convert('P').save(paths['palette'], transparency=0)
    paths['exif'] = folder / 'rotated.jpg'
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise on display
    rgb.save(paths['exif'], exif=exif.tobytes())
    return paths


def test_odd_colour_modes_become_3_channel_uint8(tmp_path):
    _odd_images(tmp_path / 'odd' / 'a')
    ds = GarbageDataset(data_prefix=str(tmp_path / 'odd'), pipeline=PIPE)
    shapes = {}
    for i in range(len(ds)):
        out = ds[i]
        img = out['inputs']
        assert img.dtype == torch.uint8 and img.shape[0] == 3
        shapes[Path(out['data_samples'].img_path).stem] = tuple(img.shape[1:])
    assert shapes['rotated'] == (30, 20
                                 )  # EXIF transpose applied: now portrait
    assert shapes['gray'] == shapes['cmyk'] == shapes['deep'] == (20, 30)
    red = ds[[
        Path(ds.get_data_info(i)['img_path']).stem for i in range(len(ds))
    ].index('cmyk')]['inputs']
    assert red[2].float().mean(
    ) > red[0].float().mean() + 100  # BGR: red is last


def _with_bad_files(root: Path):
    make_folder_set(root, ('a', 'b'), per_class=4)
    (root / 'a' / 'empty.jpg').write_bytes(b'')
    (root / 'a' / 'text.jpg').write_text('this is not an image')
    good = (root / 'b' / 'b_0.jpg').read_bytes()
    (root / 'b' / 'cut.png').write_bytes(b'\x89PNG\r\n\x1a\n' + good[:40])
    return 3


def test_unreadable_images_are_skipped_and_counted_across_workers(tmp_path):
    n_bad = _with_bad_files(tmp_path / 'd')
    ds = GarbageDataset(data_prefix=str(tmp_path / 'd'), pipeline=PIPE)
    loader = torch.utils.data.DataLoader(
        ds,
        batch_size=2,
        num_workers=2,
        collate_fn=lambda x: x,
        multiprocessing_context='fork')
    seen = [s['data_samples'].img_path for batch in loader for s in batch]
    assert len(seen) == len(ds) == 11
    assert not any(
        Path(p).name in ('empty.jpg', 'text.jpg', 'cut.png') for p in seen)
    # summed over both workers; a random replacement may hit a bad file again
    assert ds.bad_image_count >= n_bad


def test_unreadable_image_raise_policy_and_test_mode(tmp_path):
    _with_bad_files(tmp_path / 'd')
    for kwargs in (dict(bad_image='raise'), dict(test_mode=True)):
        ds = GarbageDataset(
            data_prefix=str(tmp_path / 'd'), pipeline=PIPE, **kwargs)
        names = [
            Path(ds.get_data_info(i)['img_path']).name for i in range(len(ds))
        ]
        with pytest.raises(DataError) as err:
            ds[names.index('empty.jpg')]
        assert 'empty.jpg' in str(err.value) and '0 bytes' in str(err.value)
    with pytest.raises(DataError, match='bad_image'):
        GarbageDataset(data_prefix=str(tmp_path / 'd'), bad_image='ignore')


class _Broken:

    def __call__(self, results):
        raise RuntimeError('a bug in a transform')


def test_pipeline_bug_is_not_mistaken_for_a_bad_image(tmp_path):
    make_folder_set(tmp_path / 'd', ('a', ), per_class=1)
    ds = GarbageDataset(
        data_prefix=str(tmp_path / 'd'),
        pipeline=[dict(type='LoadImageFromFile'),
                  _Broken()])
    with pytest.raises(RuntimeError, match='a bug in a transform'):
        ds[0]


def test_checkpoint_write_killed_midway_keeps_previous(tmp_path, monkeypatch):
    backend = AtomicLocalBackend()
    path = tmp_path / 'epoch_1.pth'
    backend.put(b'previous checkpoint', path)

    def die(fd):
        raise OSError('killed during fsync')

    monkeypatch.setattr(os, 'fsync', die)
    with pytest.raises(OSError):
        backend.put(b'new but never completed', path)
    assert path.read_bytes() == b'previous checkpoint'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']


NO_RANDOM_AUG = """
train_dataloader['dataset']['pipeline'] = test_pipeline
randomness = dict(seed=3, deterministic=True)
train_cfg = dict(max_epochs=3)
"""


@pytest.mark.slow
@pytest.mark.e2e
def test_killed_run_resumes_to_the_same_weights(tmp_path):
    """Kill -9 mid-epoch, --resume, and end where an uninterrupted run ends."""
    root = tmp_path / 'data'
    make_folder_set(root / 'images', ('glass', 'paper', 'trash'), per_class=10)
    (root / 'meta').mkdir()
    (root / 'meta' / 'classes.txt').write_text('glass\npaper\ntrash\n')
    lines = [
        f'{n}/{n}_{i}.jpg {c}'
        for c, n in enumerate(('glass', 'paper', 'trash')) for i in range(10)
    ]
    (root / 'meta' / 'train.txt').write_text('\n'.join(lines) + '\n')
    (root / 'meta' / 'val.txt').write_text('\n'.join(lines[::4]) + '\n')
    # random crops draw from numpy's global RNG, which no checkpoint restores,
    # so this comparison trains without random augmentation.
    cfg = write_tiny_config(tmp_path, root, NO_RANDOM_AUG)
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    train = [
        sys.executable, 'tools/train.py', cfg, '--cfg-options', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None',
        'default_hooks.checkpoint.save_best=None',
        'default_hooks.checkpoint.max_keep_ckpts=-1'
    ]
    # small batches make epochs long enough to kill one midway: kill as soon as
    # epoch 1 is saved and recorded as the last checkpoint, so epoch 2 is under
    # way. A fast machine may still finish epoch 2 before the signal lands, so
    # the resume point expected below is the one the killed run recorded.
    work = tmp_path / 'killed'
    slow = train + ['train_dataloader.batch_size=2', '--work-dir', str(work)]
    log = open(tmp_path / 'killed.log', 'w')
    proc = subprocess.Popen(slow, cwd=REPO, env=env, stdout=log, stderr=log)
    deadline = time.time() + 400
    last = work / 'last_checkpoint'
    while time.time() < deadline and not (
            last.exists() and last.read_text().strip().endswith('.pth')):
        assert proc.poll() is None, (tmp_path /
                                     'killed.log').read_text()[-2000:]
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (work / 'epoch_3.pth').exists()
    saved = re.fullmatch(r'.*epoch_(\d+)\.pth', last.read_text().strip())
    assert saved, last.read_text()
    epoch = int(saved.group(1))
    assert epoch in (1, 2)
    killed_runs = sorted(p for p in work.iterdir() if p.is_dir())
    subprocess.run(
        slow[:3] + ['--resume'] + slow[3:],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=600)
    assert (work / 'epoch_3.pth').is_file()
    # the restarted run continued from the last saved epoch (15 iterations of
    # 2 images each): its log says where it resumed, and it ran exactly the
    # remaining iterations up to 45, none repeated from a saved epoch
    run = [
        p for p in sorted(work.iterdir())
        if p.is_dir() and p not in killed_runs
    ]
    assert len(run) == 1
    log = next(run[0].glob('*.log')).read_text()
    assert f'resumed epoch: {epoch}, iter: {15 * epoch}' in log
    steps = [
        json.loads(line)['step']
        for line in (run[0] / 'vis_data' /
                     'scalars.json').read_text().splitlines()
        if '"loss"' in line
    ]
    assert steps == list(range(15 * epoch + 1, 46))
    assert re.findall(r'Epoch\(train\) +\[(\d+)\]\[ *(\d+)/15\]',
                      log)[0] == (str(epoch + 1), '1')
    # the same run, never interrupted
    twin = tmp_path / 'twin'
    slow_twin = train + [
        'train_dataloader.batch_size=2', '--work-dir',
        str(twin)
    ]
    subprocess.run(
        slow_twin,
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=600)
    a = torch.load(work / 'epoch_3.pth', weights_only=False)
    b = torch.load(twin / 'epoch_3.pth', weights_only=False)
    assert a['meta']['epoch'] == b['meta']['epoch'] == 3
    assert a['meta']['iter'] == b['meta']['iter']
    for k, v in b['state_dict'].items():
        torch.testing.assert_close(a['state_dict'][k], v, atol=1e-5, rtol=1e-4)

"""One paragraph for every input a user types (issue 38, point 5).

Values a class refuses, errors of dataloader workers, a missing test folder,
``prepare_data.py --allow-empty-classes``, epoch numbers as the log counts
them, and Ctrl-C.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from mmext.apis.train_test import interrupted_message, resume_command
from mmext.datasets import GarbageDataset
from mmext.errors import DataError, friendly_main, unwrap_worker_message
from helpers import (REPO, make_folder_set, make_image, make_list_set,
                     make_tiny_resnet_run, run_tool, write_tiny_config)

ENV = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='2')
PIPE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def _truncated_test_folder(folder: Path) -> Path:
    """Four JPEGs, one cut to a third of its bytes."""
    for i in range(4):
        make_image(folder / f'x{i}.jpg', (200, 10, 10), seed=i)
    good = (folder / 'x0.jpg').read_bytes()
    bad = folder / 'x2.jpg'
    bad.write_bytes(good[:len(good) // 3])
    return bad


def _paragraph(fn, capsys) -> str:
    """What friendly_main prints for ``fn``'s error (exit status 2)."""
    with pytest.raises(SystemExit) as stop:
        friendly_main(fn)()
    assert stop.value.code == 2
    return capsys.readouterr().err


def test_worker_data_error_is_the_main_process_paragraph(tmp_path, capsys):
    """torch re-raises a worker's DataError with its traceback as the
    message: the user sees the same paragraph as without workers, and a
    test folder's fix names no label file."""
    bad = _truncated_test_folder(tmp_path / 'test')
    ds = GarbageDataset(
        data_prefix=str(tmp_path / 'test'),
        layout='unlabeled',
        test_mode=True,
        pipeline=PIPE)

    def read(workers):
        loader = torch.utils.data.DataLoader(
            ds,
            batch_size=4,
            num_workers=workers,
            collate_fn=lambda x: x,
            multiprocessing_context='fork' if workers else None)
        return lambda: list(loader)

    main = _paragraph(read(0), capsys)
    worker = _paragraph(read(1), capsys)
    assert worker == main
    assert str(bad) in worker and 'Fix: replace or delete the file.' in worker
    for wrapped in ('Caught DataError', 'Traceback', 'worker process',
                    'label file', 'dataset_report'):
        assert wrapped not in worker
    # a list data set still names the file and its line's label file
    root = make_list_set(tmp_path / 'list')
    cut = root / 'images' / 'glass' / 'glass_0.jpg'
    cut.write_bytes(cut.read_bytes()[:60])
    listed = GarbageDataset(
        data_root=str(root),
        ann_file='meta/train.txt',
        data_prefix='images',
        classes='meta/classes.txt',
        bad_image='raise',
        pipeline=PIPE)
    with pytest.raises(DataError, match='its line in the label file'):
        listed[0]


def test_unwrap_worker_message_keeps_other_text():
    wrapped = ('Caught DataError in DataLoader worker process 0.\n'
               'Original Traceback (most recent call last):\n'
               '  File "x.py", line 1, in f\n'
               '    raise DataError(msg)\n'
               'mmext.errors.DataError: Cannot read image a.jpg. Fix: '
               'replace it.\n')
    assert unwrap_worker_message(
        wrapped, 'DataError') == ('Cannot read image a.jpg. Fix: replace it.')
    assert unwrap_worker_message('plain text', 'DataError') == 'plain text'


@pytest.mark.slow
@pytest.mark.e2e
def test_test_dir_with_truncated_jpeg_in_workers(tmp_path):
    run = make_tiny_resnet_run(tmp_path)
    bad = _truncated_test_folder(tmp_path / 'test')
    p = subprocess.run([
        sys.executable, 'tools/test.py', run['cfg'], run['ckpt'], '--test-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'p.csv'), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'test_dataloader.num_workers=1'
    ],
                       cwd=REPO,
                       env=ENV,
                       capture_output=True,
                       text=True,
                       timeout=600)
    assert p.returncode == 2, p.stderr[-2000:]
    assert str(bad) in p.stderr and 'Traceback' not in p.stderr
    assert 'Caught DataError' not in p.stderr
    assert 'label file' not in p.stderr


@pytest.mark.e2e
def test_missing_test_folder_suggests_test_dir(tmp_path, capsys):
    run = make_tiny_resnet_run(tmp_path)
    status = run_tool('test.py', run['cfg'], run['ckpt'], '--work-dir',
                      tmp_path / 'work', '--cfg-options',
                      f'test_dataloader.dataset.data_prefix={tmp_path}/gone')
    err = capsys.readouterr().err
    assert status == 2
    assert 'gone does not exist' in err
    assert '--test-dir FOLDER' in err and 'train_dataloader' not in err


def test_prepare_data_allow_empty_classes(tmp_path, capsys):
    src = make_folder_set(tmp_path / 'src', ('a', 'b'), per_class=5)
    (src / 'c').mkdir()  # a class folder without images
    out = tmp_path / 'out'
    assert run_tool('prepare_data.py', 'folder', '--src', src, '--out',
                    out) == 2
    err = capsys.readouterr().err
    assert "['c']" in err and '--allow-empty-classes' in err
    assert run_tool('prepare_data.py', 'folder', '--src', src, '--out', out,
                    '--allow-empty-classes') == 0
    assert 'classes: 3' in capsys.readouterr().out
    assert (out / 'meta' /
            'classes.txt').read_text().split() == ['a', 'b', 'c']


def test_bad_image_count_numbers_epochs_as_the_log(tmp_path):
    from mmext.engine.hooks import BadImageReportHook

    class Runner:
        pass

    lines = []
    runner = Runner()
    runner.epoch = 0  # mmengine's count during the first epoch's hooks
    runner.train_dataloader = type(
        'L', (), dict(dataset=type('D', (), dict(bad_image_count=2))()))()
    runner.message_hub = type('H', (),
                              dict(update_scalar=lambda self, k, v: None))()
    runner.logger = type('G', (),
                         dict(warning=lambda self, msg: lines.append(msg)))()
    BadImageReportHook().after_train_epoch(runner)
    assert len(lines) == 1 and 'after epoch 1' in lines[0]
    assert 'epoch 0' not in lines[0]


def test_resume_command_and_message(tmp_path):
    assert resume_command(
        ['tools/train.py', 'cfg.py', '--resume', 'x.pth', '--work-dir',
         'w']) == 'python tools/train.py cfg.py --work-dir w --resume'
    assert resume_command(
        ['tools/train.py', 'cfg.py', '--resume', '--cfg-options',
         'a=1']) == 'python tools/train.py cfg.py --cfg-options a=1 --resume'
    assert resume_command(['tools/train.py', 'my cfg.py'
                           ]) == ("python tools/train.py 'my cfg.py' --resume")
    text = interrupted_message(str(tmp_path), ['tools/train.py', 'c.py'])
    assert 'before the first checkpoint' in text
    (tmp_path / 'epoch_3.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    text = interrupted_message(str(tmp_path), ['tools/train.py', 'c.py'])
    assert str(tmp_path / 'epoch_3.pth') in text
    assert text.endswith('python tools/train.py c.py --resume')


def _default_sigint() -> None:
    """Ctrl-C as in a terminal: a shell that started pytest in the
    background gives its children SIGINT ignored, and Python keeps that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.e2e
def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    cfg = write_tiny_config(tmp_path, make_list_set(tmp_path / 'tiny'))
    work = tmp_path / 'work'
    proc = subprocess.Popen([
        sys.executable, 'tools/train.py', cfg, '--work-dir',
        str(work), '--cfg-options', 'train_cfg.max_epochs=200',
        'train_dataloader.num_workers=1'
    ],
                            cwd=REPO,
                            env=ENV,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.time() + 300
        while not (work / 'last_checkpoint').is_file():
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.time() < deadline
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err[-2000:]
    checkpoint = (work / 'last_checkpoint').read_text().strip()
    assert f'Last checkpoint: {checkpoint}' in lines[0]
    assert lines[0].endswith(f'python tools/train.py {cfg} --work-dir {work} '
                             '--cfg-options train_cfg.max_epochs=200 '
                             'train_dataloader.num_workers=1 --resume')


def test_interrupt_inside_a_checkpoint_save_counts_as_ctrl_c():
    """mmengine turns a Ctrl-C while it formats the config for a checkpoint
    into a SyntaxError; that is still an interrupt, another error is not."""
    from mmext.apis.train import interrupted

    def format_config():
        try:
            raise KeyboardInterrupt
        except:  # noqa: E722 (as mmengine's Config.pretty_text)
            raise SyntaxError('Failed to format the config file')

    with pytest.raises(SyntaxError) as info:
        format_config()
    assert interrupted(info.value)
    assert interrupted(KeyboardInterrupt())
    assert not interrupted(ValueError('bad value'))

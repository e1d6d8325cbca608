"""Submissions through the tools.

Covers --test-dir, CSV encodings, NaN scores and README.

A tiny ResNet config over a list-layout set (classes from
``meta/classes.txt``, bins from ``class_bins``), an untrained checkpoint saved
as training saves it, and an unlabeled test folder named ``img_N.jpg``.
"""
import csv
import os
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from mmext.evaluation import predictions_frame, write_csv
from helpers import (COLOURS, REPO, TINY_RESNET_TEST_CONFIG, make_image,
                     make_list_set, run_tool, save_tiny_resnet_checkpoint)

CLASSES = ['glass', 'paper', 'trash']


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('sub')
    root = make_list_set(tmp / 'tiny')
    cfg = tmp / 'tiny_cfg.py'
    # the tiny ResNet over a list-layout set, as the shipped configs are
    cfg.write_text(
        TINY_RESNET_TEST_CONFIG.format(resize=40, data='X').replace(
            "data_prefix='X',",
            f"data_root='{root}', ann_file='meta/val.txt', "
            "data_prefix='images', classes='meta/classes.txt',"))
    ckpt = tmp / 'epoch_1.pth'
    save_tiny_resnet_checkpoint(str(cfg), ckpt)
    test_dir = tmp / 'test_data'
    for i in (1, 2, 10, 11, 3):  # natural order: 1 2 3 10 11
        make_image(test_dir / f'img_{i}.jpg', COLOURS[i % 3], seed=i)
    make_image(test_dir / 'sub' / 'img_4.png', COLOURS[0], seed=4)
    (test_dir / 'README.txt').write_text('not an image')
    return dict(
        tmp=tmp, root=root, cfg=str(cfg), ckpt=str(ckpt), test_dir=test_dir)


NATURAL = [
    'img_1.jpg', 'img_2.jpg', 'img_3.jpg', 'img_10.jpg', 'img_11.jpg',
    'sub/img_4.png'
]


def test_test_dir_predicts_every_image_with_names_and_bins(setup, tmp_path):
    out = tmp_path / 'preds.csv'
    assert run_tool('test.py', setup['cfg'], setup['ckpt'], '--out', out,
                    '--test-dir', setup['test_dir'], '--topk', '2',
                    '--work-dir', tmp_path / 'w') == 0
    df = pd.read_csv(out)
    assert list(df.file_name) == NATURAL
    assert df.pred_class.isin(CLASSES).all()
    assert set(df.pred_bin) <= {'recyclable', 'other'}
    for row in df.itertuples():
        assert row.pred_class == CLASSES[row.pred_label]
        assert row.pred_bin == ('other'
                                if row.pred_class == 'trash' else 'recyclable')
    assert 'gt_label' not in df.columns and 'top2_class' in df.columns


def test_test_dir_takes_class_names_from_checkpoint_when_file_is_absent(
        setup, tmp_path):
    """Trained elsewhere: the config's data_root does not exist here."""
    out = tmp_path / 'preds.csv'
    assert run_tool('test.py', setup['cfg'], setup['ckpt'], '--out', out,
                    '--test-dir', setup['test_dir'], '--work-dir',
                    tmp_path / 'w', '--cfg-options',
                    f'test_dataloader.dataset.data_root={tmp_path}/gone') == 0
    df = pd.read_csv(out)
    assert len(df) == 6 and df.pred_class.isin(CLASSES).all()


def test_data_prefix_on_a_list_config_suggests_test_dir(
        setup, tmp_path, capsys):
    """The README's old example: a clear error, and the way out."""
    code = run_tool(
        'test.py', setup['cfg'], setup['ckpt'], '--out', tmp_path / 'p.csv',
        '--work-dir', tmp_path / 'w', '--cfg-options',
        f'test_dataloader.dataset.data_prefix={setup["test_dir"]}')
    err = capsys.readouterr().err
    assert code == 2 and '--test-dir' in err and 'Traceback' not in err
    assert not (tmp_path / 'p.csv').exists()


def test_predict_tool_writes_the_same_csv(setup, tmp_path):
    a, b = tmp_path / 'test.csv', tmp_path / 'predict.csv'
    assert run_tool('test.py', setup['cfg'], setup['ckpt'], '--out', a,
                    '--test-dir', setup['test_dir'], '--topk', '3',
                    '--work-dir', tmp_path / 'w') == 0
    assert run_tool('predict.py', setup['cfg'], setup['ckpt'], '--out', b,
                    '--test-dir', setup['test_dir'], '--topk', '3', '--device',
                    'cpu') == 0
    ta, tb = pd.read_csv(a), pd.read_csv(b)
    assert list(ta.columns) == list(tb.columns)
    for col in ta.columns:
        if col.endswith('score'):
            np.testing.assert_allclose(ta[col], tb[col], atol=2e-6)
        else:
            assert list(ta[col]) == list(tb[col]), col
    # predictions differ between images (not a constant agreement)
    assert ta.score.nunique() > 2


# --- CSV encodings ---------------------------------------------------------


def _frame():
    rng = np.random.default_rng(0)
    res = [{
        'sample_idx': i,
        'img_path': f'/t/img_{i}.jpg',
        'pred_score': rng.dirichlet(np.ones(3)).astype(np.float32)
    } for i in range(4)]
    return predictions_frame(
        res, ['可回收物/易拉罐', '其他垃圾/烟蒂', 'glass'],
        class_to_bin=[0, 1, 0],
        bins=['可回收物', '其他垃圾'])


def test_csv_is_plain_utf8_by_default(tmp_path):
    df = _frame()
    out = tmp_path / 'p.csv'
    write_csv(df, str(out))
    raw = out.read_bytes()
    assert not raw.startswith(b'\xef\xbb\xbf')
    with open(out, encoding='utf-8', newline='') as f:  # a grader's script
        rows = list(csv.DictReader(f))
    assert list(rows[0])[0] == 'file_name'
    assert [r['file_name'] for r in rows] == list(df.file_name)
    assert [r['pred_class'] for r in rows] == list(df.pred_class)
    assert [int(r['pred_label']) for r in rows] == list(df.pred_label)
    pd.testing.assert_frame_equal(pd.read_csv(out), df, check_dtype=False)


def test_csv_excel_flavour_on_request(tmp_path):
    df = _frame()
    out = tmp_path / 'p.csv'
    write_csv(df, str(out), encoding='utf-8-sig')
    assert out.read_bytes().startswith(b'\xef\xbb\xbf')
    pd.testing.assert_frame_equal(pd.read_csv(out), df, check_dtype=False)
    with open(out, encoding='utf-8-sig', newline='') as f:
        assert next(csv.reader(f))[0] == 'file_name'
    with pytest.raises(ValueError, match='utf-8'):
        write_csv(df, str(out), encoding='latin-1')


def test_csv_encoding_option_of_test_tool(setup, tmp_path):
    out = tmp_path / 'excel.csv'
    assert run_tool('test.py', setup['cfg'], setup['ckpt'], '--out', out,
                    '--test-dir', setup['test_dir'], '--csv-encoding',
                    'utf-8-sig', '--work-dir', tmp_path / 'w') == 0
    assert out.read_bytes().startswith(b'\xef\xbb\xbf')
    assert list(pd.read_csv(out).file_name) == NATURAL


# --- NaN scores --------------------------------------------------------------


@pytest.fixture(scope='module')
def nan_ckpt(setup):
    ck = torch.load(setup['ckpt'], weights_only=False)
    w = ck['state_dict']['head.fc.weight']
    w[0, 0] = float('nan')  # one NaN weight: every score becomes NaN
    path = setup['tmp'] / 'diverged.pth'
    torch.save(ck, path)
    return str(path)


@pytest.mark.parametrize('tool', ['test.py', 'predict.py'])
def test_nan_scores_write_no_valid_looking_csv(tool, setup, nan_ckpt, tmp_path,
                                               capsys):
    out = tmp_path / 'preds.csv'
    out.write_text('previous,submission\n')
    extra = (['--work-dir', tmp_path /
              'w'] if tool == 'test.py' else ['--device', 'cpu'])
    code = run_tool(tool, setup['cfg'], nan_ckpt, '--out', out, '--test-dir',
                    setup['test_dir'], *extra)
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err
    assert 'NaN' in err and str(out) in err and 'learning rate' in err
    assert out.read_text() == 'previous,submission\n'  # untouched
    invalid = tmp_path / 'preds.INVALID-nan-scores.csv'
    assert len(pd.read_csv(invalid)) == 6


# --- the submission guide's examples ---------------------------------------


def readme_submission_commands():
    text = (REPO / 'docs' / 'data-and-submissions.md').read_text()
    section = text.split('## Making a submission', 1)[1].split('\n## ', 1)[0]
    block = re.search(r'```bash\n(.*?)```', section, re.S).group(1)
    return [
        line.split('#')[0].strip() for line in block.splitlines()
        if line.startswith('python tools/')
    ]


def test_readme_submission_examples_run(setup, tmp_path):
    commands = readme_submission_commands()
    assert len(commands) >= 5 and any('--test-dir' in c for c in commands)
    subst = {
        'CONFIG': setup['cfg'],
        'CKPT': setup['ckpt'],
        'work_dirs/RUN/epoch_N.pth': setup['ckpt'],
        '/path/test_data': str(setup['test_dir'])
    }
    for i, command in enumerate(commands):
        args = shlex.split(command)[1:]
        args = [subst.get(a, a) for a in args]
        out_i = args.index('--out') + 1
        args[out_i] = str(tmp_path / f'{i}_{args[out_i]}')
        tool = os.path.basename(args[0])
        if tool == 'test.py':
            args += ['--work-dir', str(tmp_path / f'w{i}')]
        assert run_tool(tool, *args[1:]) == 0, command
        assert Path(args[out_i]).is_file(), command
        if args[out_i].endswith('.csv'):
            df = pd.read_csv(args[out_i])
            # the val list and the test folder both hold 6 images
            assert len(df) == 6 and df.pred_class.isin(CLASSES).all()

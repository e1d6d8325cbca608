"""Tests of mmext.analysis and tools/analysis/*: data set report, curves,
config diff / ablation table, error analysis."""
import json
import os.path as osp
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mmext.analysis import (analyse_predictions, config_diff, flatten_config,
                            format_table, load_run, plot_curves, read_scalars,
                            runs_table, scan_dataset)
from mmext.evaluation.submission import predictions_frame, write_csv
from helpers import run_tool

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def save_image(path, seed: int, size=(48, 36), mode='RGB') -> None:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).convert(mode).save(path)


@pytest.fixture
def planted_set(tmp_path):
    """train/val class folders with an empty class, a duplicate, a corrupt
    file, a grayscale image and a tiny image."""
    root = tmp_path / 'data'
    for split, n in (('train', 12), ('val', 3)):
        for c, cls in enumerate(('bottle', 'can', 'peel')):
            folder = root / split / cls
            folder.mkdir(parents=True)
            if split == 'train' and cls == 'peel':
                continue  # the planted empty class
            for i in range(n):
                save_image(
                    folder / f'{cls}{i}.png',
                    seed=100 * c + i + (0 if split == 'train' else 50))
    # duplicate: a training image copied into val under another name
    shutil.copy(root / 'train/bottle/bottle0.png', root / 'val/can/copy.png')
    (root / 'train/can/broken.jpg').write_bytes(b'this is not a jpeg')
    save_image(root / 'val/peel/gray.png', seed=7, mode='L')
    save_image(root / 'val/bottle/tiny.png', seed=8, size=(16, 12))
    return root


def test_dataset_report_finds_planted_problems(planted_set):
    report = scan_dataset(str(planted_set))
    counts = report.counts()
    assert report.splits == ['train', 'val']
    assert list(counts.index) == ['bottle', 'can', 'peel']
    assert counts.loc['peel', 'train'] == 0
    assert counts.loc['can', 'train'] == 13  # 12 images + the corrupt file
    errors = [p for p in report.problems if p.severity == 'error']
    assert report.has_errors
    assert any('peel' in p.message and 'no train images' in p.message
               for p in errors)
    unreadable = [p for p in errors if 'cannot be read' in p.message]
    assert len(unreadable) == 1 and unreadable[0].files == [
        'train/can/broken.jpg'
    ]
    across = [p for p in report.problems if 'more than one split' in p.message]
    assert len(across) == 1
    assert across[0].files == ['train/bottle/bottle0.png = val/can/copy.png']
    assert any('different labels' in p.message for p in report.problems)
    assert any('grayscale' in p.message and p.severity == 'info'
               for p in report.problems)
    assert any('shorter than 32' in p.message for p in report.problems)
    # errors are listed first
    assert report.problems[0].severity == 'error'


def test_dataset_report_clean_set_has_no_problem(tmp_path):
    for split in ('train', 'val'):
        for c, cls in enumerate(('a', 'b')):
            (tmp_path / split / cls).mkdir(parents=True)
            for i in range(10):
                save_image(
                    tmp_path / split / cls / f'{i}.png',
                    seed=1000 * c + i + (500 if split == 'val' else 0))
    report = scan_dataset(str(tmp_path))
    assert report.problems == []
    assert not report.has_errors
    assert 'No problems found.' in report.to_text()


def test_dataset_report_list_layout_empty_class(tmp_path):
    """A class named in classes.txt but never listed is an empty class."""
    (tmp_path / 'images/a').mkdir(parents=True)
    (tmp_path / 'meta').mkdir()
    for i in range(3):
        save_image(tmp_path / f'images/a/{i}.png', seed=i)
    (tmp_path / 'meta/classes.txt').write_text('a\nb\n')
    (tmp_path / 'meta/train.txt').write_text(''.join(f'a/{i}.png 0\n'
                                                     for i in range(3)) +
                                             'a/missing.png 0\n')
    report = scan_dataset(str(tmp_path))
    messages = ' '.join(p.message for p in report.problems
                        if p.severity == 'error')
    assert "['b']" in messages
    assert '1 image(s) cannot be read (1 cannot open' in messages


def test_dataset_report_tool(planted_set, tmp_path, monkeypatch, capsys):
    out = tmp_path / 'report'
    status = run_tool('analysis/dataset_report.py', str(planted_set),
                      '--out-dir', str(out))
    text = capsys.readouterr().out
    assert status == 1  # a problem that spoils training
    assert '[ERROR]' in text and 'peel' in text
    for name in ('class_counts.png', 'image_sizes.png'):
        with Image.open(out / name) as im:
            assert im.format == 'PNG' and im.width > 300
    assert '[ERROR]' in (out / 'report.txt').read_text()


# ---------------------------------------------------------------- curves
def write_scalars(folder, records) -> None:
    path = folder / 'vis_data'
    path.mkdir(parents=True)
    with open(path / 'scalars.json', 'w') as f:
        for r in records:
            f.write(json.dumps(r) + '\n')


def epoch_records(epochs, loss_offset: float, ipe: int = 10):
    recs = []
    for e in epochs:
        for it in (5, 10):
            step = (e - 1) * ipe + it
            recs.append(
                dict(
                    lr=0.0,
                    base_lr=0.1 / e,
                    loss=loss_offset + 1 / e,
                    epoch=e,
                    iter=step,
                    step=step))
        recs.append({'accuracy/top1': loss_offset + 10 * e, 'step': e})
    return recs


@pytest.fixture
def resumed_work_dir(tmp_path):
    """Run 1 logs epochs 1-3, then stops; run 2 resumes from the epoch-2
    checkpoint and logs epochs 3-5 with other values; run 3 is a test run
    without scalars."""
    wd = tmp_path / 'work_dirs/exp'
    write_scalars(wd / '20260101_100000', epoch_records([1, 2, 3], 0.0))
    write_scalars(wd / '20260101_120000', epoch_records([3, 4, 5], 100.0))
    with open(wd / '20260101_120000/vis_data/scalars.json', 'a') as f:
        f.write('{"loss": 1.0, "epo')  # killed mid-write
    (wd / '20260101_130000').mkdir()
    (wd / '20260101_130000/20260101_130000.json'
     ).write_text(json.dumps({
         'accuracy/top1': 77.0,
         'time': 1.0
     }) + '\n')
    (wd / '20260101_120000/vis_data/config.py'
     ).write_text("model = dict(type='X', lr=0.1)\n")
    # tools/test.py with this work dir overwrote the top-level dump
    (wd / 'exp.py').write_text("model = dict(type='X', lr=0.3)\n")
    return wd


def test_curves_resumed_run_has_no_repeated_epochs(resumed_work_dir, tmp_path):
    curves = read_scalars(str(resumed_work_dir))
    assert len(curves.files) == 2
    assert curves.val['epoch'].tolist() == [1, 2, 3, 4, 5]
    acc = curves.val_metric()
    assert acc[2] == 20.0  # from run 1
    assert acc[3] == 130.0  # run 2 replaces run 1's epoch 3
    loss = curves.train_per_epoch()
    assert loss.index.tolist() == [1, 2, 3, 4, 5]
    assert loss[3] == pytest.approx(100 + 1 / 3)
    assert not curves.train.duplicated(['epoch', 'iter']).any()
    assert curves.lr_key == 'base_lr'  # lr is the frozen group's 0
    # fractional epoch: 10 iterations per epoch
    assert curves.train['x'].tolist()[:2] == [0.5, 1.0]
    out = tmp_path / 'curves.png'
    plot_curves([curves, curves], str(out))
    with Image.open(out) as im:
        assert im.format == 'PNG' and im.width > 800


def test_plot_curves_tool(resumed_work_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / 'c.png'
    assert run_tool('analysis/plot_curves.py', str(resumed_work_dir), '--out',
                    str(out)) == 0
    assert 'best 150.00 @ epoch 5' in capsys.readouterr().out
    assert out.stat().st_size > 1000


# ---------------------------------------------------------------- compare
PARENT = """
model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=18),
             head=dict(type='LinearClsHead', num_classes=10, topk=(1, 5)))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=224)]
train_cfg = dict(max_epochs=10)
"""
CHILD = """
_base_ = './parent.py'
model = dict(head=dict(num_classes=6))
optim_wrapper = dict(optimizer=dict(lr=0.01))
"""


def test_config_diff_finds_exactly_the_changed_keys(tmp_path):
    (tmp_path / 'parent.py').write_text(PARENT)
    (tmp_path / 'child.py').write_text(CHILD)
    parent = load_run(str(tmp_path / 'parent.py'))
    child = load_run(str(tmp_path / 'child.py'))
    diff = config_diff([parent.config, child.config])
    assert diff.index.tolist() == [
        'model.head.num_classes', 'optim_wrapper.optimizer.lr'
    ]
    assert diff.loc['optim_wrapper.optimizer.lr'].tolist() == ['0.1', '0.01']
    assert config_diff([child.config, child.config]).empty


def test_flatten_config_uses_cfg_options_syntax():
    flat = flatten_config(
        dict(a=dict(b=1), p=[dict(type='X', s=2)], topk=(1, 5), empty=dict()),
        by_type=False)
    assert flat == {
        'a.b': 1,
        'p.0.type': 'X',
        'p.0.s': 2,
        'topk': [1, 5],
        'empty': {}
    }
    # by type (the default); untyped lists of dicts stay by index
    flat = flatten_config(
        dict(p=[dict(type='X', s=2), dict(type='X', s=3)], q=[dict(s=1)]))
    assert flat == {
        'p[order]': 'X > X',
        'p[X].type': 'X',
        'p[X].s': 2,
        'p[X#2].type': 'X',
        'p[X#2].s': 3,
        'q.0.s': 1
    }


def test_config_diff_matches_hooks_by_type_and_shortens_urls():
    url = ('https://download.openmmlab.com/mmclassification/v0/resnet/'
           'resnet50_8xb32_in1k_20210831-ea4938fc.pth')
    a = dict(
        custom_hooks=[
            dict(type='EMAHook', momentum=1e-4),
            dict(type='ChannelsLastHook')
        ],
        load_from=url)
    b = dict(
        custom_hooks=[
            dict(type='EMAHook', momentum=2e-4),
            dict(type='SamplePairingHook', prob=0.5),
            dict(type='ChannelsLastHook')
        ],
        load_from=None)
    diff = config_diff([a, b], width=40)
    # by position, custom_hooks.1.type would show ChannelsLastHook against
    # SamplePairingHook; by type only the real changes show
    assert diff.index.tolist() == [
        'custom_hooks[EMAHook].momentum',
        'custom_hooks[SamplePairingHook].prob',
        'custom_hooks[SamplePairingHook].type', 'custom_hooks[order]',
        'load_from'
    ]
    assert diff.loc['custom_hooks[SamplePairingHook].type'].tolist() == [
        '<absent>', "'SamplePairingHook'"
    ]
    short = diff.loc['load_from', 0]
    assert len(short) == 40 and short.startswith("'https://downloa")
    assert short.endswith("ea4938fc.pth'") and '…' in short
    full = config_diff([a, b]).loc['load_from', 0]
    assert full == repr(url)
    by_index = config_diff([a, b], by_type=False)
    assert by_index.loc['custom_hooks.1.type'].tolist() == [
        "'ChannelsLastHook'", "'SamplePairingHook'"
    ]


def test_config_diff_pipeline_and_missing_keys(tmp_path):
    (tmp_path / 'parent.py').write_text(PARENT)
    (tmp_path / 'other.py').write_text(
        "_base_ = './parent.py'\n"
        "pipeline = [dict(type='LoadImageFromFile'), "
        "dict(type='Resize', scale=112), dict(type='PackInputs')]\n"
        "model = dict(head=dict(_delete_=True, type='LinearClsHead', "
        'num_classes=10))\n')
    runs = [load_run(str(tmp_path / n)) for n in ('parent.py', 'other.py')]
    diff = config_diff([r.config for r in runs])
    assert diff.index.tolist() == [
        'model.head.topk', 'pipeline[PackInputs].type',
        'pipeline[Resize].scale', 'pipeline[order]'
    ]
    assert diff.loc['pipeline[PackInputs].type'].tolist() == [
        '<absent>', "'PackInputs'"
    ]
    assert diff.loc['pipeline[order]'].tolist() == [
        "'LoadImageFromFile > Resize'",
        "'LoadImageFromFile > Resize > PackInputs'"
    ]


def test_runs_table_and_compare_tool(resumed_work_dir, tmp_path, monkeypatch,
                                     capsys):
    run = load_run(str(resumed_work_dir))
    table = runs_table([run])
    row = table.iloc[0]
    assert row['epochs'] == 5 and row['best epoch'] == 5
    assert row['accuracy/top1 final'] == 150.0
    assert row['test accuracy/top1'] == 77.0
    md = format_table(table, markdown=True)
    assert md.splitlines()[1].startswith('|---')
    other = tmp_path / 'work_dirs/exp2'
    write_scalars(other / '20260102_100000', epoch_records([1, 2], 0.0))
    (other / 'exp2.py').write_text("model = dict(type='X', lr=0.2)\n")
    status = run_tool('analysis/compare_runs.py', str(resumed_work_dir),
                      str(other), '--markdown')
    text = capsys.readouterr().out
    assert status == 0
    assert '| model.lr | 0.1 | 0.2 |' in text
    assert '| exp | 5 | 150.00 | 150.00 | 5 | 77.00 |' in text
    # the report: metrics, curves of both runs, config diff
    for name in ('report.md', 'report.html'):
        report = tmp_path / name
        assert run_tool('analysis/compare_runs.py', str(resumed_work_dir),
                        str(other), '--report', str(report)) == 0
        capsys.readouterr()
        page = report.read_text(encoding='utf-8')
        assert 'model.lr' in page and '150.00' in page
    md = (tmp_path / 'report.md').read_text(encoding='utf-8')
    assert '![curves](report_curves.png)' in md
    with Image.open(tmp_path / 'report_curves.png') as im:
        assert im.width > 800
    html = (tmp_path / 'report.html').read_text(encoding='utf-8')
    assert 'src="data:image/png;base64,' in html and '<table' in html
    assert not (tmp_path / 'report.html_curves.png').exists()


# ---------------------------------------------------------- error analysis
def test_error_analysis(tmp_path, monkeypatch, capsys):
    classes = ['glass', 'paper', 'trash']
    gt = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    pred = [0, 0, 1, 1, 1, 1, 1, 2, 0, 2]
    folder = tmp_path / 'images'
    results = []
    for i, (g, p) in enumerate(zip(gt, pred)):
        (folder / classes[g]).mkdir(parents=True, exist_ok=True)
        path = folder / classes[g] / f'{i}.png'
        save_image(path, seed=i)
        score = np.full(3, 0.1)
        score[p] = 0.8
        results.append(
            dict(
                sample_idx=i, img_path=str(path), pred_score=score,
                gt_label=g))
    csv = tmp_path / 'preds.csv'
    write_csv(predictions_frame(results, classes), str(csv))
    result = analyse_predictions(
        str(csv),
        classes, ['recyclable', 'other'], [0, 0, 1],
        img_root=str(folder))
    assert result.accuracy == pytest.approx(70.0)
    cm = result.confusion()
    assert cm.tolist() == [[2, 2, 0], [0, 3, 0], [1, 0, 2]]
    assert result.confusion('bin').tolist() == [[7, 0], [1, 2]]
    per = result.per_class()
    assert per.loc['glass', 'recall'] == pytest.approx(50.0)
    assert per.loc['paper', 'precision'] == pytest.approx(60.0)
    pairs = result.confused_pairs()
    assert pairs.iloc[0][['true', 'predicted',
                          'count']].tolist() == ['glass', 'paper', 2]
    assert len(pairs) == 2
    sheet = tmp_path / 'sheet.png'
    assert result.contact_sheet(str(sheet)) == 3
    # every score is 0.8 and 70% are right
    assert result.ece() == pytest.approx(0.1)
    # the tool, with names from the CSV and images from --img-root
    out = tmp_path / 'ea'
    assert run_tool('analysis/error_analysis.py', str(csv), '--img-root',
                    str(folder), '--out-dir', str(out)) == 0
    text = capsys.readouterr().out
    assert 'top-1 accuracy 70.00%' in text and '3 mistakes' in text
    assert 'expected calibration error 10.00%' in text
    with Image.open(out / 'reliability.png') as im:
        assert im.format == 'PNG'
    with Image.open(out / 'confusion_matrix.png') as im:
        assert im.format == 'PNG'
    assert not (out / 'confusion_matrix_bins.png').exists()


def test_error_analysis_needs_labels(tmp_path):
    from mmext.errors import DataError
    csv = tmp_path / 'p.csv'
    pd.DataFrame(
        dict(
            file_name=['a.jpg'], pred_label=[0], pred_class=['x'],
            score=[0.9])).to_csv(
                csv, index=False)
    with pytest.raises(DataError, match='no gt_label'):
        analyse_predictions(str(csv))


def test_dataset_report_on_trashnet_sample(shared_dir):
    """The real sample: counts of the official lists, and the identical
    files TrashNet ships under two labels (one of them across train/val)."""
    report = scan_dataset(str(shared_dir / 'data' / 'trashnet-150px'))
    counts = report.counts()
    assert counts['train'].sum() == 1768 and counts['val'].sum() == 328
    assert counts.loc['trash', 'total'] == 108
    assert not report.has_errors
    leaks = [p for p in report.problems if 'more than one split' in p.message]
    assert len(leaks) == 1
    assert 'glass/glass389.jpg = plastic/plastic332.jpg' in leaks[0].files[0]


def test_tools_report_bad_input_in_one_paragraph(tmp_path, monkeypatch,
                                                 capsys):
    monkeypatch.delenv('MMEXT_DEBUG', raising=False)
    empty = tmp_path / 'work_dirs/never_trained'
    empty.mkdir(parents=True)
    assert run_tool('analysis/plot_curves.py', str(empty)) == 2
    err = capsys.readouterr().err
    assert 'No vis_data/scalars.json found under' in err
    assert 'Traceback' not in err
    assert run_tool('analysis/dataset_report.py', str(tmp_path / 'nope')) == 2
    assert 'does not exist' in capsys.readouterr().err


def test_curves_iteration_based_loop(tmp_path):
    """IterBasedTrainLoop logs no epoch: iterations stand in for epochs."""
    recs = [dict(lr=0.1, loss=1.0 / i, iter=i, step=i) for i in (10, 20, 30)]
    recs.insert(2, {'accuracy/top1': 50.0, 'step': 20})
    write_scalars(tmp_path / '20260101_000000', recs)
    curves = read_scalars(str(tmp_path))
    assert not curves.by_epoch
    assert curves.train['x'].tolist() == [10, 20, 30]
    assert curves.val_metric().to_dict() == {20: 50.0}
    assert curves.lr_key == 'lr'


def test_error_analysis_reads_mmpretrain_pickle_safely(tmp_path):
    """``tools/test.py --out results.pkl`` (mmengine's DumpResults) gives the
    same analysis as the CSV; a pickle that would run code is refused."""
    import pickle

    import mmengine
    import torch

    from mmext.errors import DataError
    gt, pred = [0, 1, 1, 2], [0, 1, 2, 2]
    samples, results = [], []
    for i, (g, p) in enumerate(zip(gt, pred)):
        score = torch.full((3, ), 0.1)
        score[p] = 0.8
        path = f'/data/val/c{g}/{i}.jpg'
        samples.append(
            dict(
                sample_idx=i,
                img_path=path,
                pred_score=score,
                pred_label=torch.tensor([p]),
                gt_label=torch.tensor([g])))
        results.append(
            dict(
                sample_idx=i,
                img_path=path,
                pred_score=score.numpy(),
                gt_label=g))
    pkl, csv = tmp_path / 'results.pkl', tmp_path / 'preds.csv'
    mmengine.dump(samples, str(pkl))
    write_csv(predictions_frame(results, ['a', 'b', 'c']), str(csv))
    from_pkl = analyse_predictions(str(pkl), ['a', 'b', 'c'])
    from_csv = analyse_predictions(str(csv))
    assert from_pkl.confusion().tolist() == from_csv.confusion().tolist()
    assert from_pkl.frame['file_name'].tolist() == [
        'c0/0.jpg', 'c1/1.jpg', 'c1/2.jpg', 'c2/3.jpg'
    ]

    class Evil:

        def __reduce__(self):
            return (print, ('pwned', ))

    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(pickle.dumps([Evil()]))
    with pytest.raises(DataError, match='builtins.print is not allowed'):
        analyse_predictions(str(bad))

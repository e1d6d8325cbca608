"""compare_runs: the Δ column against the first run, k-fold mean ± std and
the "within noise" mark."""
import json
import warnings

import pytest

from mmext.analysis.compare import (compare_text, load_run, noise_check,
                                    runs_table)
from helpers import run_tool


def write_scalars(run_dir, accuracies):
    """A training work dir: a config and one val record per epoch."""
    vis = run_dir / '20260101_100000' / 'vis_data'
    vis.mkdir(parents=True)
    with open(vis / 'scalars.json', 'w') as f:
        for epoch, acc in enumerate(accuracies, 1):
            f.write(
                json.dumps(
                    dict(
                        loss=1.0 /
                        epoch, epoch=epoch, iter=epoch, step=epoch)) + '\n')
            f.write(json.dumps({'accuracy/top1': acc, 'step': epoch}) + '\n')
    (vis / 'config.py').write_text(f'model = dict(lr={accuracies[-1]})\n')
    return run_dir


def write_kfold(root, per_fold, lr, split_seed=0):
    """A tools/kfold.py work dir: kfold.json and each fold's config."""
    runs = []
    for fold, acc in enumerate(per_fold):
        work = root / f'fold_{fold}'
        (work / '20260101_100000' / 'vis_data').mkdir(parents=True)
        (work / 'cfg.py').write_text(f'model = dict(lr={lr})\n')
        runs.append(
            dict(
                name=f'fold_{fold}',
                fold=fold,
                seed=None,
                work_dir=str(work),
                metrics={'accuracy/top1': acc}))
    (root / 'kfold.json').write_text(
        json.dumps(
            dict(
                folds=len(per_fold),
                split_seed=split_seed,
                trainval=True,
                metric='accuracy/top1',
                runs=runs)))
    return root


def test_delta_column_against_the_first_run(tmp_path):
    a = load_run(str(write_scalars(tmp_path / 'a', [50.0, 70.0])))
    b = load_run(str(write_scalars(tmp_path / 'b', [60.0, 72.5])))
    c = load_run(str(write_scalars(tmp_path / 'c', [40.0, 65.0])))
    table = runs_table([a, b, c])
    assert list(table['Δ accuracy/top1']) == ['ref', '+2.50', '-5.00']
    assert 'within noise' not in table  # no k-fold runs: no noise estimate


def test_kfold_runs_mean_std_and_noise(tmp_path):
    base = load_run(
        str(write_kfold(tmp_path / 'base', [90.0, 92.0, 94.0], 0.1)))
    # same folds: +0.5 on every fold -> paired spread 0, beyond the noise
    better = load_run(
        str(write_kfold(tmp_path / 'better', [90.5, 92.5, 94.5], 0.2)))
    # same folds, differences +2, -2, +1: mean +0.33, spread 2.08: noise
    noisy = load_run(
        str(write_kfold(tmp_path / 'noisy', [92.0, 90.0, 95.0], 0.3)))
    # other folds (another split seed): unpaired, sqrt(2^2 + 2^2)
    other = load_run(
        str(write_kfold(tmp_path / 'other', [91.0, 93.0, 95.0], 0.4, 1)))
    assert base.config == {'model': {'lr': 0.1}}  # the first fold's config
    check = noise_check(base, better, 'accuracy/top1')
    assert check['paired'] and check['delta'] == pytest.approx(0.5)
    assert check['spread'] == pytest.approx(0.) and not check['within']
    check = noise_check(base, noisy, 'accuracy/top1')
    assert check['paired'] and check['delta'] == pytest.approx(1 / 3)
    assert check['spread'] == pytest.approx(2.0817, abs=1e-3)
    assert check['within']
    check = noise_check(base, other, 'accuracy/top1')
    assert not check['paired'] and check['delta'] == pytest.approx(1.0)
    assert check['spread'] == pytest.approx(8**0.5) and check['within']

    table = runs_table([base, better, noisy, other])
    assert list(table['accuracy/top1 k-fold']) == [
        '92.00 ± 2.00 (n=3)', '92.50 ± 2.00 (n=3)', '92.33 ± 2.52 (n=3)',
        '93.00 ± 2.00 (n=3)'
    ]
    assert list(table['Δ accuracy/top1']) == ['ref', '+0.50', '+0.33', '+1.00']
    assert list(table['within noise'])[1:] == ['no', 'yes', 'yes']
    assert list(table['spread'])[1:] == ['0.00 paired', '2.08 paired', '2.83']
    text = compare_text([base, better], markdown=True)
    assert '| model.lr | 0.1 | 0.2 |' in text and 'ref' in text


def test_compare_tool_mixes_kfold_and_plain_runs(tmp_path, capsys):
    base = write_kfold(tmp_path / 'kf', [80.0, 82.0], 0.1)
    plain = write_scalars(tmp_path / 'plain', [70.0, 83.0])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no font or other warning
        status = run_tool('analysis/compare_runs.py', str(base / 'kfold.json'),
                          str(plain), '--markdown')
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = [ln for ln in captured.out.splitlines() if ln.startswith('| kf')]
    assert rows and 'ref' in rows[0] and '81.00 ± 1.41 (n=2)' in rows[0]
    plain_row = [
        ln for ln in captured.out.splitlines() if ln.startswith('| plain')
    ][0]
    assert '+2.00' in plain_row  # 83 (last val) - 81 (k-fold mean)
    assert 'findfont' not in captured.err
    assert run_tool('analysis/compare_runs.py', '--help') == 0
    assert 'within noise' in capsys.readouterr().out.replace('\n', ' ')


def test_bad_kfold_report_is_one_paragraph(tmp_path, capsys):
    bad = tmp_path / 'kfold.json'
    bad.write_text('{"folds": 5')
    assert run_tool('analysis/compare_runs.py', str(bad)) == 2
    err = capsys.readouterr().err
    assert 'k-fold report' in err and 'Traceback' not in err


def test_report_has_no_font_noise(tmp_path, capsys, caplog):
    """A fallback family this machine lacks logs matplotlib "findfont"
    warnings; runs with plain names need no note about Chinese fonts."""
    import matplotlib
    a = write_scalars(tmp_path / 'a', [50.0, 70.0])
    b = write_scalars(tmp_path / 'b', [60.0, 72.5])
    with matplotlib.rc_context({'font.family': ['NoSuchFamily38']}):
        status = run_tool('analysis/compare_runs.py', str(a), str(b),
                          '--report', str(tmp_path / 'report.md'))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert (tmp_path / 'report_curves.png').is_file()
    assert 'findfont' not in captured.err + caplog.text
    assert 'no font with Chinese glyphs' not in captured.err

"""Calibration: ECE, reliability bins, temperature scaling, its consumers.

The unit tests check the numbers against hand-computed values and a
synthetic model whose true temperature is known. The integration test fits
a temperature for a tiny ResNet, stores it in the checkpoint and shows that
tools/predict.py's API, tools/test.py's CSV and pseudo-labelling all give
``softmax(log p / T)`` of the raw scores, and that removing it restores them.
"""
import os.path as osp

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import make_tiny_resnet_run

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_ece_by_hand():
    from mmext.evaluation.calibration import (expected_calibration_error,
                                              reliability_bins)
    conf = [0.9, 0.9, 0.6, 0.6]
    ok = [True, False, True, True]
    # bin (0.8, 0.9]: conf .9 acc .5; bin (0.5, 0.6]: conf .6 acc 1.0
    assert expected_calibration_error(
        conf, ok, n_bins=10) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    bins = reliability_bins(conf, ok, n_bins=10)
    assert bins['count'].tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 2, 0]
    assert bins.loc[8, 'accuracy'] == pytest.approx(0.5)
    assert bins.loc[8, 'gap'] == pytest.approx(0.4)
    # a score of exactly 1.0 and of 0.0 land in the last/first bin
    assert reliability_bins([1.0, 0.0], [True, False], 4)['count'].tolist() \
        == [1, 0, 0, 1]
    with pytest.raises(Exception, match='probabilities'):
        expected_calibration_error([3.0], [True])


def test_ece_of_a_calibrated_and_an_overconfident_model():
    from mmext.evaluation.calibration import expected_calibration_error
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.3, 1.0, 20000)
    ok = rng.uniform(size=conf.size) < conf  # right with probability conf
    assert expected_calibration_error(conf, ok) < 0.015
    over = np.minimum(conf + 0.2, 1.0)
    assert expected_calibration_error(over, ok) > 0.1


def test_temperature_scaling_recovers_the_true_temperature():
    from mmext.evaluation.calibration import (calibration_summary,
                                              fit_temperature, scale_scores)
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (6000, 5))
    labels = np.array([rng.choice(5, p=p) for p in softmax(logits / 2.5)])
    raw = softmax(logits)  # over-confident: the truth is logits / 2.5
    t = fit_temperature(raw, labels)
    assert t == pytest.approx(2.5, rel=0.06)
    # scaling softmax scores == scaling logits
    np.testing.assert_allclose(
        scale_scores(raw, t), softmax(logits / t), atol=1e-9)
    s = calibration_summary(raw, labels, t)
    assert s['ece_scaled'] < s['ece'] / 3
    assert s['nll_scaled'] < s['nll']
    # accuracy never changes
    assert (scale_scores(raw, t).argmax(1) == raw.argmax(1)).all()


def test_reliability_diagram_png(tmp_path):
    from PIL import Image

    from mmext.visualization.reliability import plot_reliability
    rng = np.random.default_rng(2)
    conf = rng.uniform(0.5, 1, 300)
    ok = rng.uniform(size=300) < conf - 0.2
    ece = plot_reliability(
        str(tmp_path / 'rel.png'), conf, ok, after=(conf - 0.2, ok, 'scaled'))
    assert ece > 0.1
    with Image.open(tmp_path / 'rel.png') as im:
        assert im.width > 300 and im.height > 300


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return make_tiny_resnet_run(tmp_path_factory.mktemp('calib'))


@pytest.mark.slow
@pytest.mark.e2e
def test_calibrate_tool_and_every_consumer(tiny, capsys):
    import importlib.util

    from mmext.apis.inference import Predictor
    from mmext.apis.pseudo_label import select_pseudo_labels
    from mmext.apis.train_test import run_test, test_parser
    from mmext.evaluation.calibration import scale_scores
    from mmext.evaluation.temperature import read_calibration

    raw = Predictor(tiny['cfg'], tiny['ckpt'], device='cpu')
    assert raw.temperature is None
    raw_res = raw(str(tiny['data']), topk=3)
    raw_scores = np.stack([r['scores_all'] for r in raw_res])

    spec = importlib.util.spec_from_file_location(
        'calibrate_tool', osp.join(REPO, 'tools', 'analysis', 'calibrate.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tiny['tmp'] / 'calibrated.pth'
    tool.main([
        tiny['cfg'], tiny['ckpt'], '--split', 'test', '--out',
        str(out), '--plot',
        str(tiny['tmp'] / 'rel.png')
    ])
    printed = capsys.readouterr().out
    assert 'temperature' in printed and 'ECE' in printed
    assert read_calibration(tiny['ckpt']) is None  # --out: original intact
    info = read_calibration(str(out))
    t = info['temperature']
    assert t > 0 and abs(t - 1) > 0.05  # the sharpened head is miscalibrated
    assert info['split'] == 'test' and info['images'] == 9
    assert info['ece_scaled'] <= info['ece'] + 1e-9
    assert osp.isfile(tiny['tmp'] / 'rel.png')
    # the weights are untouched
    a = torch.load(tiny['ckpt'], weights_only=False)['state_dict']
    b = torch.load(str(out), weights_only=False)['state_dict']
    assert all(torch.equal(a[k], b[k]) for k in a)

    # predict API (tools/predict.py, demo)
    cal = Predictor(tiny['cfg'], str(out), device='cpu')
    assert cal.temperature == pytest.approx(t)
    cal_res = cal(str(tiny['data']), topk=3)
    expected = scale_scores(raw_scores, t)
    for r, e, r0 in zip(cal_res, expected, raw_res):
        np.testing.assert_allclose(r['scores_all'], e, atol=2e-5)
        assert r['labels'] == r0['labels']  # ranking unchanged

    # tools/test.py CSV
    csv = tiny['tmp'] / 'preds.csv'
    run_test(test_parser().parse_args([
        tiny['cfg'],
        str(out), '--out',
        str(csv), '--work-dir',
        str(tiny['tmp'] / 'work')
    ]))
    table = pd.read_csv(csv, encoding='utf-8-sig').set_index('file_name')
    for r, e in zip(cal_res, expected):
        row = table.loc[osp.relpath(r['file'], tiny['data'])]
        assert row['score'] == pytest.approx(e.max(), abs=2e-5)

    # pseudo-labelling thresholds see calibrated scores: a threshold between
    # the raw and the calibrated top score keeps one set but not the other
    top_raw, top_cal = raw_scores.max(1), expected.max(1)
    i = int(np.argmax(np.abs(top_raw - top_cal)))
    thr = float((top_raw[i] + top_cal[i]) / 2)
    kept_raw = select_pseudo_labels([raw_res[i]], thr)['lines']
    kept_cal = select_pseudo_labels([cal_res[i]], thr)['lines']
    assert len(kept_raw) + len(kept_cal) == 1

    # --remove gives raw scores back
    tool.main([tiny['cfg'], str(out), '--remove'])
    assert read_calibration(str(out)) is None
    again = Predictor(
        tiny['cfg'], str(out), device='cpu')(
            str(tiny['data']), topk=1)
    np.testing.assert_allclose(
        again[0]['scores_all'], raw_scores[0], atol=1e-6)


def test_malformed_calibration_is_a_clear_error(tiny, tmp_path):
    from mmext.errors import CheckpointError
    from mmext.evaluation.temperature import (attach_temperature,
                                              write_calibration)
    bad = write_calibration(tiny['ckpt'], dict(temperature=-1.0),
                            str(tmp_path / 'bad.pth'))
    with pytest.raises(CheckpointError, match='malformed calibration'):
        attach_temperature(torch.nn.Module(), bad)

"""Ensembles: one model's ensemble is that model's CSV; two average exactly.

Two tiny, untrained ResNets (different seeds, sharpened heads so their
predictions differ) are saved like training saves them (``dataset_meta`` in
``meta``); ``tools/test.py`` writes their CSVs with every class ranked.
"""
import os.path as osp
import runpy
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import (REPO, make_folder_set, save_tiny_resnet_checkpoint,
                     write_tiny_resnet_test_config)

CLASSES = ('glass', 'paper', 'trash')


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    """Images, a config, two checkpoints and their full-score test CSVs."""
    from mmext.apis.train_test import run_test, test_parser

    tmp = tmp_path_factory.mktemp('ensemble')
    data = make_folder_set(tmp / 'data', CLASSES, per_class=3)
    cfg_file = write_tiny_resnet_test_config(tmp / 'tiny.py', data)
    out = dict(data=data, cfg=cfg_file, tmp=tmp)
    for name, seed in (('a', 0), ('b', 1)):
        ckpt = tmp / f'{name}.pth'
        save_tiny_resnet_checkpoint(cfg_file, ckpt, seed)
        csv = tmp / f'{name}.csv'
        run_test(test_parser().parse_args([
            str(cfg_file),
            str(ckpt), '--out',
            str(csv), '--topk', '3', '--work-dir',
            str(tmp / 'work')
        ]))
        out[name], out[name + '_csv'] = str(ckpt), str(csv)
    return out


def read(path):
    return pd.read_csv(path, encoding='utf-8-sig')


def score_matrix(frame):
    """Scores by label from a fully ranked table."""
    m = np.zeros((len(frame), 3))
    for lab, sc in (('pred_label', 'score'), ('top2_label', 'top2_score'),
                    ('top3_label', 'top3_score')):
        m[np.arange(len(frame)), frame[lab]] = frame[sc]
    return m


def test_ensemble_of_one_csv_is_that_csv(models, tmp_path):
    from mmext.apis.ensemble import ensemble
    out = tmp_path / 'one.csv'
    ensemble([models['a_csv']], str(out), topk=3)
    got, ref = read(out), read(models['a_csv'])
    assert list(got.columns) == list(ref.columns)
    assert 'pred_bin' in got.columns and 'gt_label' in got.columns
    assert list(got['file_name']) == list(ref['file_name'])
    for col in ref.columns:
        if col.endswith('score'):
            np.testing.assert_allclose(got[col], ref[col], atol=1e-6)
        else:
            assert list(got[col]) == list(ref[col]), col
    # the models really differ, so the next test is not trivial
    assert (read(models['b_csv'])['pred_label'] != ref['pred_label']).any()


def test_ensemble_of_one_model_pair_is_its_csv(models, tmp_path):
    from mmext.apis.ensemble import ensemble
    out = tmp_path / 'pair.csv'
    got = ensemble([(models['cfg'], models['a'])],
                   str(out),
                   topk=3,
                   images=str(models['data']),
                   device='cpu')
    ref = read(models['a_csv'])
    assert list(got['file_name']) == list(
        ref['file_name'])  # glass/glass_0.jpg
    assert list(got['pred_label']) == list(ref['pred_label'])
    assert list(got['pred_bin']) == list(ref['pred_bin'])
    np.testing.assert_allclose(
        score_matrix(read(out)), score_matrix(ref), atol=1e-5)


def test_two_csvs_average_to_the_hand_computed_mean(models, tmp_path,
                                                    monkeypatch):
    tool = osp.join(REPO, 'tools', 'ensemble.py')
    out = tmp_path / 'two.csv'
    monkeypatch.setattr(sys, 'argv', [
        tool, '--csv', models['a_csv'], models['b_csv'], '--weights', '1', '3',
        '--topk', '2', '--out',
        str(out)
    ])
    runpy.run_path(tool, run_name='__main__')
    a, b = read(models['a_csv']), read(models['b_csv'])
    # rows matched by file name, whatever the order of the second file
    b = b.iloc[::-1].reset_index(drop=True)
    b.to_csv(tmp_path / 'b_reversed.csv', index=False)
    from mmext.apis.ensemble import ensemble
    got2 = ensemble(
        [models['a_csv'], str(tmp_path / 'b_reversed.csv')],
        str(tmp_path / 'two2.csv'),
        weights=[1, 3],
        topk=2)
    got = read(out)
    b = b.set_index('file_name').loc[a['file_name']].reset_index()
    mean = 0.25 * score_matrix(a) + 0.75 * score_matrix(b)
    assert list(got['file_name']) == list(a['file_name'])
    np.testing.assert_array_equal(got['pred_label'], mean.argmax(1))
    np.testing.assert_allclose(got['score'], mean.max(1), atol=2e-6)
    np.testing.assert_allclose(
        got['top2_score'], np.sort(mean, 1)[:, -2], atol=2e-6)
    assert list(got['pred_class']) == [CLASSES[i] for i in mean.argmax(1)]
    assert list(got['gt_label']) == list(a['gt_label'])
    assert list(got2['pred_label']) == list(got['pred_label'])


def test_known_score_sets():
    from mmext.apis.ensemble import ensemble_frames, scores_frame

    # dyadic fractions: the means are exact in floating point
    s1 = np.array([[0.75, 0.125, 0.125], [0.125, 0.5, 0.375]])
    s2 = np.array([[0.25, 0.625, 0.125], [0.25, 0.25, 0.5]])
    f1 = scores_frame(['x.jpg', 'y.jpg'], s1, list(CLASSES), topk=3)
    f2 = scores_frame(['y.jpg', 'x.jpg'], s2[::-1], list(CLASSES), topk=3)
    got = ensemble_frames([f1, f2], topk=3)
    # mean: [[.5, .375, .125], [.1875, .375, .4375]]
    assert list(got['pred_label']) == [0, 2]
    assert list(got['top2_label']) == [1, 1]
    np.testing.assert_allclose(got['score'], [0.5, 0.4375])
    np.testing.assert_allclose(got['top3_score'], [0.125, 0.1875])
    # weights 1:3 -> [[.375, .5, .125], [.21875, .3125, .46875]]
    got = ensemble_frames([f1, f2], weights=[1, 3], topk=3)
    assert list(got['pred_label']) == [1, 2]
    np.testing.assert_allclose(got['score'], [0.5, 0.46875])
    assert np.allclose(score_matrix(got), 0.25 * s1 + 0.75 * s2)


def test_clear_errors(models, tmp_path):
    from mmext.apis.ensemble import ensemble
    from mmext.errors import DataError
    a = read(models['a_csv'])
    a.iloc[:-1].to_csv(tmp_path / 'short.csv', index=False)
    with pytest.raises(DataError, match='short.csv.*not hold the same'):
        ensemble(
            [models['a_csv'], str(tmp_path / 'short.csv')],
            str(tmp_path / 'x.csv'))
    top1 = a[['file_name', 'pred_label', 'pred_class', 'score']]
    top1.to_csv(tmp_path / 'top1.csv', index=False)
    with pytest.raises(DataError, match='--topk'):
        ensemble([str(tmp_path / 'top1.csv')], str(tmp_path / 'x.csv'))
    renamed = a.replace({'glass': 'bottle'})
    renamed.to_csv(tmp_path / 'renamed.csv', index=False)
    with pytest.raises(DataError, match='classes'):
        ensemble(
            [models['a_csv'], str(tmp_path / 'renamed.csv')],
            str(tmp_path / 'x.csv'))
    assert not (tmp_path / 'x.csv').exists()

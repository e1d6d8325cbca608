"""The submission table: one row per image, stable order, atomic writes."""
import numpy as np
import pandas as pd
import pytest

from mmext.evaluation import predictions_frame, write_csv
from mmext.evaluation.bin_accuracy import BinAccuracy
from mmext.fileio import atomic_write


def _results(n=5, k=4, seed=0, with_gt=True):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        s = rng.random(k)
        r = {
            'sample_idx': i,
            'img_path': f'/data/test/img_{i}.jpg',
            'pred_score': (s / s.sum()).astype(np.float32)
        }
        if with_gt:
            r['gt_label'] = i % k
        out.append(r)
    return out


def test_frame_rows_columns_and_topk():
    res = _results()
    shuffled = res[3:] + res[:3] + res[:2]  # padded + out of order, as in DDP
    classes = ['可回收物/易拉罐', '其他垃圾/烟蒂', 'c', 'd']
    df = predictions_frame(
        shuffled,
        classes,
        topk=3,
        class_to_bin=[0, 1, 1, 0],
        bins=['可回收物', '其他垃圾'])
    assert list(df.columns) == [
        'file_name', 'pred_label', 'pred_class', 'score', 'top2_label',
        'top2_class', 'top2_score', 'top3_label', 'top3_class', 'top3_score',
        'pred_bin', 'gt_label'
    ]
    assert list(df.file_name) == [f'img_{i}.jpg' for i in range(5)]
    for row, r in zip(df.itertuples(), res):
        order = np.argsort(-r['pred_score'])
        assert row.pred_label == order[0] and row.top3_label == order[2]
        assert row.pred_class == classes[order[0]]
        assert row.score == pytest.approx(r['pred_score'][order[0]], abs=1e-6)
        assert row.score >= row.top2_score >= row.top3_score
        assert row.pred_bin == ['可回收物', '其他垃圾'][[0, 1, 1, 0][order[0]]]


def test_csv_parses_back_and_unlabeled(tmp_path):
    df = predictions_frame(_results(with_gt=False), ['a', 'b', 'c', 'd'])
    assert 'gt_label' not in df.columns
    out = tmp_path / 'p.csv'
    write_csv(df, str(out))
    back = pd.read_csv(out, encoding='utf-8-sig')
    assert back.shape == (5, 4)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_class_subfolders_keep_relative_names():
    res = _results(2)
    res[0]['img_path'], res[1][
        'img_path'] = '/d/glass/g1.jpg', '/d/trash/t1.jpg'
    assert list(predictions_frame(
        res, list('abcd')).file_name) == ['glass/g1.jpg', 'trash/t1.jpg']


def test_atomic_write_keeps_previous_file_on_failure(tmp_path):
    out = tmp_path / 'preds.csv'
    out.write_text('old content\n')
    with pytest.raises(RuntimeError):
        with atomic_write(str(out)) as f:
            f.write('half a new fi')
            raise RuntimeError('killed mid-write')
    assert out.read_text() == 'old content\n'
    assert list(tmp_path.iterdir()) == [out]  # no temp file left behind


def test_bin_accuracy():
    metric = BinAccuracy()
    metric.dataset_meta = {'class_to_bin': (0, 0, 1), 'bins': ('r', 'o')}
    import torch
    samples = [{
        'pred_score': torch.tensor(s),
        'gt_label': torch.tensor([g])
    } for s, g in [([.9, .1, 0], 1), ([0, .2, .8], 2), ([.1, .1, .8], 0)]]
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    # pred bins r, o, o vs true r, o, r: 2 of 3 right; wrong item, right bin
    assert out['accuracy'] == pytest.approx(200 / 3)
    assert out['recall_r'] == pytest.approx(50.0) and out['recall_o'] == 100.0

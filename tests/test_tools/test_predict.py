"""tools/predict.py gives what tools/test.py gives, on the same images.

A tiny ResNet is saved with mmengine's ``save_checkpoint`` (meta holding the
data set's ``dataset_meta``, as training does). The images are not square
(so resize and crop matter) and their red and blue channels differ strongly;
the model is shown to react to swapping them, so equal scores prove that
single-image inference uses the same colour order, resize and normalisation
as testing.
"""
import os.path as osp
import runpy
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import make_tiny_resnet_run

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CLASSES = ('glass', 'paper', 'trash')


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """Images, a config and a checkpoint with dataset_meta."""
    # short edge 40 then a 32px crop: resize and crop both change the input
    return make_tiny_resnet_run(tmp_path_factory.mktemp('predict'))


@pytest.mark.slow
def test_predict_matches_test_csv(tiny_run):
    from mmext.apis.inference import Predictor
    from mmext.apis.train_test import run_test, test_parser

    csv = tiny_run['tmp'] / 'preds.csv'
    args = test_parser().parse_args([
        tiny_run['cfg'], tiny_run['ckpt'], '--out',
        str(csv), '--topk', '3', '--work-dir',
        str(tiny_run['tmp'] / 'work')
    ])
    run_test(args)
    table = pd.read_csv(csv, encoding='utf-8-sig').set_index('file_name')
    assert len(table) == 9

    predictor = Predictor(tiny_run['cfg'], tiny_run['ckpt'], device='cpu')
    assert list(predictor.classes) == list(CLASSES)
    results = predictor(str(tiny_run['data']), topk=3, batch_size=2)
    assert len(results) == 9
    for res in results:
        row = table.loc[osp.relpath(res['file'], tiny_run['data'])]
        assert res['labels'][0] == row['pred_label']
        assert res['classes'][0] == row['pred_class']
        assert res['scores'][0] == pytest.approx(row['score'], abs=1e-5)
        assert res['scores'][1] == pytest.approx(row['top2_score'], abs=1e-5)
        assert res['labels'][1:] == [row['top2_label'], row['top3_label']]
        assert res['bin'] == row['pred_bin']
    # not a trivial agreement: the predictions differ between images ...
    assert len({round(r['scores'][0], 4) for r in results}) > 3
    # ... and the model reacts to the channel order, so a BGR/RGB mix-up
    # between testing and inference would have changed the scores.
    swapped = []
    for path in tiny_run['paths']:
        out = tiny_run['tmp'] / ('swapped_' + osp.basename(path))
        arr = np.asarray(Image.open(path))[..., ::-1]
        Image.fromarray(np.ascontiguousarray(arr)).save(out)
        swapped.append(str(out))
    plain = np.stack([r['scores_all'] for r in predictor(tiny_run['paths'])])
    flipped = np.stack([r['scores_all'] for r in predictor(swapped)])
    assert np.abs(plain - flipped).max() > 0.05


def test_predict_tool(tiny_run, monkeypatch, capsys):
    tool = osp.join(REPO, 'tools', 'predict.py')
    image = tiny_run['paths'][0]
    monkeypatch.setattr(
        sys, 'argv',
        [tool, image, tiny_run['cfg'], tiny_run['ckpt'], '--topk', '2'])
    runpy.run_path(tool, run_name='__main__')
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(image)
    assert line.count('(') == 2 and '[bin: ' in line


def test_predict_bad_image_is_a_clear_error(tiny_run, tmp_path):
    from mmext.apis.inference import Predictor
    from mmext.errors import DataError
    bad = tmp_path / 'x.jpg'
    bad.write_bytes(b'nope')
    predictor = Predictor(tiny_run['cfg'], tiny_run['ckpt'], device='cpu')
    with pytest.raises(DataError, match='x.jpg'):
        predictor(str(bad))
    with pytest.raises(DataError, match='neither an image nor a folder'):
        predictor(str(tmp_path / 'missing'))

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
import torch
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLASSES = ('glass', 'paper', 'trash')

CONFIG = """
_base_ = 'mmpretrain::_base_/default_runtime.py'
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)
data_preprocessor = dict(num_classes=3, mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=40, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GarbageDataset', data_prefix='{data}',
                 class_bins=dict(glass='recyclable', paper='recyclable',
                                 trash='other'),
                 test_mode=True, pipeline=test_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
"""


def make_images(folder) -> list:
    """Non-square images whose R and B channels differ strongly."""
    rng = np.random.default_rng(0)
    paths = []
    for c, cls in enumerate(CLASSES):
        (folder / cls).mkdir(parents=True)
        for i in range(3):
            h, w = 48 + 8 * i, 72 - 6 * c
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0] = 230 - 60 * c  # R
            img[..., 1] = rng.integers(0, 255, (h, w))  # G: texture
            img[..., 2] = 20 + 40 * i  # B
            img[: h // 2, : w // 3, 0] = 10  # a dark-red patch
            path = folder / cls / f'{cls}{i}.png'
            Image.fromarray(img).save(path)
            paths.append(str(path))
    return paths


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """Images, a config and a checkpoint with dataset_meta."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint
    from mmpretrain.registry import DATASETS, MODELS

    import mmext  # noqa: F401  (registers GarbageDataset)

    tmp = tmp_path_factory.mktemp('predict')
    data = tmp / 'data'
    paths = make_images(data)
    cfg_file = tmp / 'tiny.py'
    cfg_file.write_text(CONFIG.replace('{data}', str(data)))
    cfg = Config.fromfile(str(cfg_file))
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model,
                              data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    with torch.no_grad():  # sharper scores: differences are easy to see
        model.head.fc.weight.mul_(20)
    meta = DATASETS.build(dict(cfg.test_dataloader.dataset,
                               pipeline=[])).metainfo
    ckpt = tmp / 'tiny.pth'
    save_checkpoint({'state_dict': model.state_dict(),
                     'meta': {'dataset_meta': dict(meta)}}, str(ckpt))
    return dict(data=data, paths=paths, cfg=str(cfg_file), ckpt=str(ckpt),
                tmp=tmp)


def test_predict_matches_test_csv(tiny_run):
    from mmext.apis.cli import run_test, test_parser
    from mmext.apis.inference import Predictor

    csv = tiny_run['tmp'] / 'preds.csv'
    args = test_parser().parse_args([
        tiny_run['cfg'], tiny_run['ckpt'], '--out', str(csv), '--topk', '3',
        '--work-dir', str(tiny_run['tmp'] / 'work')])
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
    monkeypatch.setattr(sys, 'argv', [tool, image, tiny_run['cfg'],
                                      tiny_run['ckpt'], '--topk', '2'])
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

"""``--tta`` averages over the flips the training pipeline used.

The views are checked pixel for pixel through mmpretrain's ``TestTimeAug``,
and ``tools/test.py --tta`` end to end: on square 32 px images (the tiny
ResNet's resize and crop leave them unchanged, so flipping the file equals
flipping the input), each row's score must be the mean of single-image
inference (:class:`mmext.apis.inference.Predictor`) over the image and its
flipped copies: 4 of them for a model trained with horizontal and vertical
flips, stock mmpretrain's 2 (horizontal) for one trained without flips; and
``tools/predict.py --tta`` must give ``tools/test.py --tta``'s scores.
"""
import numpy as np
import pandas as pd
import pytest
from mmengine.config import Config
from PIL import Image

from helpers import (REPO, save_tiny_resnet_checkpoint,
                     write_tiny_resnet_test_config)

MAIN_JOB = REPO / 'configs' / \
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'


def _cfg(pipeline, wrapped=False) -> Config:
    dataset = dict(type='GarbageDataset', pipeline=pipeline)
    if wrapped:
        dataset = dict(type='RepeatDataset', times=2, dataset=dataset)
    return Config(dict(train_dataloader=dict(dataset=dataset)))


def test_training_flips_of_the_main_job():
    from mmext.apis.tta import num_views, training_flips
    flips = training_flips(Config.fromfile(str(MAIN_JOB)))
    assert flips == [('horizontal', ), ('vertical', )]
    assert num_views(flips) == 4


@pytest.mark.parametrize(
    'pipeline, wrapped, expected',
    [
        ([dict(type='RandomFlip', prob=0.5)], False, [('horizontal', )]),
        # a flip that never fires is not a flip the model learnt
        ([
            dict(type='RandomFlip', prob=0.5),
            dict(type='RandomFlip', prob=0., direction='vertical')
        ], True, [('horizontal', )]),
        # one transform choosing between directions: one factor
        ([
            dict(
                type='mmpretrain.RandomFlip',
                prob=[0.3, 0.3],
                direction=['horizontal', 'vertical'])
        ], False, [('horizontal', 'vertical')]),
        # the same direction twice counts once
        ([
            dict(type='RandomFlip', prob=0.5, direction='vertical'),
            dict(type='RandomFlip', prob=0.5, direction='vertical')
        ], False, [('vertical', )]),
        ([dict(type='RandomResizedCrop', scale=32)], False, []),
    ])
def test_training_flips(pipeline, wrapped, expected):
    from mmext.apis.tta import training_flips
    assert training_flips(_cfg(pipeline, wrapped)) == expected


def test_views_are_the_image_and_its_flips():
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope

    from mmext.apis.tta import flip_tta_pipeline
    init_default_scope('mmpretrain')
    test_pipeline = [dict(type='PackInputs')]
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    expected = {
        'id': img,
        'h': img[:, ::-1],
        'v': img[::-1],
        'hv': img[::-1, ::-1]
    }
    for flips, names in ([[('horizontal', )],
                          ['id', 'h']], [[('horizontal', ), ('vertical', )],
                                         ['id', 'h', 'v', 'hv']]):
        pipeline = Compose(flip_tta_pipeline(test_pipeline, flips))
        out = pipeline(dict(img=img.copy(), img_shape=img.shape[:2]))
        views = [t.numpy().transpose(1, 2, 0) for t in out['inputs']]
        assert len(views) == len(names)
        for name in names:  # every orientation once, no other view
            assert sum(np.array_equal(v, expected[name]) for v in views) == 1
    # the config's own tta_pipeline is left alone
    from mmext.apis.tta import set_flip_tta
    cfg = Config(dict(tta_pipeline=['mine']))
    assert set_flip_tta(cfg) is None and cfg.tta_pipeline == ['mine']


TRAIN_FIELDS = """
train_pipeline = [dict(type='LoadImageFromFile'),
                  dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                  dict(type='RandomFlip', prob=0.5, direction='vertical'),
                  dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='GarbageDataset', data_prefix='{data}',
                 pipeline=train_pipeline))
train_cfg = dict(max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
"""


@pytest.fixture(scope='module')
def square_run(tmp_path_factory):
    """Square 32 px images, their flipped copies, the tiny ResNet."""
    tmp = tmp_path_factory.mktemp('tta')
    rng = np.random.default_rng(1)
    data, copies = tmp / 'data', tmp / 'flipped'
    views = {
        'id': lambda a: a,
        'h': lambda a: a[:, ::-1],
        'v': lambda a: a[::-1],
        'hv': lambda a: a[::-1, ::-1]
    }
    files = {}
    for c, cls in enumerate(('glass', 'paper', 'trash')):
        (data / cls).mkdir(parents=True)
        for i in range(2):
            img = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
            img[:12, :20, c] = 250  # an off-centre patch: flips matter
            name = f'{cls}/{cls}{i}.png'
            Image.fromarray(img).save(data / name)
            for view, flip in views.items():
                path = copies / view / name
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(np.ascontiguousarray(flip(img))).save(path)
                files.setdefault(name, {})[view] = str(path)
    plain = write_tiny_resnet_test_config(tmp / 'plain.py', data, resize=32)
    trained_flips = tmp / 'flips.py'
    trained_flips.write_text(
        open(plain).read() + TRAIN_FIELDS.format(data=data))
    ckpt = tmp / 'tiny.pth'
    save_tiny_resnet_checkpoint(plain, ckpt)
    return dict(
        tmp=tmp,
        files=files,
        ckpt=str(ckpt),
        cfgs={
            'none': plain,
            'hv': str(trained_flips)
        })


@pytest.mark.slow
@pytest.mark.parametrize('trained, views', [('hv', ['id', 'h', 'v', 'hv']),
                                            ('none', ['id', 'h'])])
def test_tta_scores_are_the_mean_over_the_training_flips(
        square_run, trained, views):
    from mmext.apis.inference import Predictor
    from mmext.apis.train_test import run_test, test_parser
    cfg = square_run['cfgs'][trained]
    csv = square_run['tmp'] / f'{trained}.csv'
    run_test(test_parser().parse_args([
        cfg, square_run['ckpt'], '--tta', '--out',
        str(csv), '--work-dir',
        str(square_run['tmp'] / 'work')
    ]))
    table = pd.read_csv(csv, encoding='utf-8-sig').set_index('file_name')
    predictor = Predictor(cfg, square_run['ckpt'], device='cpu')
    other = ['id', 'h'] if len(views) == 4 else ['id', 'h', 'v', 'hv']
    gaps = []
    for name, paths in square_run['files'].items():
        scores = {
            v: np.asarray(predictor([p])[0]['scores_all'])
            for v, p in paths.items()
        }
        mean = np.mean([scores[v] for v in views], axis=0)
        row = table.loc[name]
        assert row['pred_label'] == int(np.argmax(mean))
        assert row['score'] == pytest.approx(mean.max(), abs=1e-5)
        gaps.append(
            np.abs(mean - np.mean([scores[v] for v in other], axis=0)).max())
    # the other set of views would have given other scores
    assert max(gaps) > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize('trained', ['hv', 'none'])
def test_predict_tta_gives_the_test_tta_scores(square_run, trained, capsys):
    """tools/predict.py --tta averages the same views as tools/test.py."""
    from helpers import run_tool
    cfg = square_run['cfgs'][trained]
    test_csv = square_run['tmp'] / f'test_{trained}.csv'
    pred_csv = square_run['tmp'] / f'predict_{trained}.csv'
    data = square_run['tmp'] / 'data'
    assert run_tool('test.py', cfg, square_run['ckpt'], '--tta', '--topk', '3',
                    '--out', test_csv, '--work-dir',
                    square_run['tmp'] / 'work') == 0
    assert run_tool('predict.py', cfg, square_run['ckpt'], '--test-dir', data,
                    '--tta', '--topk', '3', '--out', pred_csv) == 0
    tested = pd.read_csv(
        test_csv, encoding='utf-8-sig').set_index('file_name').sort_index()
    predicted = pd.read_csv(
        pred_csv, encoding='utf-8-sig').set_index('file_name').sort_index()
    assert len(tested) == len(predicted) == 6
    for col in ('pred_label', 'top2_label', 'top3_label'):
        assert (tested[col] == predicted[col]).all()
    for col in ('score', 'top2_score', 'top3_score'):
        np.testing.assert_allclose(tested[col], predicted[col], atol=1e-5)
    # without --tta the scores are those of the image alone: other numbers
    plain = square_run['tmp'] / f'plain_{trained}.csv'
    assert run_tool('predict.py', cfg, square_run['ckpt'], '--test-dir', data,
                    '--topk', '3', '--out', plain) == 0
    single = pd.read_csv(
        plain, encoding='utf-8-sig').set_index('file_name').sort_index()
    assert np.abs(single['score'] - predicted['score']).max() > 1e-3


def test_predict_tta_refuses_a_config_with_its_own_tta_pipeline(
        square_run, tmp_path):
    from mmext.apis.inference import Predictor
    from mmext.errors import ConfigError
    cfg = tmp_path / 'own_tta.py'
    cfg.write_text(f"_base_ = '{square_run['cfgs']['none']}'\n"
                   "tta_pipeline = [dict(type='LoadImageFromFile')]\n")
    with pytest.raises(ConfigError, match='tta_pipeline of its own'):
        Predictor(str(cfg), square_run['ckpt'], device='cpu', tta=True)

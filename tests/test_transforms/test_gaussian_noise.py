"""GaussianNoise, and the write-up's per-image set built from configs."""
from pathlib import Path

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.config import Config
from mmpretrain.registry import TRANSFORMS

import mmext  # noqa: F401  (registers)
from mmext.errors import ConfigError
from mmext.transforms.gaussian_noise import GaussianNoise

REPO = Path(__file__).resolve().parents[2]
PHOTOGEO = (
    REPO / 'configs' / 'ablations' /
    'mobilenet-v2_in1k-pre-ftlast_1xb32-cos-photogeo-10e_trashnet.py')


def image(dtype=np.uint8, shape=(40, 30, 3), value=None):
    rng = np.random.default_rng(0)
    if value is not None:
        return np.full(shape, value, dtype=dtype)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 256, shape).astype(dtype)
    return rng.random(shape).astype(dtype) * 255


# --------------------------------------------------------- GaussianNoise
@pytest.mark.parametrize('dtype,shape', [(np.uint8, (40, 30, 3)),
                                         (np.uint8, (40, 30)),
                                         (np.float32, (40, 30, 3))])
def test_noise_keeps_shape_and_dtype_and_changes_pixels(dtype, shape):
    img = image(dtype, shape)
    np.random.seed(0)
    out = GaussianNoise(sigma_range=(10., 10.), prob=1.)(dict(img=img.copy()))
    assert out['img'].shape == img.shape and out['img'].dtype == img.dtype
    assert (out['img'] != img).mean() > 0.5


def test_noise_has_the_drawn_sigma_and_zero_mean():
    img = image(np.float32, (200, 200, 3), value=128.)
    np.random.seed(1)
    out = GaussianNoise(sigma_range=(8., 8.), prob=1.)(dict(img=img.copy()))
    diff = out['img'].astype(np.float64) - 128.
    assert abs(diff.mean()) < 0.2
    assert abs(diff.std() - 8.) < 0.2


def test_uint8_is_clipped_not_wrapped():
    # the write-up's astype('uint8') turned -1 into 255 on black pixels
    black = image(np.uint8, (100, 100, 3), value=0)
    white = image(np.uint8, (100, 100, 3), value=255)
    np.random.seed(2)
    t = GaussianNoise(sigma_range=(5., 5.), prob=1.)
    assert t(dict(img=black.copy()))['img'].max() < 40
    assert t(dict(img=white.copy()))['img'].min() > 215


def test_noise_seeded_and_prob():
    img = image()
    t = GaussianNoise(sigma_range=(1., 20.), prob=1.)
    np.random.seed(5)
    a = t(dict(img=img.copy()))['img']
    np.random.seed(5)
    b = t(dict(img=img.copy()))['img']
    np.random.seed(6)
    c = t(dict(img=img.copy()))['img']
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    np.random.seed(0)
    t_half = GaussianNoise(sigma_range=(5., 5.), prob=0.5)
    changed = [
        not np.array_equal(t_half(dict(img=img.copy()))['img'], img)
        for _ in range(200)
    ]
    assert 0.35 < np.mean(changed) < 0.65
    never = GaussianNoise(prob=0.)
    assert np.array_equal(never(dict(img=img.copy()))['img'], img)


def test_shared_noise_across_channels():
    img = image(np.float32, (20, 20, 3), value=100.)
    np.random.seed(3)
    out = GaussianNoise(
        sigma_range=(5., 5.), prob=1.,
        per_channel=False)(dict(img=img.copy()))['img']
    assert np.array_equal(out[..., 0], out[..., 1])
    assert not np.all(out == 100.)


@pytest.mark.parametrize('kwargs', [
    dict(sigma_range=(-1., 5.)),
    dict(sigma_range=(5., 1.)),
    dict(sigma_range=5.),
    dict(sigma_range=(0., 1., 2.)),
    dict(sigma_range=('a', 'b')),
    dict(prob=1.5),
    dict(prob=-0.1),
    dict(prob='0.5')
])
def test_noise_rejects_bad_parameters(kwargs):
    with pytest.raises(ConfigError, match='GaussianNoise') as info:
        GaussianNoise(**kwargs)
    assert 'Fix:' in str(info.value)


def test_registered_and_built_from_config():
    t = TRANSFORMS.build(dict(type='GaussianNoise', sigma_range=(0., 3.)))
    assert isinstance(t, GaussianNoise) and t.sigma_range == (0., 3.)


# ------------------------------------ the write-up's set, as configured
def photogeo_pipeline():
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(str(PHOTOGEO))
    steps = cfg.train_dataloader.dataset.pipeline
    return {
        s['type']: s
        for s in steps
    }, Compose([TRANSFORMS.build(s) for s in steps[1:-1]])


def test_photogeo_set_keeps_shape_dtype_and_is_seeded():
    _, pipeline = photogeo_pipeline()
    img = image(np.uint8, (150, 150, 3))
    np.random.seed(11)
    a = pipeline(dict(img=img.copy()))['img']
    np.random.seed(11)
    b = pipeline(dict(img=img.copy()))['img']
    np.random.seed(12)
    c = pipeline(dict(img=img.copy()))['img']
    assert a.shape == (224, 224, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize('name,low,high', [('Rotate', -180., 180.),
                                           ('Sharpness', -0.5, 0.5)])
def test_photogeo_ranges_are_uniform_over_the_whole_range(name, low, high):
    # mmpretrain's magnitude_std='inf' + random_negative_prob=0 draws the
    # magnitude uniformly in magnitude_range: check the configured ones
    steps, _ = photogeo_pipeline()
    t = TRANSFORMS.build(steps[name])
    np.random.seed(0)
    draws = np.array(
        [t.random_negative(t.random_magnitude()) for _ in range(4000)])
    assert draws.min() >= low and draws.max() <= high
    assert draws.min() < low + 0.05 * (high - low)
    assert draws.max() > high - 0.05 * (high - low)
    assert abs(np.mean(draws) - (low + high) / 2) < 0.05 * (high - low)


# -------------------------------- the ablation configs: each one a diff
ALLOWED = {
    '': set(),
    '_randaug':
    {'train_dataloader.dataset.pipeline', 'train_pipeline', 'bgr_mean'},
    '_samplepairing': {'model.train_cfg', 'custom_hooks'},
    '_mixup': {'model.train_cfg'},
    '_cutmix': {'model.train_cfg'},
    '_labelsmooth': {'model.head.loss'},
    '_randerase': {'train_dataloader.dataset', 'train_pipeline'},
    '_classbalanced': {'train_dataloader.dataset'},
    '_repeat4': {'train_dataloader.dataset'},
    '_photogeo': {'train_dataloader.dataset.pipeline', 'train_pipeline'},
}


def flatten(d, prefix=''):
    out = {}
    for k, v in d.items():
        key = f'{prefix}{k}'
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + '.'))
        else:
            out[key] = v
    return out


def test_each_ablation_changes_only_its_keys():
    # a trick joins the training part: ..._1xb32-cos-<trick>-10e_trashnet.py
    folder = PHOTOGEO.parent
    name = PHOTOGEO.name.replace('-photogeo', '{}')

    def path(suffix: str) -> str:
        return name.format(suffix.replace('_', '-'))

    base = flatten(Config.fromfile(str(folder / path(''))).to_dict())
    assert base['model.backbone.frozen_stages'] == 6
    found = sorted(p.name for p in folder.glob('*.py'))
    assert found == sorted(path(s) for s in ALLOWED)
    for suffix, allowed in ALLOWED.items():
        cfg = flatten(Config.fromfile(str(folder / path(suffix))).to_dict())
        changed = {
            k
            for k in set(base) | set(cfg)
            if base.get(k, None) != cfg.get(k, None)
        }
        stray = {
            k
            for k in changed
            if not any(k == a or k.startswith(a + '.') for a in allowed)
        }
        assert not stray, f'{suffix} changes more than it says: {stray}'
        assert changed or not allowed, f'{suffix} changes nothing'

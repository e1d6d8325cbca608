"""Feature cache: stale caches are refused; a head trained on cached features
gives the same logits inside the full image model.

Tiny and fast: MobileNetV2 (widen_factor 0.35, random init saved as a
"pretrained" file), 32px generated images of the six TrashNet classes, and
the real configs/feature_cache config with overrides.
"""
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import mmext  # noqa: F401  (registers FeatureClassifier, FeatureCacheDataset)
from mmext.errors import CheckpointError, DataError

ROOT = Path(__file__).resolve().parents[2]
CACHED_CFG = ROOT / ('configs/feature_cache/'
                     'mobilenet-v2_in1k-pre-headonly-cached_'
                     '1xb32-cos-10e_trashnet.py')
CLASSES = ['glass', 'paper', 'cardboard', 'plastic', 'metal', 'trash']


def make_data(root: Path, n_train: int = 3, n_val: int = 1) -> Path:
    """Generated TrashNet-like folder: images/<class>/*.jpg + meta lists."""
    rng = np.random.default_rng(0)
    (root / 'meta').mkdir(parents=True)
    (root / 'meta/classes.txt').write_text('\n'.join(CLASSES) + '\n')
    lists = {'train': [], 'val': []}
    for label, name in enumerate(CLASSES):
        (root / 'images' / name).mkdir(parents=True)
        colour = rng.integers(0, 255, 3)
        for i in range(n_train + n_val):
            img = np.clip(colour + rng.normal(0, 40, (32, 32, 3)), 0, 255)
            cv2.imwrite(
                str(root / 'images' / name / f'{name}{i}.jpg'),
                img.astype(np.uint8))
            split = 'train' if i < n_train else 'val'
            lists[split].append(f'{name}/{name}{i}.jpg {label}')
    for split, lines in lists.items():
        (root / f'meta/{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


def random_backbone(path: Path, seed: int) -> str:
    """Save a random MobileNetV2-0.35 as an mmpretrain 'pretrained' file."""
    from mmpretrain.models import MobileNetV2
    torch.manual_seed(seed)
    net = MobileNetV2(widen_factor=0.35)
    net.init_weights()
    for m in net.modules():  # non-trivial BN statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in net.state_dict().items()
            }
        }, path)
    return str(path)


def write_cfg(tmp: Path,
              data: Path,
              ckpt: str,
              name: str = 'cfg.py',
              pipeline_scale: int = 32,
              ann: str = 'meta/train.txt') -> str:
    """A config that ``_base_``s the real feature_cache config, with tiny
    overrides."""
    text = f'''
_base_ = {str(CACHED_CFG)!r}
model = dict(backbone=dict(widen_factor=0.35,
                           init_cfg=dict(checkpoint={ckpt!r})))
_pipe = [dict(type='LoadImageFromFile'),
         dict(type='Resize', scale=({pipeline_scale}, {pipeline_scale})),
         dict(type='PackInputs')]
train_dataloader = dict(batch_size=4, dataset=dict(
    cache_file={str(tmp / 'cache/train.pth')!r},
    dataset=dict(data_root={str(data)!r}, ann_file={ann!r}, pipeline=_pipe)))
val_dataloader = dict(batch_size=4, dataset=dict(
    cache_file={str(tmp / 'cache/val.pth')!r},
    dataset=dict(data_root={str(data)!r}, pipeline=_pipe)))
test_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                       dataset=dict(data_root={str(data)!r}, pipeline=_pipe))
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(max_keep_ckpts=-1, save_best=None))
log_level = 'WARNING'
work_dir = {str(tmp / 'wd')!r}
'''
    path = tmp / name
    path.write_text(text)
    return str(path)


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """One torch thread: on the shared 2-core CI box, two OpenMP threads
    competing with other jobs make a 32px forward ~30x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def load(path: str):
    from mmengine.config import Config
    return Config.fromfile(path)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Data, two different 'pretrained' backbones, and the extracted cache."""
    from mmext.feature_cache.extract import extract_caches
    tmp = tmp_path_factory.mktemp('feature_cache')
    data = make_data(tmp / 'data')
    ckpt_a = random_backbone(tmp / 'a.pth', seed=1)
    ckpt_b = random_backbone(tmp / 'b.pth', seed=2)
    cfg_file = write_cfg(tmp, data, ckpt_a)
    written = extract_caches(load(cfg_file))
    return dict(
        tmp=tmp, data=data, a=ckpt_a, b=ckpt_b, cfg=cfg_file, written=written)


def build_dataset(cfg, split='train'):
    from mmpretrain.registry import DATASETS
    return DATASETS.build(cfg[f'{split}_dataloader'].dataset)


def test_cache_header_and_items(setup):
    from mmext.feature_cache.cache import load_cache
    from mmext.fileio import file_hash
    assert set(setup['written']) == {'train', 'val'}
    cache = load_cache(setup['written']['train'])
    header = cache['header']
    assert header['checkpoint_sha256'] == file_hash(setup['a'])
    assert cache['features'].shape == (18, 1280)
    assert cache['labels'].tolist() == [i // 3 for i in range(18)]
    ds = build_dataset(load(setup['cfg']))
    assert len(ds) == 18 and ds.metainfo['classes'] == CLASSES
    item = ds[4]
    assert item['inputs'].shape == (1280, )
    assert int(item['data_samples'].gt_label) == 1
    assert item['data_samples'].img_path.endswith('paper/paper1.jpg')


def test_missing_cache_is_explained(setup, tmp_path):
    cfg = load(setup['cfg'])
    cfg.train_dataloader.dataset.cache_file = str(tmp_path / 'none.pth')
    with pytest.raises(DataError) as err:
        build_dataset(cfg)
    assert 'none.pth' in str(err.value)
    assert 'tools/extract_features.py' in err.value.fix


def test_other_pipeline_is_refused(setup):
    cfg = load(
        write_cfg(
            setup['tmp'],
            setup['data'],
            setup['a'],
            'cfg_pipe.py',
            pipeline_scale=48))
    with pytest.raises(DataError) as err:
        build_dataset(cfg)
    assert 'pipeline' in err.value.message
    assert err.value.path == setup['written']['train']
    assert 'extract_features.py' in err.value.fix


def test_other_image_list_is_refused(setup):
    short = setup['data'] / 'meta/train_short.txt'
    lines = (setup['data'] / 'meta/train.txt').read_text().splitlines()
    short.write_text('\n'.join(lines[:-1]) + '\n')
    cfg = load(
        write_cfg(
            setup['tmp'],
            setup['data'],
            setup['a'],
            'cfg_list.py',
            ann='meta/train_short.txt'))
    with pytest.raises(DataError, match='list of images'):
        build_dataset(cfg)


def test_other_checkpoint_is_refused(setup):
    """Training with backbone weights B on a cache made with A fails early."""
    from mmext.apis.train_test import build_runner
    cfg = load(write_cfg(setup['tmp'], setup['data'], setup['b'], 'cfg_b.py'))
    cfg.work_dir = str(setup['tmp'] / 'wd_b')
    runner = build_runner(cfg)
    with pytest.raises(CheckpointError) as err:
        runner.train()
    assert 'other backbone weights' in err.value.message
    assert setup['a'] in err.value.message  # names where the cache came from
    assert err.value.path == setup['written']['train']
    assert not osp.exists(osp.join(cfg.work_dir, 'epoch_1.pth'))


def test_other_backbone_config_is_refused(setup):
    from mmext.feature_cache.cache import (check_model, load_cache,
                                           model_config_hash)
    cfg = load(setup['cfg'])
    header = load_cache(setup['written']['val'])['header']
    cfg.model.backbone.out_indices = (6, )  # other features, same weights
    with pytest.raises(CheckpointError, match='backbone/neck/preprocessor'):
        check_model(setup['written']['val'], header,
                    model_config_hash(cfg.model, cfg.data_preprocessor),
                    header['weights_hash'])


@pytest.mark.slow
def test_trained_head_gives_same_logits_in_full_model(setup):
    """Train on features; the checkpoint in a plain ImageClassifier on images
    reproduces the head's logits on the cached features.

    Tolerance: |difference| <= 1e-4 + 1e-4 * |logit| (float32; only the
    batch composition of the backbone forward differs).
    """
    from mmengine.dataset import pseudo_collate
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import DATASETS, MODELS

    from mmext.apis.train_test import build_runner
    from mmext.checkpoint import check_checkpoint_matches
    from mmext.feature_cache.cache import load_cache

    cfg = load(setup['cfg'])
    runner = build_runner(cfg)
    runner.train()
    ckpt = osp.join(cfg.work_dir, 'epoch_2.pth')
    trained = torch.load(ckpt, weights_only=False)['state_dict']

    # the full model of the image config, as tools/test.py builds it
    model_cfg = cfg.model.copy()
    model_cfg.type = 'ImageClassifier'
    model_cfg.data_preprocessor = cfg.data_preprocessor
    full = MODELS.build(model_cfg)
    check_checkpoint_matches(full, ckpt)  # every key, same shapes
    load_checkpoint(full, ckpt, strict=True, logger='silent')
    full.eval()

    val = load_cache(setup['written']['val'])
    with torch.no_grad():
        from_cache = full.head((val['features'], ))
        images = DATASETS.build(cfg.val_dataloader.dataset.dataset)
        batch = pseudo_collate([images[i] for i in range(len(images))])
        data = full.data_preprocessor(batch, False)
        from_images = full(data['inputs'], mode='tensor')
    assert from_images.shape == (6, 6)
    torch.testing.assert_close(from_images, from_cache, atol=1e-4, rtol=1e-4)
    # the head really trained (else the comparison proves little)
    assert not torch.allclose(trained['head.fc.weight'],
                              torch.zeros_like(trained['head.fc.weight']))
    assert from_images.std() > 1e-3


def test_repeat_copies(setup, tmp_path):
    """repeat=N with a random pipeline stores N copies per image."""
    from mmext.feature_cache.extract import extract_caches
    cfg = load(setup['cfg'])
    ds = cfg.train_dataloader.dataset
    ds.repeat = 2
    ds.cache_file = str(tmp_path / 'train2.pth')
    ds.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=32),
        dict(type='PackInputs')
    ]
    extract_caches(cfg, splits=['train'])
    built = build_dataset(cfg)
    assert built.features.shape == (36, 1280) and len(built) == 18
    assert not torch.allclose(built.features[:18], built.features[18:])
    ds.copies = 'all'
    assert len(build_dataset(cfg)) == 36
    ds.repeat = 3  # the cache holds 2 copies
    with pytest.raises(Exception, match='2 copies'):
        build_dataset(cfg)

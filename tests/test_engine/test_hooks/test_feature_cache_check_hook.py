"""FeatureCacheCheckHook: a run on features of another backbone (weights or
config) stops before training or testing; a matching cache passes."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from mmext.datasets import SklearnDigits
from mmext.engine.hooks import FeatureCacheCheckHook
from mmext.errors import CheckpointError
from mmext.feature_cache.cache import save_cache
from mmext.feature_cache.dataset import FeatureCacheDataset
from mmext.feature_cache.extract import model_identity

MODEL = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=-1),
    head=dict(type='ClsHead'))


def tiny_model(seed: int):
    torch.manual_seed(seed)
    return MODELS.build(MODEL)


def cache_of(path, model, cfg) -> FeatureCacheDataset:
    """A real cache file made for ``model``, read back as a data set."""
    model_hash, weights_hash = model_identity(model, cfg)
    save_cache(
        str(path),
        dict(model_hash=model_hash, weights_hash=weights_hash, copies=1),
        torch.zeros(2, 84), torch.tensor([0, 1]), ['a.png', 'b.png'])
    return FeatureCacheDataset(str(path), check_source=False)


def runner_for(model, cfg, train, val=None, test=None):
    """The parts of a runner the hook reads."""

    def loop(dataset):
        return SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))

    return SimpleNamespace(
        model=model,
        cfg=cfg,
        train_loop=loop(train),
        _val_loop=loop(val) if val is not None else {},
        test_loop=loop(test))


def test_matching_cache_passes_and_images_are_not_checked(tmp_path):
    cfg = Config(dict(model=MODEL))
    model = tiny_model(0)
    cache = cache_of(tmp_path / 'train.pth', model, cfg)
    images = SklearnDigits(split='test', pipeline=[])
    hook = FeatureCacheCheckHook()
    hook.before_train(runner_for(model, cfg, cache, val=images))
    hook.before_test(runner_for(model, cfg, cache, test=cache))
    hook.before_test(runner_for(model, cfg, cache, test=images))


def test_other_weights_are_refused_for_train_and_val(tmp_path):
    cfg = Config(dict(model=MODEL))
    cache = cache_of(tmp_path / 'val.pth', tiny_model(0), cfg)
    other = tiny_model(1)
    images = SklearnDigits(split='test', pipeline=[])
    hook = FeatureCacheCheckHook()
    with pytest.raises(CheckpointError, match='other backbone weights') as e:
        hook.before_train(runner_for(other, cfg, images, val=cache))
    assert e.value.path == str(tmp_path / 'val.pth')
    with pytest.raises(CheckpointError, match='other backbone weights'):
        hook.before_test(runner_for(other, cfg, images, test=cache))


def test_other_backbone_config_is_refused(tmp_path):
    cfg = Config(dict(model=MODEL))
    model = tiny_model(0)
    cache = cache_of(tmp_path / 'train.pth', model, cfg)
    changed = Config(
        dict(model=dict(MODEL, backbone=dict(type='LeNet5', num_classes=3))))
    with pytest.raises(CheckpointError, match='backbone/neck/preprocessor'):
        FeatureCacheCheckHook().before_train(runner_for(model, changed, cache))

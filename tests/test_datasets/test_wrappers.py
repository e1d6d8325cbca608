"""innermost_dataset: the data set under its wrappers, in configs and built
data sets."""
from mmengine.config import Config
from mmengine.dataset import ClassBalancedDataset, RepeatDataset

from mmext.datasets import innermost_dataset
from mmext.datasets.digits import SklearnDigits


def test_config_wrappers_are_unwrapped_to_the_same_object():
    base = dict(type='GarbageDataset', data_root='data', pipeline=[])
    cfg = Config(
        dict(
            dataset=dict(
                type='RepeatDataset',
                times=2,
                dataset=dict(
                    type='KFoldDataset', fold=0, num_splits=5, dataset=base))))
    leaf = innermost_dataset(cfg.dataset)
    assert leaf == base
    leaf['ann_file'] = 'meta/x.txt'  # the same object: edits reach the cfg
    assert cfg.dataset.dataset.dataset.ann_file == 'meta/x.txt'


def test_an_unwrapped_config_and_a_feature_cache_source():
    plain = dict(type='GarbageDataset', pipeline=[])
    assert innermost_dataset(plain) is plain
    source = dict(type='GarbageDataset', ann_file='meta/train.txt')
    cache = dict(
        type='FeatureCacheDataset', cache_file='x.pth', dataset=source)
    assert innermost_dataset(cache) is source
    # a `dataset` that is not a config (e.g. a name) is not descended into
    odd = dict(type='X', dataset='name')
    assert innermost_dataset(odd) is odd


def test_built_wrappers_are_unwrapped():
    digits = SklearnDigits(split='test', pipeline=[])
    for wrapped in (RepeatDataset(digits, times=2),
                    ClassBalancedDataset(digits, oversample_thr=0.01)):
        assert innermost_dataset(wrapped) is digits
    assert innermost_dataset(digits) is digits

"""Head-only training on cached backbone features.

The frozen backbone runs once over each split (:mod:`.extract`,
``tools/extract_features.py``) and its pooled features are written to a cache
file that records what they depend on (:mod:`.cache`);
:class:`FeatureCacheDataset` serves them and :class:`FeatureClassifier`
trains the head on them with the config's own head, loss and schedule.
:class:`mmext.engine.hooks.FeatureCacheCheckHook` refuses a cache of another
model. Registered into mmpretrain's ``DATASETS`` and ``MODELS`` on import.
See ``docs/feature-cache.md`` and ``configs/feature_cache/``.
"""
from .cache import (check_model, check_source, load_cache, model_config_hash,
                    save_cache, weights_hash)
from .classifier import FeatureClassifier, FeatureDataPreprocessor
from .dataset import FeatureCacheDataset
from .extract import extract_caches, model_identity, split_summary

__all__ = [
    'FeatureCacheDataset', 'FeatureClassifier', 'FeatureDataPreprocessor',
    'extract_caches', 'split_summary', 'model_identity', 'load_cache',
    'save_cache', 'check_model', 'check_source', 'model_config_hash',
    'weights_hash'
]

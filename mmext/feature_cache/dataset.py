"""``FeatureCacheDataset``: serves the pooled features of a cache file."""
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

from ..errors import ConfigError
from .cache import check_source, config_hash, data_hash, load_cache

COPY_MODES = ('random', 'all')


def source_data_hash(dataset) -> str:
    """Hash of a built image dataset's ``(image, label)`` list.

    Args:
        dataset: A built mmpretrain dataset (e.g. ``GarbageDataset``).

    Returns:
        The hex digest (paths relative to the image folder).
    """
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    prefix = getattr(dataset, 'data_prefix', None) or {}
    root = prefix.get('img_path', '') or getattr(dataset, 'data_root', '')
    return data_hash([d.get('img_path', '') for d in infos],
                     [d.get('gt_label', -1) for d in infos], root or '')


def pipeline_identity(pipeline_cfg) -> str:
    """Hash of a pipeline *config* (a list of transform dicts)."""
    return config_hash(list(pipeline_cfg or []))


@DATASETS.register_module()
class FeatureCacheDataset(Dataset):
    """Pooled backbone(+neck) features of an image data set, from a cache file.

    Items are ``dict(inputs=Tensor[C], data_samples=DataSample)`` with the
    label, ``img_path`` and ``sample_idx`` of the original image, which is
    what :class:`FeatureClassifier` and the project's metrics consume.

    Args:
        cache_file: The ``.pth`` written by ``tools/extract_features.py``.
        dataset: The image dataset config the cache was (or is to be)
            extracted from. When given, the cache is refused unless it was
            made with exactly this pipeline and image/label list.
        repeat: Augmented copies per image to extract (the "repeat" trick;
            only meaningful with a random training pipeline). Read by the
            extractor; a cache with another copy count is refused.
        copies: ``'random'``: one epoch visits every image once, each time
            one of its copies at random (same epoch length as the image
            path); ``'all'``: every copy is an item.
        check_source: Check pipeline/data identity (needs the image list).
    """

    def __init__(self,
                 cache_file: str,
                 dataset: Optional[dict] = None,
                 repeat: int = 1,
                 copies: str = 'random',
                 check_source: bool = True,
                 **kwargs):
        if copies not in COPY_MODES:
            raise ConfigError(
                f'FeatureCacheDataset: copies={copies!r}.',
                fix=f'use one of {COPY_MODES}.')
        self.cache_file = cache_file
        self.source_cfg = dataset
        self.copies = copies
        cache = load_cache(cache_file)
        self.header = cache['header']
        if check_source and dataset is not None:
            self._check_source(dataset)
        if int(self.header.get('copies', 1)) != int(repeat):
            raise ConfigError(
                f'Feature cache {cache_file} holds '
                f'{self.header.get("copies", 1)} copies per image, the config '
                f'asks for repeat={repeat}.',
                fix='re-extract with python tools/extract_features.py CONFIG '
                '--force, or set the repeat the cache was made with.',
                path=cache_file)
        self.features = cache['features'].float()
        self.labels = cache['labels'].long()
        self.img_paths = list(cache['img_paths'])
        self.num_copies = int(self.header.get('copies', 1))
        self._metainfo = dict(self.header.get('metainfo') or {})

    def _check_source(self, dataset_cfg: dict) -> None:
        cfg = dict(dataset_cfg)
        cfg.pop('pipeline', None)
        built = DATASETS.build(dict(cfg, pipeline=[]))
        check_source(self.cache_file, self.header,
                     pipeline_identity(dataset_cfg.get('pipeline')),
                     source_data_hash(built))

    @property
    def metainfo(self) -> dict:
        """Class names (and bins) of the source data set."""
        return dict(self._metainfo)

    def __len__(self) -> int:
        n = len(self.img_paths)
        return n * self.num_copies if self.copies == 'all' else n

    def __getitem__(self, idx: int) -> dict:
        n = len(self.img_paths)
        if self.copies == 'all':
            row, sample_idx = idx, idx % n
        else:
            copy = np.random.randint(self.num_copies) if self.num_copies > 1 \
                else 0
            row, sample_idx = copy * n + idx, idx
        sample = DataSample(
            metainfo=dict(
                img_path=self.img_paths[sample_idx],
                sample_idx=sample_idx,
                cache_file=osp.basename(self.cache_file)))
        label = int(self.labels[row])
        if label >= 0:
            sample.set_gt_label(torch.tensor([label]))
        return dict(inputs=self.features[row], data_samples=sample)

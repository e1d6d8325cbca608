"""Run the frozen backbone (+neck) once over a split and write its cache."""
import os
import os.path as osp
import random
import time
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpretrain.registry import DATASETS, MODELS

from ..checkpoint import check_checkpoint_matches
from ..errors import ConfigError, DataError
from ..fileio import file_hash
from ..progress import track
from .cache import (check_model, check_source, load_cache, model_config_hash,
                    plain_json, save_cache, weights_hash)
from .dataset import pipeline_identity, source_data_hash

SPLITS = ('train', 'val', 'test')


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The classifier inside a DDP/TTA wrapper."""
    return getattr(model, 'module', model)


def model_identity(model: torch.nn.Module, cfg: Config) -> Tuple[str, str]:
    """``(config hash, weights hash)`` of a classifier's backbone + neck.

    Args:
        model: A built ImageClassifier (or :class:`FeatureClassifier`).
        cfg: The config it was built from.

    Returns:
        The two hex digests a cache header is compared with.
    """
    model = unwrap(model)
    return (model_config_hash(cfg.model, cfg.get('data_preprocessor')),
            weights_hash([model.backbone,
                          getattr(model, 'neck', None)]))


def cache_splits(cfg: Config) -> Dict[str, dict]:
    """The ``{split: FeatureCacheDataset config}`` of the dataloaders."""
    found = {}
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader') or {}
        ds = loader.get('dataset') or {}
        if ds.get('type') in ('FeatureCacheDataset',
                              'mmpretrain.FeatureCacheDataset'):
            found[split] = ds
    return found


def build_extractor(cfg: Config,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> torch.nn.Module:
    """Build the config's classifier with its final backbone weights.

    Args:
        cfg: The config.
        checkpoint: Optional full-model checkpoint (e.g. of a fine-tuned
            stage) to take the weights from instead of the config's
            ``init_cfg``.
        device: Where to run.

    Returns:
        The model in eval mode.
    """
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.init_weights()
    if checkpoint:

        check_checkpoint_matches(model, checkpoint, cfg)
        load_checkpoint(
            model,
            checkpoint,
            map_location='cpu',
            strict=True,
            logger='silent')
    return model.to(device).eval()


@torch.no_grad()
def extract_split(model: torch.nn.Module,
                  dataset,
                  copies: int = 1,
                  batch_size: int = 32,
                  num_workers: int = 0,
                  seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pooled features of every image, ``copies`` passes (copy-major).

    Args:
        model: A classifier in eval mode.
        dataset: A built image dataset (its pipeline is applied).
        copies: Passes over the data (differ only with random transforms).
        batch_size: Images per forward.
        num_workers: DataLoader workers.
        seed: Each pass ``k`` is seeded with ``seed + k`` (reproducible).

    Returns:
        ``(features [N * copies, C], labels [N * copies])``.
    """
    feats, labels = [], []
    for k in range(copies):
        random.seed(seed + k)
        np.random.seed(seed + k)
        torch.manual_seed(seed + k)
        loader = torch.utils.data.DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=False,
            num_workers=num_workers,
            collate_fn=pseudo_collate)
        for batch in track(loader, f'features, pass {k + 1}/{copies}'):
            data = model.data_preprocessor(batch, False)
            x = model.extract_feat(data['inputs'])
            x = x[-1] if isinstance(x, (tuple, list)) else x
            if x.dim() > 2:  # no pooling neck: pool here
                x = torch.flatten(
                    torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)
            feats.append(x.float().cpu())
            for sample in data['data_samples']:
                gt = sample.get('gt_label')
                labels.append(int(gt[0]) if gt is not None and len(gt) else -1)
    return torch.cat(feats), torch.tensor(labels, dtype=torch.long)


def _checkpoint_info(cfg: Config,
                     checkpoint: Optional[str]) -> Tuple[str, str]:
    if not checkpoint:
        init = (cfg.model.get('backbone') or {}).get('init_cfg') or {}
        checkpoint = init.get('checkpoint') if isinstance(init, dict) else None
    if checkpoint and osp.isfile(checkpoint):
        return checkpoint, file_hash(checkpoint)
    return checkpoint or 'random init', ''


def extract_caches(cfg: Config,
                   checkpoint: Optional[str] = None,
                   splits: Optional[Iterable[str]] = None,
                   force: bool = False,
                   batch_size: Optional[int] = None,
                   num_workers: int = 0,
                   device: str = 'cpu') -> Dict[str, str]:
    """Write (or confirm up to date) the cache file of every cached split.

    Args:
        cfg: A config whose dataloaders use :class:`FeatureCacheDataset`.
        checkpoint: Optional full-model checkpoint to extract with.
        splits: Subset of ``train/val/test``; default all cached splits.
        force: Re-extract even when the file is up to date.
        batch_size: Images per forward (default: the loader's batch size).
        num_workers: DataLoader workers.
        device: Where to run.

    Returns:
        ``{split: cache file}``.
    """
    logger = MMLogger.get_current_instance()
    found = cache_splits(cfg)
    if not found:
        raise ConfigError(
            'No dataloader of this config reads a FeatureCacheDataset, so '
            'there is nothing to extract.',
            fix='use a config from configs/feature_cache/.')
    wanted = list(splits or found)
    for split in wanted:
        if split not in found:
            raise ConfigError(
                f'The {split} dataloader of this config does not read a '
                'feature cache.',
                fix=f'choose among {sorted(found)}.')
    model = build_extractor(cfg, checkpoint, device)
    model_digest, weights_digest = model_identity(model, cfg)
    ckpt_path, ckpt_sha = _checkpoint_info(cfg, checkpoint)
    seed = (cfg.get('randomness') or {}).get('seed') or 0
    written, done = {}, {}
    for split in wanted:
        ds_cfg = found[split]
        out = ds_cfg['cache_file']
        if out in done:  # test_dataloader = val_dataloader
            written[split] = out
            continue
        source_cfg = ds_cfg.get('dataset')
        if source_cfg is None:
            raise ConfigError(
                f'The {split} FeatureCacheDataset has no `dataset` (the image '
                'data set to extract from).',
                fix='add dataset=dict(...) with '
                'the image dataset config.')
        source = DATASETS.build(source_cfg)
        if len(source) == 0:
            raise DataError(f'The {split} image data set is empty.')
        pipe = pipeline_identity(source_cfg.get('pipeline'))
        data_digest = source_data_hash(source)
        copies = int(ds_cfg.get('repeat', 1))
        if osp.isfile(out) and not force:
            try:
                header = load_cache(out)['header']
                check_model(out, header, model_digest, weights_digest)
                check_source(out, header, pipe, data_digest)
                if int(header.get('copies', 1)) == copies:
                    logger.info(f'{split}: {out} is up to date, kept.')
                    written[split] = done[out] = out
                    continue
            except Exception as exc:  # noqa: BLE001 - any stale reason
                logger.info(f'{split}: {out} is stale ({exc}); re-extracting.')
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        bs = batch_size or (cfg.get(f'{split}_dataloader') or {}).get(
            'batch_size', 32)
        start = time.perf_counter()
        feats, labels = extract_split(model, source, copies, bs, num_workers,
                                      seed)
        seconds = time.perf_counter() - start
        paths = [
            source.get_data_info(i).get('img_path', str(i))
            for i in range(len(source))
        ]
        header = dict(
            split=split,
            copies=copies,
            model_hash=model_digest,
            weights_hash=weights_digest,
            checkpoint=ckpt_path,
            checkpoint_sha256=ckpt_sha,
            pipeline_hash=pipe,
            data_hash=data_digest,
            metainfo=plain_json(source.metainfo),
            extract_seconds=round(seconds, 2),
            created=time.strftime('%Y-%m-%dT%H:%M:%S%z'))
        save_cache(out, header, feats, labels, paths)
        logger.info(f'{split}: {len(source)} images x {copies} -> '
                    f'{tuple(feats.shape)} features in {seconds:.1f} s, '
                    f'written to {out}')
        written[split] = done[out] = out
    return written


def split_summary(path: str) -> List[str]:
    """One line per header field of a cache file (for the tool's output)."""
    header = load_cache(path)['header']
    return [f'{k}: {v}' for k, v in header.items() if k != 'metainfo']

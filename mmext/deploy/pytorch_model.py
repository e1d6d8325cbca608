"""The trained PyTorch classifier and the scores ``tools/test.py`` gives."""
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmpretrain.apis import get_model

from ..apis.config import load_config
from ..checkpoint import check_checkpoint_matches
from .input_images import test_geometry


def _load_cfg(config: Union[str, Config]) -> Config:
    return load_config(config) if isinstance(config, str) else config


def load_classifier(config: Union[str, Config],
                    checkpoint: str) -> torch.nn.Module:
    """Build the config's model on the CPU and load ``checkpoint`` strictly.

    Args:
        config: A config file or a loaded config.
        checkpoint: The trained checkpoint.

    Returns:
        The classifier in eval mode (mmpretrain's ``get_model``), its
        ``_config`` and ``_dataset_meta`` set.
    """

    cfg = _load_cfg(config)
    model = get_model(cfg, pretrained=None, device='cpu')
    check_checkpoint_matches(model, checkpoint, cfg)
    ckpt = load_checkpoint(
        model, checkpoint, map_location='cpu', logger='silent')
    meta = ckpt.get('meta', {}).get('dataset_meta') or {}
    if meta:
        model._dataset_meta = meta
    model.eval()
    return model


def pytorch_scores(model: torch.nn.Module, cfg: Config,
                   paths: Sequence[str]) -> np.ndarray:
    """Scores the way ``tools/test.py`` computes them (full test pipeline).

    Args:
        model: The classifier.
        cfg: The config.
        paths: Image files.

    Returns:
        ``float32`` array ``(N, num_classes)`` of ``pred_score``.
    """
    geometry, pack = test_geometry(cfg)
    batch = pseudo_collate([pack(geometry(dict(img_path=p))) for p in paths])
    with torch.no_grad():
        samples = model.test_step(batch)
    return np.stack([s.pred_score.float().numpy() for s in samples])

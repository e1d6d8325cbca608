"""The exported model's input from image files: the test pipeline's image
steps (load, resize, crop), and a sample of the config's test set."""
from typing import List, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS, TRANSFORMS

from ..datasets.wrappers import innermost_dataset
from .onnx_export import ExportError


def _test_pipeline_cfg(cfg: Config) -> list:
    return list(innermost_dataset(cfg.test_dataloader.dataset).pipeline)


def test_geometry(cfg: Config) -> Tuple[Compose, Compose]:
    """Split the config's test pipeline into image steps and packing.

    Args:
        cfg: The config.

    Returns:
        ``(geometry, pack)``: the steps before ``PackInputs`` (loading,
        resizing, cropping: what a deployment must reproduce) and the rest.
    """
    steps = _test_pipeline_cfg(cfg)
    types = [s['type'] for s in steps]
    if 'PackInputs' not in types:
        raise ExportError(
            'The test pipeline of the config has no PackInputs step: '
            f'{types}.',
            fix='export a config whose test_pipeline ends with '
            "dict(type='PackInputs').")
    cut = types.index('PackInputs')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        build = [TRANSFORMS.build(s) for s in steps]
    return Compose(build[:cut]), Compose(build[cut:])


def prepare_images(cfg: Config, paths: Sequence[str]) -> np.ndarray:
    """Apply the test pipeline's image steps: the exported model's input.

    Args:
        cfg: The config.
        paths: Image files.

    Returns:
        ``uint8`` array ``(N, H, W, 3)`` in BGR order.
    """
    geometry, _ = test_geometry(cfg)
    images = []
    for path in paths:
        img = geometry(dict(img_path=path))['img']
        if images and img.shape != images[0].shape:
            raise ExportError(
                f'The test pipeline yields images of different sizes '
                f'({images[0].shape[:2]} and {img.shape[:2]} for {path}); '
                'the exported model needs one fixed size.',
                fix="end the test_pipeline's image steps with a fixed-size "
                "crop, e.g. dict(type='CenterCrop', crop_size=224).",
                path=path)
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ExportError(
                f'{path}: the test pipeline gives a {img.dtype} image of '
                f'shape {img.shape}; the ONNX contract is uint8 HxWx3 (BGR).',
                path=path)
        images.append(img)
    return np.ascontiguousarray(np.stack(images))


def sample_images(cfg: Config, count: int) -> List[str]:
    """Pick ``count`` images spread over the config's test set.

    Args:
        cfg: The config (its ``test_dataloader.dataset`` must exist on disk).
        count: How many.

    Returns:
        Image paths.
    """
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    if len(dataset) == 0:
        raise ExportError(
            'The test set of the config is empty.',
            fix='pass --images FILE_OR_FOLDER ...')
    index = np.linspace(0, len(dataset) - 1, min(count, len(dataset)))
    return [dataset.get_data_info(int(i))['img_path'] for i in index]

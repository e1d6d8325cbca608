"""Single-image and folder prediction with mmpretrain's inferencer.

:class:`mmpretrain.apis.ImageClassificationInferencer` reads the image with
mmcv (BGR, like ``LoadImageFromFile``), runs the config's test pipeline
(resize, crop) and the model's ``data_preprocessor`` (BGR->RGB, mean/std):
the same preprocessing as ``tools/test.py``. Class names and bins come from
the ``dataset_meta`` that mmengine stores in every checkpoint.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmpretrain.apis import ImageClassificationInferencer
from mmpretrain.models.tta import AverageClsScoreTTA
from mmpretrain.utils import progress

from ..checkpoint import check_checkpoint_matches, safe_torch_load
from ..engine.hooks.channels_last_hook import apply_channels_last
from ..errors import ConfigError, DataError
from ..evaluation.temperature import attach_temperature
from ..utils.images import list_images
from .auto_num_classes import resolve_auto_num_classes
from .config import load_config
from .tta import flip_views, num_views, tta_flips


def _average_over_flips(model, flips: List[tuple]) -> None:
    """Make ``model.test_step`` average its scores over flipped inputs.

    Args:
        model: The inferencer's classifier.
        flips: From :func:`mmext.apis.tta.tta_flips`.
    """

    merger = AverageClsScoreTTA(module=model)  # what tools/test.py --tta uses

    def test_step(data):
        data = model.data_preprocessor(data, False)
        outs = [
            model(view, copy.deepcopy(data['data_samples']), mode='predict')
            for view in flip_views(data['inputs'], flips)
        ]
        return merger.merge_preds(list(zip(*outs)))

    model.test_step = test_step


class Predictor:
    """Top-k classes (and bin) for images, from a config and a checkpoint.

    Args:
        config: The config file the checkpoint was trained with.
        checkpoint: The checkpoint (``epoch_N.pth`` / ``best_*.pth``).
        device: ``'cpu'`` or ``'cuda'``; default: CUDA when available.
        cfg_options: Config overrides (``--cfg-options``).
        tta: Average the scores over the image and its flips as the
            training pipeline flipped it: the views of
            ``tools/test.py --tta`` (:mod:`mmext.apis.tta`).
    """

    def __init__(self,
                 config: str,
                 checkpoint: str,
                 device: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 tta: bool = False):

        cfg = load_config(config)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        resolve_auto_num_classes(cfg, checkpoint, ['test_dataloader'])
        if not cfg.get('test_dataloader'):
            raise ConfigError(
                f'{config} has no test_dataloader, so its test '
                'pipeline is unknown.',
                fix='use the training config of the checkpoint.',
                path=config)
        if tta and 'tta_pipeline' in cfg:
            raise ConfigError(
                f'{config} sets a tta_pipeline of its own, which single-image '
                'inference does not run (it averages flips only).',
                fix='predict the folder with python tools/test.py CONFIG CKPT '
                '--test-dir FOLDER --tta --out preds.csv.',
                path=config)
        safe_torch_load(checkpoint, 'cpu')  # clear error for a bad file first
        device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        self.inferencer = ImageClassificationInferencer(
            cfg, pretrained=checkpoint, device=device)
        check_checkpoint_matches(self.inferencer.model, checkpoint, cfg)
        if any(
                h.get('type') == 'ChannelsLastHook'
                for h in cfg.get('custom_hooks') or []):
            apply_channels_last(self.inferencer.model)  # as tools/test.py
        self.temperature = attach_temperature(self.inferencer.model,
                                              checkpoint)  # None: uncalibrated
        self.views = 1  # scores of how many views are averaged
        if tta:
            flips = tta_flips(cfg)
            _average_over_flips(self.inferencer.model, flips)
            self.views = num_views(flips)
        meta = getattr(self.inferencer.model, '_dataset_meta', {}) or {}
        self.classes = self.inferencer.classes or meta.get('classes')
        self.bins = meta.get('bins')
        self.class_to_bin = meta.get('class_to_bin')

    def __call__(self,
                 images: Union[str, Sequence[str]],
                 topk: int = 1,
                 batch_size: int = 8) -> List[dict]:
        """Predict images.

        Args:
            images: A file, a folder, or a list of files.
            topk: Ranked classes per image.
            batch_size: Images per forward pass.

        Returns:
            Per image: ``file``, ``labels`` (top-k), ``classes``, ``scores``
            (softmax, as in the test CSV), ``scores_all`` (every class) and
            ``bin`` when the data set has bins.
        """
        if topk < 1:
            raise ConfigError(f'--topk must be at least 1, got {topk}.')
        files = (
            list_images(images) if isinstance(images, str) else list(images))
        for f in files:
            if not osp.isfile(f):
                raise DataError(f'Image {f} does not exist.', path=f)

        # mmpretrain draws its progress bar on stdout, where the tools print
        # the predictions: keep stdout to the results.
        shown, progress.disable_progress_bar = (progress.disable_progress_bar,
                                                True)
        try:
            raw = self.inferencer(files, batch_size=batch_size)
        except ValueError as exc:  # mmpretrain: 'Failed to read image X.'
            raise DataError(
                f'{exc}',
                fix='the file is not a readable image; '
                'check or remove it.') from exc
        finally:
            progress.disable_progress_bar = shown
        out = []
        for file, res in zip(files, raw):
            scores = np.asarray(res['pred_scores'], dtype=np.float64)
            order = np.argsort(-scores, kind='stable')[:min(topk, len(scores))]
            item = dict(
                file=file,
                labels=[int(i) for i in order],
                classes=[
                    self.classes[i] if self.classes else str(i) for i in order
                ],
                scores=[float(scores[i]) for i in order],
                scores_all=scores)
            if self.bins is not None and self.class_to_bin is not None:
                item['bin'] = self.bins[self.class_to_bin[order[0]]]
            out.append(item)
        return out


def predict(images: Union[str, Sequence[str]],
            config: str,
            checkpoint: str,
            topk: int = 1,
            device: Optional[str] = None) -> List[dict]:
    """Predict an image or a folder (see :class:`Predictor`).

    Args:
        images: A file, a folder, or a list of files.
        config: The config file the checkpoint was trained with.
        checkpoint: The checkpoint.
        topk: Ranked classes per image.
        device: ``'cpu'`` or ``'cuda'``.

    Returns:
        One dict per image (see :meth:`Predictor.__call__`).
    """
    return Predictor(config, checkpoint, device)(images, topk)


def format_predictions(results: Sequence[dict], root: str = '') -> str:
    """Format predictions as one line per image.

    Args:
        results: Output of :func:`predict`.
        root: Folder to show file names relative to.

    Returns:
        Lines ``file  class (score)  class (score) ...  [bin: name]``.
    """
    lines = []
    for r in results:
        name = osp.relpath(r['file'], root) if root else r['file']
        ranked = '  '.join(f'{c} ({s:.4f})'
                           for c, s in zip(r['classes'], r['scores']))
        line = f'{name}  {ranked}'
        if 'bin' in r:
            line += f'  [bin: {r["bin"]}]'
        lines.append(line)
    return '\n'.join(lines)

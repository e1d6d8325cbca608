"""Class activation maps (Grad-CAM and friends) for mmpretrain classifiers.

Built on the ``grad-cam`` package (``pip install grad-cam``, the optional
``demo`` extra) the way mmpretrain's ``tools/visualization/vis_cam.py`` uses
it, with two differences: the image goes through exactly the preprocessing
of :class:`mmext.apis.inference.Predictor` (mmcv's BGR read, the config's test
pipeline, the model's ``data_preprocessor``), so the map explains the score
that ``tools/predict.py`` prints; and token-shaped features of transformer
backbones (Swin's ``(B, H*W, C)``, ViT's with a class token) are reshaped to
``(B, C, H, W)`` automatically.

The default target layer is the last normalisation layer of the backbone
(``backbone.conv2.bn`` for MobileNetV2, the last ``bn3`` of ResNet-50's
``layer4``, ``backbone.norm3`` for Swin-T), as in mmpretrain's tool; for a
ViT with a class token the norm before the last attention block.
"""
import math
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.utils.dl_utils import is_norm
from PIL import Image, ImageDraw

from ..errors import ConfigError, DataError
from ..fileio import atomic_write
from ..utils.images import list_images
from .fonts import pil_font

GRAD_CAM_HINT = ('Grad-CAM needs the grad-cam package: pip install grad-cam '
                 "(or pip install -e '.[demo]').")


def cam_methods() -> Dict[str, type]:
    """CAM classes of the ``grad-cam`` package by lower-case name.

    Returns:
        ``{'gradcam': GradCAM, 'gradcam++': GradCAMPlusPlus, ...}``.
    """
    try:
        import pytorch_grad_cam as pgc  # optional (demo extra: grad-cam)
    except ImportError:
        raise ConfigError(GRAD_CAM_HINT) from None
    methods = {}
    for name in ('GradCAM', 'GradCAMPlusPlus', 'XGradCAM', 'EigenCAM',
                 'EigenGradCAM', 'LayerCAM', 'HiResCAM', 'GradCAMElementWise',
                 'ScoreCAM', 'AblationCAM'):
        cls = getattr(pgc, name, None)
        if cls is not None:
            methods[name.lower()] = cls
    methods['gradcam++'] = methods.get('gradcamplusplus')
    return {k: v for k, v in methods.items() if v is not None}


def default_target_layers(model) -> List[str]:
    """Name of the layer whose activations the CAM weighs.

    Args:
        model: An mmpretrain ``ImageClassifier``.

    Returns:
        One module name (e.g. ``'backbone.conv2.bn'``).
    """
    norms = [
        name for name, layer in model.backbone.named_modules(prefix='backbone')
        if is_norm(layer)
    ]
    if not norms:
        raise ConfigError(
            f'{type(model.backbone).__name__} has no normalisation layer to '
            'take the CAM from.',
            fix='name one with --target-layers (see '
            '--preview-model for the layer names).')
    extra = getattr(model.backbone, 'num_extra_tokens', 0) or 0
    if extra > 0 and len(norms) >= 3:  # ViT: class token mixes in last block
        return [norms[-3]]
    return [norms[-1]]


def get_layer(model, name: str):
    """A sub-module by its dotted name, with a clear error listing choices."""
    modules = dict(model.named_modules())
    if name not in modules:
        close = [n for n in modules if n.startswith(name.rsplit('.', 1)[0])]
        raise ConfigError(
            f'The model has no layer {name!r}.',
            fix=f'choose one of e.g. {close[-6:] or list(modules)[-6:]} (all '
            'names: --preview-model).')
    return modules[name]


def tokens_to_map(tensor, num_extra_tokens: int = 0):
    """Reshape transformer tokens ``(B, N, C)`` to ``(B, C, H, W)``.

    Args:
        tensor: A layer's output; 4-D outputs pass unchanged.
        num_extra_tokens: Leading tokens (class/distillation) to drop.

    Returns:
        A ``(B, C, H, W)`` tensor.
    """
    if tensor.ndim == 4:
        return tensor
    if tensor.ndim != 3:
        raise ConfigError(
            f'Cannot take a CAM from a {tensor.ndim}-D layer '
            f'output {tuple(tensor.shape)}.',
            fix='choose a convolution/norm layer.')
    tensor = tensor[:, num_extra_tokens:, :]
    n = tensor.shape[1]
    side = int(round(math.sqrt(n)))
    if side * side != n:
        raise ConfigError(
            f'The layer gives {n} tokens (after {num_extra_tokens} extra '
            'ones), not a square grid.',
            fix='choose another --target-layers, or a square input size.')
    return tensor.reshape(tensor.shape[0], side, side,
                          tensor.shape[2]).permute(0, 3, 1, 2)


def overlay(image_rgb: np.ndarray,
            cam: np.ndarray,
            image_weight: float = 0.5) -> np.ndarray:
    """Blend a CAM (jet colour map) over an image.

    Args:
        image_rgb: ``(H, W, 3)`` uint8 RGB.
        cam: ``(h, w)`` map in ``[0, 1]`` (resized to the image).
        image_weight: Weight of the image in the blend.

    Returns:
        ``(H, W, 3)`` uint8 RGB.
    """
    cam = np.asarray(cam, dtype=np.float32)
    if cam.shape != image_rgb.shape[:2]:
        cam = cv2.resize(cam, (image_rgb.shape[1], image_rgb.shape[0]))
    heat = cv2.applyColorMap(
        np.uint8(255 * np.clip(cam, 0, 1)),
        cv2.COLORMAP_JET)[..., ::-1].astype(np.float32)
    out = (1 - image_weight) * heat + image_weight * image_rgb.astype(
        np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


class CAMVisualizer:
    """Class activation maps with the test preprocessing of a predictor.

    Args:
        predictor: A :class:`mmext.apis.inference.Predictor` (its model,
            pipeline and class names are used).
        method: A key of :func:`cam_methods` (``'gradcam'`` by default).
        target_layers: Module names; default :func:`default_target_layers`.
        num_extra_tokens: For token-shaped layers, leading tokens to drop;
            default the backbone's ``num_extra_tokens`` (0 for Swin).
    """

    def __init__(self,
                 predictor,
                 method: str = 'gradcam',
                 target_layers: Optional[Sequence[str]] = None,
                 num_extra_tokens: Optional[int] = None):
        methods = cam_methods()
        if method.lower() not in methods:
            raise ConfigError(
                f'Unknown CAM method {method!r}.',
                fix=f'choose one of {sorted(methods)}.')
        self.predictor = predictor
        self.model = predictor.inferencer.model
        self.names = list(target_layers or default_target_layers(self.model))
        layers = [get_layer(self.model, n) for n in self.names]
        extra = (
            num_extra_tokens if num_extra_tokens is not None else
            getattr(self.model.backbone, 'num_extra_tokens', 0) or 0)
        self.method = method.lower()
        self.cam = methods[self.method](
            model=self.model,
            target_layers=layers,
            reshape_transform=lambda t: tokens_to_map(t, extra))

    def preprocess(self, image: str) -> dict:
        """The image through the predictor's pipeline and data preprocessor.

        Args:
            image: An image file.

        Returns:
            ``inputs`` (the ``(1, 3, H, W)`` normalised tensor) and ``rgb``
            (the resized/cropped image the model sees, uint8 RGB).
        """
        img = mmcv.imread(image)  # as ImageClassificationInferencer does
        if img is None:
            raise DataError(f'Failed to read image {image}.', path=image)
        data = self.predictor.inferencer.pipeline(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
        seen = data['inputs'].numpy().transpose(1, 2, 0)  # BGR, like mmcv
        batch = self.model.data_preprocessor(default_collate([data]), False)
        return dict(
            inputs=batch['inputs'],
            rgb=np.ascontiguousarray(seen[..., ::-1]).astype(np.uint8))

    def __call__(self,
                 image: str,
                 target: Optional[int] = None,
                 eigen_smooth: bool = False,
                 aug_smooth: bool = False) -> dict:
        """The CAM of one image.

        Args:
            image: An image file.
            target: Class to explain; default the predicted class.
            eigen_smooth: grad-cam's first-principal-component smoothing.
            aug_smooth: grad-cam's test-time-augmentation smoothing.

        Returns:
            ``cam`` (``(H, W)`` in ``[0, 1]``), ``rgb`` (the model's view of
            the image), ``overlay`` (uint8 RGB), ``target`` (the explained
            class), ``scores`` (softmax of the model's logits, every class).
        """
        # optional (demo extra: grad-cam)
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        data = self.preprocess(image)
        # a frozen backbone (head-only training) has no parameter that needs
        # a gradient; with the input requiring one, the target layer's
        # activations still get their gradient
        data['inputs'].requires_grad_(True)
        targets = None if target is None else [
            ClassifierOutputTarget(int(target))
        ]
        with torch.enable_grad():
            grey = self.cam(
                data['inputs'],
                targets,
                aug_smooth=aug_smooth,
                eigen_smooth=eigen_smooth)[0]
        logits = self.cam.outputs.detach().float()[0]
        scores = torch.softmax(logits, -1).cpu().numpy()
        target = int(scores.argmax()) if target is None else int(target)
        return dict(
            cam=grey,
            rgb=data['rgb'],
            overlay=overlay(data['rgb'], grey),
            target=target,
            scores=scores)

    def save(self,
             image: str,
             out: str,
             target: Optional[int] = None,
             caption: bool = True,
             **kwargs) -> dict:
        """Save the image and its CAM overlay side by side (atomically).

        Args:
            image: An image file.
            out: Output image file (``.png``/``.jpg``).
            target: Class to explain; default the predicted class.
            caption: Write class and score under the pair.
            **kwargs: Passed to :meth:`__call__`.

        Returns:
            The result of :meth:`__call__`.
        """

        res = self(image, target, **kwargs)
        h, w = res['rgb'].shape[:2]
        pad = 22 if caption else 0
        canvas = Image.new('RGB', (2 * w, h + pad), 'white')
        canvas.paste(Image.fromarray(res['rgb']), (0, 0))
        canvas.paste(Image.fromarray(res['overlay']), (w, 0))
        if caption:
            classes = self.predictor.classes
            name = classes[res['target']] if classes else str(res['target'])
            ImageDraw.Draw(canvas).text(
                (4, h + 3), f'{name} {res["scores"][res["target"]]:.2f} '
                f'({self.method})',
                fill='black',
                font=pil_font(max(11, min(16, w // 14))))
        fmt = 'JPEG' if out.lower().endswith(('.jpg', '.jpeg')) else 'PNG'
        with atomic_write(out, 'wb') as f:
            canvas.save(f, format=fmt)
        return res


def preview_layers(model) -> str:
    """Module names and types of a model, one per line.

    Args:
        model: The model.

    Returns:
        ``name  Type`` lines (what ``--preview-model`` prints).
    """
    return '\n'.join(f'{name}  {type(m).__name__}'
                     for name, m in model.named_modules() if name)


def cam_for_files(visualizer: CAMVisualizer,
                  images: Union[str, Sequence[str]],
                  out_dir: str,
                  target: Optional[int] = None,
                  progress: Optional[Callable] = None,
                  **kwargs) -> List[str]:
    """Save CAM pairs of one image or every image below a folder.

    Args:
        visualizer: The :class:`CAMVisualizer`.
        images: An image, a folder, or a list of files.
        out_dir: Folder for ``<name>_cam.png`` (sub-folders mirrored).
        target: Class to explain; default each image's prediction.
        progress: Wraps the file iterator (a progress bar).
        **kwargs: Passed to :meth:`CAMVisualizer.save`.

    Returns:
        The written files.
    """

    files = list_images(images) if isinstance(images, str) else list(images)
    root = (
        images if isinstance(images, str) and osp.isdir(images) else
        osp.commonpath([osp.dirname(osp.abspath(f)) for f in files]))
    written = []
    for f in (progress(files) if progress else files):
        rel = osp.splitext(osp.relpath(osp.abspath(f), osp.abspath(root)))[0]
        out = osp.join(out_dir, rel + '_cam.png')
        os.makedirs(osp.dirname(out), exist_ok=True)
        visualizer.save(f, out, target, **kwargs)
        written.append(out)
    return written

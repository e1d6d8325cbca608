"""ONNX export of a trained classifier, with the preprocessing built in.

The preprocessing contract of the exported model:

- input ``image``: ``uint8``, shape ``(N, H, W, 3)``, **BGR** channel order
  (what ``cv2.imread``/``mmcv.imread`` return), already resized and cropped
  by the geometric steps of the config's ``test_pipeline`` (for the TrashNet
  configs: short edge to 256 with bilinear interpolation, then the central
  224x224 crop). ``N`` is dynamic; ``H`` and ``W`` are fixed at export.
- inside the graph: NHWC -> NCHW, BGR -> RGB and ``(x - mean) / std`` exactly
  as the model's own ``data_preprocessor`` (the module itself is traced, so
  the values cannot drift from the config's), then the network and a softmax.
- output ``scores``: ``float32``, shape ``(N, num_classes)``, the class
  probabilities (the ``score`` column of ``tools/test.py --out x.csv``).

The class names and this contract are stored in the ONNX file's metadata
(``classes``, ``input_contract``).
"""
import io
import json
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from ..errors import GarbageError
from ..fileio import atomic_write

INPUT_NAME = 'image'
OUTPUT_NAME = 'scores'
CONTRACT = ('uint8 NHWC BGR image of the test pipeline\'s crop size (resize '
            'and crop as the config\'s test_pipeline does); BGR->RGB and '
            'mean/std normalisation happen inside the model; output: softmax '
            'class scores, float32 (N, num_classes)')


class ExportError(GarbageError):
    """An export that cannot be done, or whose result does not check out."""


def _load_cfg(config: Union[str, Config]) -> Config:
    from ..apis.config import load_config
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
    from mmpretrain.apis import get_model

    from ..checkpoint import check_checkpoint_matches
    cfg = _load_cfg(config)
    model = get_model(cfg, pretrained=None, device='cpu')
    check_checkpoint_matches(model, checkpoint, cfg)
    from mmengine.runner import load_checkpoint
    ckpt = load_checkpoint(
        model, checkpoint, map_location='cpu', logger='silent')
    meta = ckpt.get('meta', {}).get('dataset_meta') or {}
    if meta:
        model._dataset_meta = meta
    model.eval()
    return model


def _test_pipeline_cfg(cfg: Config) -> list:
    dataset = cfg.test_dataloader.dataset
    while dataset.get('pipeline') is None and dataset.get('dataset'):
        dataset = dataset.dataset  # dataset wrappers
    return list(dataset.pipeline)


def test_geometry(cfg: Config) -> Tuple[Compose, Compose]:
    """Split the config's test pipeline into image steps and packing.

    Args:
        cfg: The config.

    Returns:
        ``(geometry, pack)``: the steps before ``PackInputs`` (loading,
        resizing, cropping: what a deployment must reproduce) and the rest.
    """
    from mmpretrain.registry import TRANSFORMS
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


class OnnxClassifier(torch.nn.Module):
    """The classifier with its preprocessing, on a uint8 NHWC BGR batch.

    Args:
        model: An mmpretrain ``ImageClassifier`` (with ``data_preprocessor``).
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        from mmpretrain.models.heads import MultiLabelClsHead
        self.model = model
        head = getattr(model, 'head', None)
        self.multilabel = isinstance(head, MultiLabelClsHead)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Return class scores for ``image`` (uint8, N x H x W x 3, BGR)."""
        inputs = image.permute(0, 3, 1, 2)
        inputs = self.model.data_preprocessor({'inputs': inputs},
                                              False)['inputs']
        logits = self.model(inputs, mode='tensor')
        if isinstance(logits, (tuple, list)):
            logits = logits[-1]
        return torch.sigmoid(logits) if self.multilabel else F.softmax(
            logits, dim=1)


EXPORTERS = ('dynamo', 'torchscript')


def export_onnx(model: torch.nn.Module,
                out_file: str,
                height: int,
                width: int,
                opset: int = 18,
                classes: Optional[Sequence[str]] = None,
                exporter: str = 'dynamo') -> None:
    """Write ``model`` (preprocessing included) to ``out_file`` atomically.

    Args:
        model: The classifier (eval mode, CPU).
        out_file: Destination ``.onnx`` file.
        height: Input height (the test pipeline's crop).
        width: Input width.
        opset: ONNX opset (18 runs on onnxruntime >= 1.14).
        classes: Class names stored in the metadata.
        exporter: ``'dynamo'`` (``torch.export``-based, PyTorch's default;
            needs the ``onnxscript`` package) or ``'torchscript'`` (the legacy
            tracer: no extra package, but it mis-exports the shifted windows
            of Swin Transformers, which the check after export catches).
    """
    import onnx
    if exporter not in EXPORTERS:
        raise ExportError(
            f'Unknown exporter {exporter!r}.', fix=f'use one of {EXPORTERS}.')
    wrapper = OnnxClassifier(model).eval()
    names = dict(input_names=[INPUT_NAME], output_names=[OUTPUT_NAME])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')  # tracer / deprecation notices
        if exporter == 'dynamo':
            try:
                import onnxscript  # noqa: F401
            except ImportError:
                raise ExportError(
                    'The dynamo ONNX exporter needs the onnxscript package.',
                    fix='pip install onnxscript, or pass --exporter '
                    'torchscript.') from None
            # batch 2: torch.export would specialise a batch of 1
            dummy = torch.zeros(2, height, width, 3, dtype=torch.uint8)
            batch = torch.export.Dim('batch', min=1, max=4096)
            program = torch.onnx.export(
                wrapper, (dummy, ),
                dynamo=True,
                opset_version=opset,
                dynamic_shapes=({
                    0: batch
                }, ),
                verbose=False,
                **names)
            proto = program.model_proto
        else:
            dummy = torch.zeros(1, height, width, 3, dtype=torch.uint8)
            buffer = io.BytesIO()
            torch.onnx.export(
                wrapper, (dummy, ),
                buffer,
                dynamo=False,
                opset_version=opset,
                do_constant_folding=True,
                dynamic_axes={
                    INPUT_NAME: {
                        0: 'batch'
                    },
                    OUTPUT_NAME: {
                        0: 'batch'
                    }
                },
                **names)
            proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto)
    meta = {'input_contract': CONTRACT, 'input_size': f'{height}x{width}'}
    if classes:
        meta['classes'] = json.dumps(list(classes), ensure_ascii=False)
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    with atomic_write(out_file, 'wb') as f:
        f.write(proto.SerializeToString())


def onnx_scores(onnx_file: str,
                images: np.ndarray,
                threads: Optional[int] = None) -> np.ndarray:
    """Run the exported model with onnxruntime on the CPU.

    Args:
        onnx_file: The exported model.
        images: ``uint8`` ``(N, H, W, 3)`` BGR batch (:func:`prepare_images`).
        threads: Intra-op threads (``None``: onnxruntime's default).

    Returns:
        ``float32`` ``(N, num_classes)`` scores.
    """
    return onnx_session(onnx_file, threads).run([OUTPUT_NAME],
                                                {INPUT_NAME: images})[0]


def onnx_session(onnx_file: str, threads: Optional[int] = None):
    """An onnxruntime CPU session for ``onnx_file``."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        onnx_file, options, providers=['CPUExecutionProvider'])


def sample_images(cfg: Config, count: int) -> List[str]:
    """Pick ``count`` images spread over the config's test set.

    Args:
        cfg: The config (its ``test_dataloader.dataset`` must exist on disk).
        count: How many.

    Returns:
        Image paths.
    """
    from mmpretrain.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    if len(dataset) == 0:
        raise ExportError(
            'The test set of the config is empty.',
            fix='pass --images FILE_OR_FOLDER ...')
    index = np.linspace(0, len(dataset) - 1, min(count, len(dataset)))
    return [dataset.get_data_info(int(i))['img_path'] for i in index]


def compare_with_pytorch(model: torch.nn.Module, cfg: Config, onnx_file: str,
                         paths: Sequence[str]) -> Dict[str, float]:
    """Compare onnxruntime's scores with PyTorch's on real images.

    Args:
        model: The PyTorch classifier that was exported.
        cfg: Its config (the test pipeline is applied to the images).
        onnx_file: The exported model.
        paths: Image files.

    Returns:
        ``max_abs_diff`` (largest score difference), ``top1_agree`` (share of
        images whose top class is the same) and ``images``.
    """
    reference = pytorch_scores(model, cfg, paths)
    exported = onnx_scores(onnx_file, prepare_images(cfg, paths))
    if exported.shape != reference.shape:
        raise ExportError(
            f'{onnx_file} returns scores of shape {exported.shape}, PyTorch '
            f'{reference.shape}.',
            path=onnx_file)
    return dict(
        max_abs_diff=float(np.abs(exported - reference).max()),
        top1_agree=float(np.mean(exported.argmax(1) == reference.argmax(1))),
        images=len(paths))


def image_files(items: Sequence[str]) -> List[str]:
    """Expand files and folders into a sorted list of image files."""
    from ..datasets.garbage import IMG_EXTENSIONS
    files = []
    for item in items:
        if osp.isdir(item):
            import glob
            found = [
                f
                for f in glob.glob(osp.join(item, '**', '*'), recursive=True)
                if f.lower().endswith(IMG_EXTENSIONS)
            ]
            files += sorted(found)
        elif osp.isfile(item):
            files.append(item)
        else:
            raise ExportError(
                f'Image {item} does not exist.',
                fix='pass existing image files or folders.',
                path=item)
    if not files:
        raise ExportError(
            f'No images found in {list(items)}.',
            fix=f'supported extensions: {IMG_EXTENSIONS}.')
    return files

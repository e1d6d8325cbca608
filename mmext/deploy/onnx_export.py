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

The other jobs of the deployment live beside it: :mod:`.input_images` (the
contract's input from image files), :mod:`.pytorch_model` (the trained model
and its reference scores) and :mod:`.onnx_check` (onnxruntime against
PyTorch).
"""
import io
import json
import warnings
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MultiLabelClsHead

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


class OnnxClassifier(torch.nn.Module):
    """The classifier with its preprocessing, on a uint8 NHWC BGR batch.

    Args:
        model: An mmpretrain ``ImageClassifier`` (with ``data_preprocessor``).
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
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
    import onnx  # optional (deploy extra)
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

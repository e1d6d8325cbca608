"""Deployment: export a trained classifier to ONNX and check it.

- :mod:`.onnx_export`: the input contract, :class:`OnnxClassifier` (the model
  with its preprocessing) and :func:`export_onnx`.
- :mod:`.input_images`: the contract's input from image files (the test
  pipeline's image steps) and a sample of the config's test set.
- :mod:`.pytorch_model`: the trained model and its ``tools/test.py`` scores.
- :mod:`.onnx_check`: onnxruntime's scores compared with PyTorch's.
- :mod:`.export_command`: ``tools/deploy/export_onnx.py``'s arguments and run.

Not imported by ``import mmext`` (it needs ``onnx`` and ``onnxruntime``);
``tools/deploy/export_onnx.py`` and ``benchmarks/bench_onnx.py`` use it.
"""
from .input_images import prepare_images, sample_images, test_geometry
from .onnx_check import compare_with_pytorch, onnx_scores, onnx_session
from .onnx_export import (CONTRACT, EXPORTERS, INPUT_NAME, OUTPUT_NAME,
                          ExportError, OnnxClassifier, export_onnx)
from .pytorch_model import load_classifier, pytorch_scores

__all__ = [
    'CONTRACT', 'EXPORTERS', 'INPUT_NAME', 'OUTPUT_NAME', 'ExportError',
    'OnnxClassifier', 'compare_with_pytorch', 'export_onnx', 'load_classifier',
    'onnx_scores', 'onnx_session', 'prepare_images', 'pytorch_scores',
    'sample_images', 'test_geometry'
]

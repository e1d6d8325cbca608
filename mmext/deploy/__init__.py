"""Deployment: export a trained classifier to ONNX and check it.

Not imported by ``import mmext`` (it needs ``onnx`` and ``onnxruntime``);
``tools/deploy/export_onnx.py`` and ``benchmarks/bench_onnx.py`` use it.
"""
from .onnx_export import (CONTRACT, EXPORTERS, INPUT_NAME, OUTPUT_NAME,
                          ExportError, OnnxClassifier, compare_with_pytorch,
                          export_onnx, image_files, load_classifier,
                          onnx_scores, onnx_session, prepare_images,
                          pytorch_scores, sample_images, test_geometry)

__all__ = [
    'CONTRACT', 'EXPORTERS', 'INPUT_NAME', 'OUTPUT_NAME', 'ExportError',
    'OnnxClassifier', 'compare_with_pytorch', 'export_onnx', 'image_files',
    'load_classifier', 'onnx_scores', 'onnx_session', 'prepare_images',
    'pytorch_scores', 'sample_images', 'test_geometry'
]

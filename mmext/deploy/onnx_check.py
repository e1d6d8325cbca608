"""Run the exported model with onnxruntime and compare it with PyTorch."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config

from .input_images import prepare_images
from .onnx_export import INPUT_NAME, OUTPUT_NAME, ExportError
from .pytorch_model import pytorch_scores


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
    import onnxruntime as ort  # optional (deploy extra)
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        onnx_file, options, providers=['CPUExecutionProvider'])


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

"""The MobileNetV2 training step that the CPU benchmarks time.

``bench_allocator.py`` and ``profile_cpu_step.py`` run it in fresh
processes (:func:`run_child`), so that each setting starts from an empty
heap: mmpretrain's
``ImageClassifier`` with the MobileNetV2 backbone and a 6-class linear head,
random inputs (only the model runs, no data loading), cross-entropy, SGD with
momentum. ``import mmext`` before calling it applies the allocator fix
unless ``MMEXT_MALLOC_TUNING=0``.
"""
import json
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict

import torch


def build_step(batch: int = 32,
               size: int = 224,
               threads: int = 2,
               channels_last: bool = False,
               frozen_stages: int = -1,
               bf16: bool = False,
               compiled: bool = False) -> Callable[[], None]:
    """Build the model and return one training step as a function.

    Args:
        batch: Images per step.
        size: Image side in pixels.
        threads: ``torch.set_num_threads``.
        channels_last: Model and input in channels-last.
        frozen_stages: MobileNetV2's ``frozen_stages`` (-1: full training).
        bf16: Forward under bf16 CPU autocast.
        compiled: ``torch.compile`` the backbone.

    Returns:
        A function that runs one forward, backward and SGD step.
    """
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='MobileNetV2',
                widen_factor=1.0,
                frozen_stages=frozen_stages),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=6, in_channels=1280)))
    model.train()
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, 6, (batch, ))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if compiled:
        model.backbone = torch.compile(model.backbone)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.01,
                          momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        opt.zero_grad()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = model.head(model.extract_feat(x))
        loss_fn(out.float(), y).backward()
        opt.step()

    return step


def run_child(code: str, params: list, env: Dict[str, str]) -> dict:
    """Run a benchmark's child script in a fresh Python process.

    The child gets ``json.dumps(params)`` as ``sys.argv[1]`` and this folder
    as ``sys.argv[2]`` (to import this module), and reports one line
    ``RESULT <json>`` on its standard output.

    Args:
        code: The child's Python source.
        params: Its parameters (JSON-serialisable).
        env: Its environment.

    Returns:
        The reported dict.

    Raises:
        RuntimeError: The child printed no result; the message ends with
            the end of its standard error.
    """
    out = subprocess.run([
        sys.executable, '-c', code,
        json.dumps(params),
        str(Path(__file__).parent)
    ],
                         env=env,
                         capture_output=True,
                         text=True)
    for line in out.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[len('RESULT '):])
    raise RuntimeError('the benchmark process failed: ' +
                       out.stderr.strip()[-300:])

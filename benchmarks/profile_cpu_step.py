"""Where the time of a CPU training step goes, by kind of operator (issue 12).

Profiles the MobileNetV2 training step of ``bench_allocator.py`` (mmpretrain's
model, batch 32, 224 px, SGD, 2 threads, random data, ``import mmext`` so the
allocator fix is on) with ``torch.profiler`` in channels-last and in NCHW,
and prints the share of the step's operator time by kind: convolution
forward and backward, BatchNorm forward and backward, the ReLU6 activation
(``hardtanh``) forward and backward, and the rest. Shares are comparable
between the two memory formats of one run; absolute times include the
profiler's overhead.

    python benchmarks/profile_cpu_step.py [--steps 2] [--batch 32] [--size 224]
        [--frozen-stages -1]
"""
import argparse
from collections import defaultdict
from typing import Dict

import torch

import mmext  # noqa: F401  (allocator fix)

KINDS = (
    ('conv backward', ('convolution_backward', )),
    ('conv forward', ('mkldnn_convolution', '_convolution', 'slow_conv',
                      'thnn_conv')),
    ('BatchNorm backward', ('batch_norm_backward', )),
    ('BatchNorm forward', ('native_batch_norm', '_batch_norm_impl')),
    ('ReLU6 backward', ('hardtanh_backward', )),
    ('ReLU6 forward', ('hardtanh', 'clamp')),
)


def kind_of(op: str) -> str:
    """The kind of one aten operator name (``'other'`` if none fits).

    Args:
        op: e.g. ``aten::native_batch_norm``.

    Returns:
        One of the :data:`KINDS` names or ``'other'``.
    """
    name = op.split('::')[-1]
    for kind, keys in KINDS:
        if any(key in name for key in keys):
            return kind
    return 'other'


def profile_step(channels_last: bool, steps: int, batch: int, size: int,
                 frozen_stages: int) -> Dict[str, float]:
    """Seconds of self CPU time per kind over ``steps`` training steps.

    Args:
        channels_last: Model and input in channels-last.
        steps: Profiled steps (after two warm-up steps).
        batch: Images per step.
        size: Image side in pixels.
        frozen_stages: MobileNetV2's ``frozen_stages`` (-1: full training).

    Returns:
        ``{kind: seconds}``, plus ``'total'``.
    """
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
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
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        feats = model.extract_feat(x)
        loss = loss_fn(model.head(feats), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    with torch.profiler.profile() as prof:
        for _ in range(steps):
            step()
    seconds: Dict[str, float] = defaultdict(float)
    for event in prof.key_averages():
        seconds[kind_of(event.key)] += event.self_cpu_time_total / 1e6
    seconds['total'] = sum(seconds.values())
    return dict(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=2)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--frozen-stages', type=int, default=-1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = {
        fmt:
        profile_step(fmt == 'channels-last', args.steps, args.batch, args.size,
                     args.frozen_stages)
        for fmt in ('channels-last', 'NCHW')
    }
    kinds = [k for k, _ in KINDS] + ['other', 'total']
    print(f'MobileNetV2 training step, batch {args.batch}, {args.size} px, '
          f'{args.threads} threads, frozen_stages {args.frozen_stages}, '
          f'{args.steps} profiled steps; self CPU seconds (share)\n')
    print('| kind | channels-last | NCHW | channels-last / NCHW |')
    print('|---|---|---|---|')
    for kind in kinds:
        cl, nc = runs['channels-last'].get(kind,
                                           0.), runs['NCHW'].get(kind, 0.)
        share = (f' ({100 * cl / runs["channels-last"]["total"]:.0f} %)',
                 f' ({100 * nc / runs["NCHW"]["total"]:.0f} %)')
        ratio = f'{cl / nc:.2f}' if nc else '-'
        print(f'| {kind} | {cl:.2f}{share[0]} | {nc:.2f}{share[1]} | '
              f'{ratio} |')


if __name__ == '__main__':
    main()

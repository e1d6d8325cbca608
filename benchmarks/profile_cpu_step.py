"""Where the time of a CPU training step goes, by kind of operator (issue 12).

Times the MobileNetV2 training step of ``bench_allocator.py`` (mmpretrain's
model, batch 32, 224 px, SGD, 2 threads, random data, ``import mmext`` so the
allocator fix is on) in channels-last and in NCHW, each in a fresh process,
and prints the step's time by kind of operator: convolution forward and
backward, BatchNorm forward and backward, the ReLU6 activation (``hardtanh``)
forward and backward, and the rest.

Each aten operator is timed where PyTorch dispatches it (a
``TorchDispatchMode``; the time of an operator includes its own parallel
work), after ``--warmup`` untimed steps, and the minor page faults of the
timed steps are printed with the table. Both matter: the first steps of a
process grow the heap, and the page faults of that growth land in whichever
operator first writes the new memory (the BatchNorm or ReLU6 backward of the
largest activation, 100-200 ms each), which makes those operators look slow.
An earlier version of this script profiled both formats one after the other
in one process after two warm-up steps, with ``torch.profiler`` (which
allocates memory of its own while it records), and so charged the
channels-last run with heap growth that the NCHW run after it did not pay.

    python benchmarks/profile_cpu_step.py [--steps 3] [--warmup 6]
        [--batch 32] [--size 224] [--frozen-stages -1]
"""
import argparse
import os
from pathlib import Path
from typing import Dict

from mobilenet_v2_step import run_child

REPO = Path(__file__).resolve().parents[1]

KINDS = (
    ('conv backward', ('convolution_backward', )),
    ('conv forward', ('convolution', 'slow_conv', 'thnn_conv')),
    ('BatchNorm backward', ('batch_norm_backward', )),
    ('BatchNorm forward', ('native_batch_norm', '_batch_norm_impl')),
    ('ReLU6 backward', ('hardtanh_backward', )),
    ('ReLU6 forward', ('hardtanh', 'clamp')),
)

CHILD = r'''
import collections, json, resource, sys, time
import torch
from torch.utils._python_dispatch import TorchDispatchMode
import mmext  # noqa: F401  (allocator fix)
sys.path.insert(0, sys.argv[2])
from mobilenet_v2_step import build_step
from profile_cpu_step import kind_of
channels_last, steps, warmup, batch, size, threads, frozen = json.loads(
    sys.argv[1])
step = build_step(batch, size, threads, channels_last=channels_last,
                  frozen_stages=frozen)
seconds = collections.defaultdict(float)


class Timer(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        start = time.perf_counter()
        out = func(*args, **(kwargs or {}))
        name = 'aten::' + func.overloadpacket.__name__
        seconds[kind_of(name)] += time.perf_counter() - start
        return out


for _ in range(warmup):
    step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
start = time.perf_counter()
for _ in range(steps):
    step()
wall = (time.perf_counter() - start) / steps
with Timer():
    for _ in range(steps):
        step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
result = {k: v / steps for k, v in seconds.items()}
result.update(total=sum(result.values()), wall=wall,
              faults=faults / (2 * steps))
print('RESULT ' + json.dumps(result))
'''


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


def profile_step(channels_last: bool,
                 args: argparse.Namespace) -> Dict[str, float]:
    """Seconds per training step by kind, measured in a fresh process.

    Args:
        channels_last: Model and input in channels-last.
        args: The parsed command line (steps, warmup, batch, size, threads,
            frozen_stages).

    Returns:
        ``{kind: seconds per step}``, plus ``'total'`` (their sum),
        ``'wall'`` (seconds per step without the timer) and ``'faults'``
        (minor page faults per timed step).
    """
    params = [
        channels_last, args.steps, args.warmup, args.batch, args.size,
        args.threads, args.frozen_stages
    ]
    env = dict(
        os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=str(args.threads))
    return run_child(CHILD, params, env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=6)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--frozen-stages', type=int, default=-1)
    args = parser.parse_args()
    runs = {
        fmt: profile_step(fmt == 'channels-last', args)
        for fmt in ('channels-last', 'NCHW')
    }
    kinds = [k for k, _ in KINDS] + ['other', 'total']
    print(f'MobileNetV2 training step, batch {args.batch}, {args.size} px, '
          f'{args.threads} threads, frozen_stages {args.frozen_stages}, '
          f'{args.steps} timed steps after {args.warmup} warm-up steps, '
          'a fresh process per format; seconds per step (share)\n')
    print('| kind | channels-last | NCHW | channels-last / NCHW |')
    print('|---|---|---|---|')
    cl_run, nc_run = runs['channels-last'], runs['NCHW']
    for kind in kinds:
        cl, nc = cl_run.get(kind, 0.), nc_run.get(kind, 0.)
        share = (f' ({100 * cl / cl_run["total"]:.0f} %)',
                 f' ({100 * nc / nc_run["total"]:.0f} %)')
        ratio = f'{cl / nc:.2f}' if nc else '-'
        print(f'| {kind} | {cl:.3f}{share[0]} | {nc:.3f}{share[1]} | '
              f'{ratio} |')
    print(f'| step without the timer (s) | {cl_run["wall"]:.3f} | '
          f'{nc_run["wall"]:.3f} | {cl_run["wall"] / nc_run["wall"]:.2f} |')
    print(f'| minor page faults per timed step | {cl_run["faults"]:,.0f} | '
          f'{nc_run["faults"]:,.0f} | |')


if __name__ == '__main__':
    main()

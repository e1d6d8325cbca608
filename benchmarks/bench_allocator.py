"""Which allocator setting makes a CPU training step fastest (issue 12).

Runs the same MobileNetV2 training step (mmpretrain's model, batch 32,
224 px, SGD, 2 threads, random data so that only the model runs) in a fresh
process per setting and prints seconds, minor page faults and kernel time
per step, each as a ratio to glibc's default malloc measured in the same run:

- ``default``: glibc malloc as it comes (``MMEXT_MALLOC_TUNING=0``);
- ``mallopt``: what ``import mmext`` does (mallopt at import);
- ``tunables``: the same thresholds as ``GLIBC_TUNABLES`` set before start;
- ``jemalloc`` / ``tcmalloc``: ``LD_PRELOAD`` of Debian's libjemalloc2 /
  libtcmalloc-minimal4 (skipped when not installed);
- ``mallopt+cl``, ``mallopt+cl+bf16``, ``mallopt+cl+compile``:
  channels-last, bf16 autocast (only fast on CPUs with AVX512-BF16 or AMX)
  and ``torch.compile`` of the backbone on top. The two warm-up steps, which
  include compilation, are reported separately.

    python benchmarks/bench_allocator.py [--steps 5] [--batch 32] [--size 224]
"""
import argparse
import os
from pathlib import Path

from mobilenet_v2_step import run_child

REPO = Path(__file__).resolve().parents[1]
LIBDIR = Path('/usr/lib/x86_64-linux-gnu')
PRELOADS = {
    'jemalloc': LIBDIR / 'libjemalloc.so.2',
    'tcmalloc': LIBDIR / 'libtcmalloc_minimal.so.4',
}
TUNABLES = ('glibc.malloc.mmap_threshold=1073741824:'
            'glibc.malloc.trim_threshold=2147483647')

CHILD = r'''
import json, resource, sys, time
import torch
import mmext  # noqa: F401  (malloc tuning unless MMEXT_MALLOC_TUNING=0)
from mmext.allocator import malloc_state
sys.path.insert(0, sys.argv[2])
from mobilenet_v2_step import build_step
steps, batch, size, threads, cl, bf16, compiled = json.loads(sys.argv[1])
step = build_step(batch, size, threads, channels_last=bool(cl),
                  bf16=bool(bf16), compiled=bool(compiled))

w0 = time.perf_counter()
for _ in range(2):
    step()
warm = time.perf_counter() - w0
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
for _ in range(steps):
    step()
t1 = time.perf_counter()
r1 = resource.getrusage(resource.RUSAGE_SELF)
print('RESULT ' + json.dumps(dict(
    s=(t1 - t0) / steps, faults=(r1.ru_minflt - r0.ru_minflt) / steps,
    user=(r1.ru_utime - r0.ru_utime) / steps,
    sys=(r1.ru_stime - r0.ru_stime) / steps,
    warmup=warm, malloc=malloc_state()['applied'])))
'''


def run_setting(name: str, args) -> dict:
    """Run one setting in a fresh process.

    Args:
        name: The setting, e.g. ``mallopt+cl``.
        args: The parsed command line.

    Returns:
        The child's measurements, or ``{'skipped': reason}``.
    """
    env = dict(
        os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=str(args.threads))
    env.pop('GLIBC_TUNABLES', None)
    env.pop('LD_PRELOAD', None)
    base = name.split('+')[0]
    if base != 'mallopt':
        env['MMEXT_MALLOC_TUNING'] = '0'
    else:
        env.pop('MMEXT_MALLOC_TUNING', None)
    if base == 'tunables':
        env['GLIBC_TUNABLES'] = TUNABLES
    if base in PRELOADS:
        if not PRELOADS[base].exists():
            return {'skipped': f'{PRELOADS[base]} not installed'}
        env['LD_PRELOAD'] = str(PRELOADS[base])
    params = [
        args.steps, args.batch, args.size, args.threads, '+cl' in name, '+bf16'
        in name, '+compile' in name
    ]
    try:
        return run_child(CHILD, params, env)
    except RuntimeError as e:
        return {'skipped': str(e)}


def main() -> None:
    """Measure every setting and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--settings',
        nargs='+',
        default=[
            'default', 'mallopt', 'tunables', 'jemalloc', 'tcmalloc',
            'mallopt+cl', 'mallopt+cl+bf16'
        ])
    args = parser.parse_args()
    print(f'MobileNetV2 train step, batch {args.batch}, {args.size}px, '
          f'{args.threads} threads, {args.steps} steps after 2 warm-up')
    print('| setting | s/step | speed-up vs default | minor faults/step '
          '| user s/step | sys s/step | 2 warm-up steps s |')
    print('|---|---|---|---|---|---|---|', flush=True)
    ref = {}
    for name in args.settings:
        r = run_setting(name, args)
        if name == 'default':
            ref = r
        if 'skipped' in r:
            print(f'| {name} | skipped: {r["skipped"]} | | | | | |')
            continue
        ratio = (f'{ref["s"] / r["s"]:.2f}x' if 's' in ref else 'n/a')
        print(
            f'| {name} | {r["s"]:.3f} | {ratio} | {r["faults"]:,.0f} | '
            f'{r["user"]:.2f} | {r["sys"]:.2f} | {r["warmup"]:.1f} |',
            flush=True)


if __name__ == '__main__':
    main()

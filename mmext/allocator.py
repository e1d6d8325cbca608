"""Keep glibc's malloc from handing large blocks back to the kernel every step.

A training step allocates activations of tens of megabytes. glibc serves any
block above its mmap threshold (dynamic, capped at 32 MB on 64-bit) with a
fresh ``mmap`` and returns it with ``munmap`` on free, so every step faults in
and zeroes the same memory again: on the 2-core CPU machines this project is
tested on, a MobileNetV2 step spent more time in the kernel (minor page
faults) than in PyTorch, and ran 2-3x slower than it needs to (see
``benchmarks/bench_allocator.py`` and ``benchmarks/RESULTS.md``).

:func:`tune_malloc` raises the mmap threshold and the trim threshold with
``mallopt`` in the running process (so the freed blocks stay in the heap and
are reused), and exports the same settings as ``GLIBC_TUNABLES`` so that every
process started from it (dataloader workers started with ``spawn``,
``torchrun`` children, subprocesses) gets them from its first allocation.
``import mmext`` calls it; dataloader workers started with ``fork`` inherit
the settings with the parent's memory.

The price: memory freed by PyTorch is kept by the process for reuse instead
of being returned to the system, so the resident size stays at its peak.
Nothing changes where the C library is not glibc (macOS, musl, Windows).
Opt out with ``MMEXT_MALLOC_TUNING=0`` in the environment.
"""
import ctypes
import os
import platform
import resource
import sys
from typing import Dict, Optional

#: Environment switch: ``0``/``off``/``false`` leaves malloc alone.
OPT_OUT_ENV = 'MMEXT_MALLOC_TUNING'

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: Blocks below 1 GiB come from the heap, freed memory is trimmed only
#: above 2 GiB of free heap top: together they stop the mmap/munmap churn.
#: (A 32 MB mmap threshold, the largest glibc picks by itself, does not help.)
MMAP_THRESHOLD = 1 << 30
TRIM_THRESHOLD = (1 << 31) - 1

_TUNABLES = {
    'glibc.malloc.mmap_threshold': MMAP_THRESHOLD,
    'glibc.malloc.trim_threshold': TRIM_THRESHOLD,
}

_state: Dict[str, object] = {'applied': False, 'reason': 'not tried'}


def _opted_out() -> bool:
    value = os.environ.get(OPT_OUT_ENV, '1').strip().lower()
    return value in ('0', 'off', 'false', 'no')


def _glibc() -> Optional[ctypes.CDLL]:
    """The running glibc, or None (not Linux, or another C library)."""
    if not sys.platform.startswith('linux'):
        return None
    if platform.libc_ver()[0] != 'glibc':
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def _export_tunables() -> None:
    """Add the malloc tunables to ``GLIBC_TUNABLES`` for child processes.

    Settings the user already put there win.
    """
    current = os.environ.get('GLIBC_TUNABLES', '')
    parts = [p for p in current.split(':') if p]
    names = {p.split('=', 1)[0] for p in parts}
    parts += [f'{k}={v}' for k, v in _TUNABLES.items() if k not in names]
    os.environ['GLIBC_TUNABLES'] = ':'.join(parts)


def tune_malloc() -> Dict[str, object]:
    """Apply the malloc settings to this process and its future children.

    Idempotent; a no-op with ``MMEXT_MALLOC_TUNING=0`` or without glibc.

    Returns:
        :func:`malloc_state`: whether the settings are applied, and why not.
    """
    if _state['applied']:
        return malloc_state()
    if _opted_out():
        _state.update(applied=False, reason=f'{OPT_OUT_ENV}=0')
        return malloc_state()
    libc = _glibc()
    if libc is None:
        _state.update(applied=False, reason='the C library is not glibc')
        return malloc_state()
    ok = (
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    if not ok:
        _state.update(applied=False, reason='mallopt refused the values')
        return malloc_state()
    _export_tunables()
    _state.update(applied=True, reason='mallopt', pid=os.getpid())
    return malloc_state()


def malloc_state() -> Dict[str, object]:
    """What :func:`tune_malloc` did in this process.

    Returns:
        A dict with ``applied`` (bool), ``reason`` and the thresholds.
    """
    return dict(
        _state, mmap_threshold=MMAP_THRESHOLD, trim_threshold=TRIM_THRESHOLD)


def large_block_faults(nbytes: int = 64 << 20, rounds: int = 12) -> float:
    """Minor page faults per page when a large block is freed and re-made.

    Allocates, touches and frees a ``nbytes`` tensor ``rounds`` times and
    returns the fewest page faults of a round after the first, per 4 KiB
    page. With glibc's default settings every round maps fresh pages from
    the kernel (about 1.0, the slow case); with the tuned allocator the
    block comes back from the heap in most rounds (0.0). The minimum is
    taken because a single round can still miss the heap's free block by a
    few bytes of alignment and grow the heap instead. A behavioural check,
    independent of timing, used by the tests and benchmarks to see the
    setting in any process.

    Args:
        nbytes: Block size; above glibc's default 32 MB mmap ceiling.
        rounds: Allocate/free rounds (at least 2).

    Returns:
        Fewest faults per page of one round after the first.
    """
    import torch  # after tune_malloc: import mmext runs it before torch

    pages = nbytes / resource.getpagesize()
    counts = []
    for _ in range(max(rounds, 2)):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        block = torch.ones(nbytes, dtype=torch.uint8)
        del block
        counts.append(
            resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return min(counts[1:]) / pages

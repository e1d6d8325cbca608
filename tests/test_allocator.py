"""The malloc tuning of ``import mmext`` is active where training runs.

Checked by behaviour, not by timing: a 64 MB block freed and allocated again
faults in fresh pages from the kernel every time with glibc's default
settings (about 1 fault per page) and none once the block is reused from the
heap (:func:`mmext.allocator.large_block_faults`).
"""
import os
import platform
import subprocess
import sys

import pytest
from torch.utils.data import DataLoader, Dataset

import mmext  # noqa: F401
from mmext.allocator import OPT_OUT_ENV, large_block_faults, malloc_state

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith('linux') or platform.libc_ver()[0] != 'glibc',
    reason='the malloc tuning applies to glibc (Linux) only')

PROBE = ('from mmext.allocator import large_block_faults, malloc_state;'
         'print(large_block_faults(), malloc_state()["applied"])')
BARE_PROBE = ('import sys; sys.modules.pop("mmext", None);'
              'import importlib.util as u, os;'
              'spec = u.spec_from_file_location("alloc", {path!r});'
              'm = u.module_from_spec(spec); spec.loader.exec_module(m);'
              'print(m.large_block_faults())')


class FaultProbe(Dataset):
    """Each item: page faults per page of a re-made 64 MB block."""

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> float:
        return large_block_faults()


def _child(code: str, **env) -> str:
    full = dict(os.environ, **env)
    out = subprocess.run([sys.executable, '-c', code], env=full,
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_main_process_reuses_large_blocks():
    state = malloc_state()
    assert state['applied'], state
    assert large_block_faults() < 0.5


@pytest.mark.parametrize('context', ['fork', 'spawn'])
def test_dataloader_workers_reuse_large_blocks(context):
    loader = DataLoader(FaultProbe(), batch_size=None, num_workers=1,
                        multiprocessing_context=context)
    faults = [float(x) for x in loader]
    assert len(faults) == 2 and max(faults) < 0.5, faults


def test_child_processes_get_it_before_importing_mmext():
    """A process started after ``import mmext`` (torchrun, subprocess) has it
    from its first allocation, through GLIBC_TUNABLES."""
    assert 'glibc.malloc.mmap_threshold=' in os.environ['GLIBC_TUNABLES']
    path = mmext.allocator.__file__
    faults = float(_child(BARE_PROBE.format(path=path),
                          **{OPT_OUT_ENV: '0'})[0])
    assert faults < 0.5


def test_default_glibc_faults_and_opt_out():
    """Without the settings the probe does fault (so the checks above can
    fail), and ``MMEXT_MALLOC_TUNING=0`` leaves malloc alone."""
    env = {OPT_OUT_ENV: '0', 'GLIBC_TUNABLES': ''}
    faults, applied = _child(PROBE, **env)
    assert applied == 'False'
    assert float(faults) > 0.9
    faults, applied = _child(PROBE, GLIBC_TUNABLES='')
    assert applied == 'True' and float(faults) < 0.5


def test_user_tunables_are_kept(monkeypatch):
    from mmext import allocator
    monkeypatch.setenv('GLIBC_TUNABLES',
                       'glibc.malloc.trim_threshold=1:glibc.foo=2')
    allocator._export_tunables()
    parts = os.environ['GLIBC_TUNABLES'].split(':')
    assert 'glibc.malloc.trim_threshold=1' in parts  # the user's value wins
    assert 'glibc.foo=2' in parts
    assert f'glibc.malloc.mmap_threshold={allocator.MMAP_THRESHOLD}' in parts
    assert sum(p.startswith('glibc.malloc.trim_threshold') for p in parts) == 1

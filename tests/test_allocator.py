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
from pathlib import Path

import pytest
from torch.utils.data import DataLoader, Dataset

import mmext  # noqa: F401
from mmext.allocator import OPT_OUT_ENV, large_block_faults, malloc_state

REPO = Path(__file__).resolve().parents[1]

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
    out = subprocess.run([sys.executable, '-c', code],
                         env=full,
                         capture_output=True,
                         text=True,
                         check=True)
    return out.stdout.split()


def test_main_process_reuses_large_blocks():
    state = malloc_state()
    assert state['applied'], state
    assert large_block_faults() < 0.5


@pytest.mark.parametrize('context', ['fork', 'spawn'])
def test_dataloader_workers_reuse_large_blocks(context):
    loader = DataLoader(
        FaultProbe(),
        batch_size=None,
        num_workers=1,
        multiprocessing_context=context)
    faults = [float(x) for x in loader]
    assert len(faults) == 2 and max(faults) < 0.5, faults


def test_child_processes_get_it_before_importing_mmext():
    """A process started after ``import mmext`` (torchrun, subprocess) has it
    from its first allocation, through GLIBC_TUNABLES."""
    assert 'glibc.malloc.mmap_threshold=' in os.environ['GLIBC_TUNABLES']
    path = mmext.allocator.__file__
    faults = float(
        _child(BARE_PROBE.format(path=path), **{OPT_OUT_ENV: '0'})[0])
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


# tools that never build a model or load images (they only read configs)
NO_TENSORS = {'snapshot_configs.py'}
TOOLS = sorted(
    p for p in (REPO / 'tools').rglob('*.py') if p.name not in NO_TENSORS)


@pytest.mark.parametrize('tool', TOOLS, ids=lambda p: p.name)
def test_every_tool_imports_mmext_before_its_work(tool):
    """Every entry point imports mmext at module level (so the malloc
    tuning is on before any tensor is made; the shell launchers run these
    scripts)."""
    import ast
    tree = ast.parse(tool.read_text(encoding='utf-8'))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or '' for n in top if isinstance(n, ast.ImportFrom)]
    assert any(
        n == 'mmext' or n.startswith('mmext.')
        for n in names), (f'{tool} does not import mmext at module level')


def test_train_tool_process_has_it(tmp_path):
    """The real tools/train.py process (what the launchers start)."""
    code = ('import runpy, sys; sys.argv = [{tool!r}, "--help"]\n'
            'try:\n    runpy.run_path({tool!r}, run_name="__main__")\n'
            'except SystemExit:\n    pass\n'
            'm = sys.modules.get("mmext.allocator")\n'
            'print(bool(m and m.malloc_state()["applied"]), '
            'm.large_block_faults() if m else 1)')
    out = _child(
        code.format(tool=str(REPO / 'tools' / 'train.py')), GLIBC_TUNABLES='')
    assert out[-2] == 'True' and float(out[-1]) < 0.5

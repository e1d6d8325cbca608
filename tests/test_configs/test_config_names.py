"""Experiment configs follow mmpretrain's naming and header rules.

Names are ``{algorithm}_{module}_{training}_{data}.py`` (a trick joins the
training part, a test-time view the data part); a header is one comment line
saying what the config is, and no comment carries a result.
"""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
# A result in a comment: an accuracy figure, a "+-" spread, a fold score.
RESULT = re.compile(r'\b\d{2}\.\d{2}\b|\+-|-fold\b|top-1')


def test_configs_are_found():
    """The glob finds the experiment configs (a bad path would test none)."""
    assert len(CONFIGS) > 40


@pytest.mark.parametrize('path', CONFIGS)
def test_name_has_mmpretrain_parts(path):
    """At most four ``_``-separated parts, each non-empty; LeNet-5 from
    scratch leaves out the pretraining part."""
    parts = osp.basename(path)[:-3].split('_')
    assert all(parts), f'{path}: an empty name part'
    expected = 3 if parts[0] == 'lenet5' else 4
    assert len(parts) == expected, (
        f'{path}: {len(parts)} name parts, want {expected} '
        '({algorithm}_{module}_{training}_{data}.py)')


@pytest.mark.parametrize('path', CONFIGS)
def test_header_is_one_line_without_results(path):
    """The first line is the one-line header; no comment states a result."""
    with open(osp.join(REPO, path), encoding='utf-8') as f:
        lines = f.read().splitlines()
    assert lines[0].startswith('# '), f'{path}: no one-line header'
    assert not lines[1].startswith('#'), f'{path}: header over one line'
    comments = [line.split('#', 1)[1] for line in lines if '#' in line]
    found = [c for c in comments if RESULT.search(c)]
    assert not found, f'{path}: results in comments: {found}'

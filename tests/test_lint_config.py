"""The lint setup runs offline: every pre-commit hook is a local one whose
tool is pinned in pyproject's ``lint`` extra, with OpenMMLab's settings."""
import configparser
import os.path as osp
import re

import pytest
import yaml

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# console script -> the PyPI package that installs it
SCRIPT_PACKAGE = {
    'flake8': 'flake8',
    'isort': 'isort',
    'yapf': 'yapf',
    'codespell': 'codespell',
    'interrogate': 'interrogate',
    'trailing-whitespace-fixer': 'pre-commit-hooks',
    'end-of-file-fixer': 'pre-commit-hooks',
    'mixed-line-ending': 'pre-commit-hooks',
    'double-quote-string-fixer': 'pre-commit-hooks',
    'check-yaml': 'pre-commit-hooks',
    'check-merge-conflict': 'pre-commit-hooks',
    'mdformat': 'mdformat',
}


def _lint_extra():
    tomllib = pytest.importorskip('tomllib')
    with open(osp.join(REPO, 'pyproject.toml'), 'rb') as f:
        extras = tomllib.load(f)['project']['optional-dependencies']
    pins = {}
    for req in extras['lint']:
        m = re.fullmatch(r'([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)', req)
        assert m, f'lint tools are pinned exactly: {req!r}'
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_hooks_are_local_and_their_tools_pinned():
    """No hook repository is cloned (CI reaches PyPI only)."""
    with open(osp.join(REPO, '.pre-commit-config.yaml')) as f:
        config = yaml.safe_load(f)
    pins = _lint_extra()
    assert 'pre-commit' in pins
    ids = []
    for repo in config['repos']:
        assert repo['repo'] == 'local', repo['repo']
        for hook in repo['hooks']:
            assert hook['language'] == 'system', hook['id']
            script = hook['entry'].split()[0]
            assert script in SCRIPT_PACKAGE, f'unknown tool {script}'
            assert SCRIPT_PACKAGE[script] in pins, script
            ids.append(hook['id'])
    for required in ('flake8', 'isort', 'yapf', 'codespell', 'interrogate',
                     'trailing-whitespace', 'end-of-file-fixer', 'mdformat'):
        assert required in ids
    # tables stay readable: mdformat-tables is pinned beside mdformat
    assert 'mdformat-tables' in pins


def test_openmmlab_settings():
    """79 columns, mmext first-party, pep8-based yapf; interrogate gates."""
    cfg = configparser.ConfigParser()
    cfg.read(osp.join(REPO, 'setup.cfg'))
    assert cfg['flake8']['max-line-length'] == '79'
    assert cfg['isort']['line_length'] == '79'
    assert cfg['isort']['known_first_party'] == 'mmext'
    assert cfg['yapf']['based_on_style'] == 'pep8'
    tomllib = pytest.importorskip('tomllib')
    with open(osp.join(REPO, 'pyproject.toml'), 'rb') as f:
        interrogate = tomllib.load(f)['tool']['interrogate']
    assert 50 <= interrogate['fail-under'] <= 100

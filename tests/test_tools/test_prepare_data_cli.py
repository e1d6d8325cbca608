"""``tools/prepare_data.py --help`` describes the tool and its examples."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.mark.slow
@pytest.mark.e2e
def test_prepare_data_help_has_description():
    """The module docstring is the parser's description (it was ``None``)."""
    out = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools', 'prepare_data.py'), '--help'],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300)
    assert out.returncode == 0, out.stderr
    assert 'Lay out a data set the way the configs expect.' in out.stdout
    # RawDescriptionHelpFormatter keeps the example lines as written
    assert ('    python tools/prepare_data.py trashnet --src '
            '../shared/data/trashnet\n') in out.stdout
    for sub in ('trashnet', 'garbage_classify', 'folder', 'garbage_26x100'):
        assert sub in out.stdout

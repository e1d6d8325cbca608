"""README.md stays short and its commands stay pasteable.

The quick start is one command (several lines joined by ``&& \\``) that
sets up and runs the main job to the CSV; the test command is the one CI
runs; the four journeys are on the first screen.
"""
import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXT = (REPO / 'README.md').read_text(encoding='utf-8')
MAIN = 'configs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'


def _section(heading: str) -> str:
    """The text from a ``## `` heading to the next one."""
    return TEXT.split(heading, 1)[1].split('\n## ', 1)[0]


def test_readme_is_short():
    """800 words or fewer (code included)."""
    assert len(TEXT.split()) <= 800


def test_quick_start_is_one_command():
    """The block joins into one line of ``&&``-chained steps, one per line,
    that ends with the CSV of the main job."""
    block = re.search(r'```bash\n(.*?)```', _section('## Quick start'),
                      re.S).group(1)
    lines = block.rstrip('\n').splitlines()
    assert all(line.endswith(('&& \\', '\\')) for line in lines[:-1])
    command = block.replace('\\\n', ' ')
    assert len(command.strip().splitlines()) == 1
    steps = [shlex.split(s) for s in command.split('&&')]
    tools = [s[1] for s in steps if s[0] == 'python']
    assert tools == [
        'tools/prepare_data.py', 'tools/train.py', 'tools/test.py'
    ]
    train, test = steps[-2], steps[-1]
    assert train[2] == MAIN and (REPO / MAIN).is_file()
    assert test[2] == MAIN and '--tta' in test
    assert test[test.index('--out') + 1] == 'work_dirs/preds.csv'


def test_test_command_is_ci_s():
    """The README's first test command is the one .ci/run calls."""
    assert '. .venv/bin/activate && python -m pytest -q tests\n' in TEXT


def test_first_screen_shows_the_journeys():
    """The four journeys, each with commands and a guide, start within the
    first 60 lines."""
    head = '\n'.join(TEXT.splitlines()[:60])
    for journey, guide in (('Your own folder', 'docs/own-data.md'),
                           ('The Huawei competition', 'docs/competition.md'),
                           ('The course', 'docs/course.md'), ('Show the model',
                                                              'docs/demo.md')):
        assert f'**{journey}**' in head and f'({guide})' in TEXT
    assert head.count('```bash') >= 5
    assert '](docs/results.png)' in TEXT

"""ClassCountCheckHook: a head, preprocessor or val set whose class count
disagrees with the training set stops the run before the first iteration,
with one paragraph giving the --cfg-options fix."""
from pathlib import Path

import pytest

from helpers import make_list_set, run_tool, write_tiny_config


@pytest.fixture
def data(tmp_path) -> Path:
    return make_list_set(tmp_path / 'data')


@pytest.mark.parametrize('option, said', [
    ('model.head.num_classes=5', 'model.head.num_classes is 5'),
    ('data_preprocessor.num_classes=40',
     'data_preprocessor.num_classes is 40'),
])
def test_mismatch_stops_before_training(tmp_path, data, capsys, option, said):
    cfg = write_tiny_config(tmp_path, data)
    work = tmp_path / 'work'
    code = run_tool('train.py', cfg, '--work-dir', work, '--cfg-options',
                    option)
    err = capsys.readouterr().err
    assert code != 0
    assert 'Class count mismatch' in err and said in err
    assert 'has 3 classes (glass, paper, trash)' in err
    assert '--cfg-options model.head.num_classes=3 ' \
        'data_preprocessor.num_classes=3' in err
    assert 'Traceback' not in err
    log = next(work.glob('*/*.log')).read_text()
    assert 'Epoch(train)' not in log  # not one iteration
    assert not list(work.glob('*.pth'))


def test_val_set_with_other_classes_stops(tmp_path, data, capsys):
    (data / 'meta/val_classes.txt').write_text('glass\npaper\nmetal\n')
    cfg = write_tiny_config(tmp_path, data)
    code = run_tool('train.py', cfg, '--work-dir', tmp_path / 'work',
                    '--cfg-options',
                    'val_dataloader.dataset.classes=meta/val_classes.txt')
    err = capsys.readouterr().err
    assert code != 0
    assert 'the training set has 3 other classes' in err

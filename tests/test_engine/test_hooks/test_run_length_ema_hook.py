"""RunLengthEMAHook: the EMA window follows the run's length, an explicit
momentum is kept (with a warning when its window is longer than the run),
the raw weights are validated beside the EMA; RunLengthHook logs the
settings counted in epochs/iterations."""
import json
from pathlib import Path

import pytest

from mmext.engine.hooks import RunLengthEMAHook, resolve_momentum
from mmext.errors import ConfigError
from helpers import make_list_set, run_tool, write_tiny_config

EMA = ("\ncustom_hooks = _base_.custom_hooks + [dict(type='RunLengthEMAHook',"
       " {args}priority='ABOVE_NORMAL')]\n"
       'train_cfg = dict(max_epochs=2, val_interval=1)\n')


def test_window_follows_the_run_length():
    # TrashNet's main job: 448 iterations, today's 100-iteration window
    assert resolve_momentum(448) == pytest.approx(0.01)
    # 300 photos: 80 iterations, a 3.2-iteration window (4 % of the run)
    assert resolve_momentum(80) == pytest.approx(1 / (100 * (80 / 448)**2))
    assert resolve_momentum(5000) == pytest.approx(0.01)  # longer: kept
    assert resolve_momentum(16) == 1.0  # 50 photos: no averaging
    assert resolve_momentum(20, max_window=10, full_run=20) == 0.1


@pytest.mark.parametrize('kwargs', [
    dict(max_window=0),
    dict(full_run=0),
    dict(momentum=0),
    dict(momentum=2.)
])
def test_bad_values_are_refused(kwargs):
    with pytest.raises(ConfigError, match='RunLengthEMAHook'):
        RunLengthEMAHook(**kwargs)


def _train(tmp_path: Path, args: str) -> tuple:
    data = make_list_set(tmp_path / 'data')
    cfg = write_tiny_config(tmp_path, data, EMA.format(args=args))
    work = tmp_path / 'work'
    assert run_tool('train.py', cfg, '--work-dir', work) == 0
    log = next(work.glob('*/*.log')).read_text()
    scalars = [
        json.loads(line)
        for line in next(work.glob('*/vis_data/scalars.json')).open()
    ]
    return log, scalars


def test_window_follows_the_run_and_raw_weights_are_validated(tmp_path):
    log, scalars = _train(tmp_path, 'max_window=4, full_run=8, ')
    # 15 images, batch 4: 4 iterations per epoch x 2 epochs; window 4
    assert 'EMA: momentum 0.25 (averages ~4 of 8 iterations' in log
    assert 'Run length: 15 images, batch 4, 4 iterations per epoch x 2 ' \
        'epochs = 8 iterations.' in log
    assert 'Warm-up: LinearLR over iterations 0-4 (50 % of the run).' in log
    assert 'Validation: every 1 epochs and after the last: after epoch 1, ' \
        '2.' in log
    val = [s for s in scalars if 'accuracy/top1' in s]
    assert len(val) == 2
    assert all('accuracy/top1_origin' in s for s in val)
    assert 'longer than this run' not in log


def test_explicit_momentum_is_kept_with_a_warning(tmp_path):
    log, _ = _train(tmp_path, 'momentum=0.01, ')
    assert 'EMA: momentum 0.01 (averages ~100 of 8 iterations; set in ' \
        'the config)' in log
    assert 'longer than this run (8)' in log

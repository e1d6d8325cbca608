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


def test_momentum_is_a_fraction_of_the_run():
    # TrashNet's main job: 448 iterations, the 100-iteration cap not reached
    assert resolve_momentum(448, 0.22, 100) == pytest.approx(1 / 98.56)
    # 300 photos: 80 iterations, an 18-iteration window
    assert resolve_momentum(80, 0.22, 100) == pytest.approx(1 / 17.6)
    # a long run keeps the window it was tuned with
    assert resolve_momentum(5000, 0.22, 100) == pytest.approx(0.01)
    assert resolve_momentum(5000, 0.22, None) == pytest.approx(1 / 1100)
    assert resolve_momentum(2, 0.22, 100) == 1.0  # shorter: no averaging


@pytest.mark.parametrize(
    'kwargs',
    [dict(window=0),
     dict(window=1.5),
     dict(momentum=0),
     dict(momentum=2.)])
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
    log, scalars = _train(tmp_path, 'window=0.5, ')
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

"""LeNet-5 warm-up on scikit-learn's bundled digits (no download).

The digits config is trained once (850 iterations, about 30 s on one idle CPU
thread) and must reach more than 95% top-1 on its 450-image test split
(measured 96-97.6% over seeds; see benchmarks/results/course.md).
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmext.datasets.digits import SklearnDigits, load_sklearn_digits
from mmext.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'configs/lenet/lenet5_1xb16-sgd-10e_digits.py'


def load_vis_tool():
    spec = importlib.util.spec_from_file_location(
        'vis_predictions', ROOT / 'tools/vis_predictions.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_is_deterministic_stratified_and_disjoint():
    _, y_train, i_train = load_sklearn_digits('train')
    x_test, y_test, i_test = load_sklearn_digits('test')
    assert len(i_train) + len(i_test) == 1797
    assert not set(i_train) & set(i_test)
    assert np.array_equal(i_test, load_sklearn_digits('test')[2])
    per_class = np.bincount(np.concatenate([y_train, y_test]))
    assert np.abs(np.bincount(y_test) - 0.25 * per_class).max() <= 1
    assert x_test.dtype == np.uint8 and x_test.max() == 255
    other = load_sklearn_digits('test', seed=1)[2]
    assert not np.array_equal(i_test, other)
    with pytest.raises(ConfigError):
        load_sklearn_digits('val')


def test_dataset_serves_32px_grey_images():
    ds = SklearnDigits(
        split='test',
        test_mode=True,
        pipeline=[dict(type='Resize', scale=32),
                  dict(type='PackInputs')])
    assert len(ds) == 450 and ds.metainfo['classes'][3] == '3'
    item = ds[0]
    assert tuple(item['inputs'].shape) == (1, 32, 32)
    assert int(item['data_samples'].gt_label) == ds.get_gt_labels()[0]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    from mmengine.runner import Runner
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # faster than 2 contended threads here
    try:
        cfg = Config.fromfile(str(CONFIG))
        cfg.work_dir = str(tmp_path_factory.mktemp('lenet5_digits'))
        cfg.log_level = 'WARNING'
        cfg.default_hooks.logger.interval = 1000
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
    finally:
        torch.set_num_threads(threads)
    return cfg, Path(cfg.work_dir), metrics


@pytest.mark.slow
def test_digits_config_trains_above_95_percent(trained):
    cfg, work_dir, metrics = trained
    assert metrics['accuracy/top1'] > 95.0
    last = cfg.train_cfg.max_epochs
    # a checkpoint every epoch (the last five kept)
    for epoch in (last - 1, last):
        assert (work_dir / f'epoch_{epoch}.pth').is_file()


@pytest.mark.slow
def test_prediction_grid_colours_right_and_wrong(trained, tmp_path):
    cfg, work_dir, _ = trained
    tool = load_vis_tool()
    ckpt = str(work_dir / f'epoch_{cfg.train_cfg.max_epochs}.pth')
    images, preds, truths, classes = tool.predict_samples(cfg, ckpt, range(6))
    assert len(images) == 6 and images[0].shape == (32, 32)
    assert truths == [int(x) for x in load_sklearn_digits('test')[1][:6]]
    # make one prediction wrong on purpose: its title turns red
    preds = list(preds)
    preds[0] = (truths[0] + 1) % 10
    preds[1] = truths[1]
    out = tmp_path / 'grid.png'
    colours = tool.plot_grid(images, preds, truths, classes, str(out), cols=3)
    assert colours[0] == tool.WRONG and colours[1] == tool.RIGHT
    assert out.stat().st_size > 1000

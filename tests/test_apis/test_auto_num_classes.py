"""num_classes='auto': the count comes from the data set when the config is
prepared, the dumped config states it, top-k values above it are dropped."""
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmext.apis.auto_num_classes import fit_topk, resolve_auto_num_classes
from mmext.errors import ConfigError
from helpers import REPO, make_folder_set, make_list_set, write_tiny_config

AUTO = ('\nmodel = dict(backbone=dict(widen_factor=0.35, init_cfg=None), '
        "head=dict(num_classes='auto', topk=(1, )))\n"
        "data_preprocessor = dict(num_classes='auto')\n")


def test_count_from_a_class_file(tmp_path):
    data = make_list_set(tmp_path / 'data')
    cfg = Config.fromfile(write_tiny_config(tmp_path, data, AUTO))
    assert resolve_auto_num_classes(cfg) == 3
    assert cfg.model.head.num_classes == 3
    assert cfg.data_preprocessor.num_classes == 3
    assert cfg.val_evaluator[0]['topk'] == (1, 2)  # both fit 3 classes


def test_count_from_class_folders_and_topk_fitted(tmp_path):
    make_folder_set(tmp_path / 'photos', classes=('a', 'b'), per_class=2)
    cfg = Config.fromfile(
        write_tiny_config(
            tmp_path, tmp_path,
            AUTO + 'train_dataloader = dict(dataset=dict(_delete_=True, '
            "type='GarbageDataset', data_prefix='{}', pipeline=[]))\n"
            "val_evaluator = [dict(type='Accuracy', topk=(1, 5))]\n".format(
                tmp_path / 'photos')))
    assert resolve_auto_num_classes(cfg) == 2
    assert cfg.val_evaluator[0]['topk'] == (1, )


def test_no_classes_anywhere_is_one_paragraph():
    cfg = Config(dict(model=dict(head=dict(num_classes='auto'))))
    with pytest.raises(ConfigError, match='model.head.num_classes=N'):
        resolve_auto_num_classes(cfg)


def test_fit_topk_keeps_what_fits():
    cfg = Config(dict(test_evaluator=dict(type='Accuracy', topk=(1, 5))))
    fit_topk(cfg, 6)
    assert cfg.test_evaluator.topk == (1, 5)
    fit_topk(cfg, 4)
    assert cfg.test_evaluator.topk == (1, )


def test_train_dumps_the_resolved_count(tmp_path):
    data = make_list_set(tmp_path / 'data')
    cfg = write_tiny_config(tmp_path, data,
                            AUTO + 'train_cfg = dict(max_epochs=1)\n')
    work = tmp_path / 'work'
    # a process of its own: the line is logged before the runner's logger
    # exists, by whichever logger is current (in this process, an earlier
    # test's, whose console stream capfd does not see)
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg, '--work-dir',
         str(work)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dumped = Config.fromfile(str(work / 'tiny_cfg.py'))
    assert dumped.model.head.num_classes == 3
    assert dumped.data_preprocessor.num_classes == 3
    assert "num_classes: 'auto' -> 3 from train_dataloader.dataset" in (
        proc.stdout + proc.stderr)


def test_own_data_config_reads_auto():
    cfg = Config.fromfile(
        str(REPO / 'configs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_'
            'own-data.py'))
    assert cfg.model.head.num_classes == 'auto'
    assert cfg.train_dataloader.dataset.data_root == 'data/own_data'
    assert cfg.test_dataloader.dataset.data_root == 'data/own_data'
    assert cfg.train_dataloader.dataset.class_bins is None

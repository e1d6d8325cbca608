"""``--cfg-options``: keys that configure nothing, list/dict values, schedules.

Checked before the runner is built, against the signature of the class the
dict's ``type`` names; every shipped config passes the same check.
"""
import argparse
import glob
import os
import subprocess
import sys

import pytest

from mmext.apis.config import (CfgOptionsAction, _check_value,
                               accepted_arguments, check_cfg_options,
                               check_values, fit_param_schedulers, load_config)
from mmext.errors import ConfigError
from helpers import REPO, make_list_set, write_tiny_config

MAIN = str(REPO / 'configs' /
           'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
SHIPPED = sorted(
    f
    for f in glob.glob(str(REPO / 'configs' / '**' / '*.py'), recursive=True)
    if '_base_' not in f)


@pytest.fixture(scope='module')
def main_cfg():
    return load_config(MAIN)


def parse(*items):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(['--cfg-options', *items]).cfg_options


def test_unknown_argument_of_the_typed_class_is_refused(main_cfg):
    with pytest.raises(ConfigError) as err:
        check_cfg_options(main_cfg,
                          {'optim_wrapper.optimizer.learning_rate': 0.1})
    msg = str(err.value)
    assert 'SGD' in msg and "'learning_rate'" in msg
    assert 'optim_wrapper.optimizer.lr' in msg  # the nearest valid name
    with pytest.raises(ConfigError, match='frozen_stages'):
        check_cfg_options(main_cfg, {'model.backbone.frozen_stage': 3})
    with pytest.raises(ConfigError, match='MobileNetV2'):
        check_cfg_options(main_cfg, {'model.backbone.depth': 50})


def test_legitimate_new_keys_still_work(main_cfg):
    check_cfg_options(
        main_cfg,
        {
            'optim_wrapper.optimizer.nesterov': True,  # SGD takes it, not set
            'model.backbone.with_cp': True,
            'model.head.cal_acc': True,  # via LinearClsHead **kwargs
            'train_dataloader.prefetch_factor': 2,  # torch DataLoader argument
            'default_hooks.checkpoint.out_dir': '/tmp/x',
            'some_new_top_level_key': 1,
            'train_cfg.val_begin': 2,
        })
    # CheckpointHook passes **kwargs on to a file backend: anything goes
    check_cfg_options(main_cfg, {'default_hooks.checkpoint.anything': 1})


def test_changing_a_type_checks_the_remaining_keys(main_cfg):
    with pytest.raises(ConfigError) as err:
        check_cfg_options(main_cfg, {'optim_wrapper.optimizer.type': 'Adam'})
    assert 'Adam' in str(err.value) and "'momentum'" in str(err.value)
    # a dict value merges into the config's dict (mmengine): momentum stays
    with pytest.raises(ConfigError, match='_delete_=True'):
        check_cfg_options(
            main_cfg, {'optim_wrapper.optimizer': dict(type='Adam', lr=1e-3)})
    check_cfg_options(
        main_cfg,
        {'optim_wrapper.optimizer': dict(_delete_=True, type='Adam', lr=1e-3)})


def test_list_and_dict_values_are_parsed(main_cfg):
    opts = parse(
        "custom_hooks=[dict(type='EMAHook', momentum=0.001, "
        "priority='ABOVE_NORMAL')]", 'model.head.topk=(1,)',
        "model.head.loss={'type': 'LabelSmoothLoss', "
        "'label_smooth_val': 0.1}", 'train_cfg.max_epochs=3',
        'data_preprocessor.mean=[1,2,3]')
    assert opts['custom_hooks'] == [
        dict(type='EMAHook', momentum=0.001, priority='ABOVE_NORMAL')
    ]
    assert opts['model.head.loss']['label_smooth_val'] == 0.1
    assert opts['train_cfg.max_epochs'] == 3  # mmengine's parsing kept
    assert opts['data_preprocessor.mean'] == [1, 2, 3]
    check_cfg_options(main_cfg, opts)
    # unquoted words are strings, as with mmengine's DictAction
    assert parse('custom_hooks=[dict(type=EMAHook)]')['custom_hooks'] == [
        dict(type='EMAHook')
    ]


def test_bad_list_values_are_one_paragraph(main_cfg):
    with pytest.raises(ConfigError, match='cannot be read'):
        parse("custom_hooks=[dict(type='EMAHook', __import__('os'))]")
    with pytest.raises(ConfigError, match='cannot be read'):
        parse("custom_hooks=[dict(type='EMAHook'")
    with pytest.raises(ConfigError, match='did you mean EMAHook'):
        check_cfg_options(main_cfg,
                          parse("custom_hooks=[dict(type='EMAHok')]"))
    with pytest.raises(ConfigError) as err:
        check_cfg_options(
            main_cfg,
            parse("custom_hooks=[dict(type='EarlyStoppingHook', "
                  "monitor='accuracy/top1', patiense=3)]"))
    assert "'patiense'" in str(err.value) and 'custom_hooks.0.patience' in str(
        err.value)


def test_kwargs_classes_accept_anything_and_signatures_join_along_mro():
    from mmengine.hooks import CheckpointHook
    from mmpretrain.models import LinearClsHead

    from mmext.datasets import GarbageDataset
    assert accepted_arguments(CheckpointHook) is None
    head = accepted_arguments(LinearClsHead)
    assert {'num_classes', 'in_channels', 'loss', 'topk'} <= head
    ds = accepted_arguments(GarbageDataset)
    assert {'layout', 'ann_file', 'pipeline', 'test_mode', 'indices'} <= ds


@pytest.mark.parametrize(
    'config',
    SHIPPED,
    ids=[os.path.relpath(c, REPO / 'configs') for c in SHIPPED])
def test_every_shipped_config_passes_the_signature_check(config):
    """No false alarms: every typed dict of every config is accepted, and
    so is every value (:func:`check_values`)."""
    cfg = load_config(config)
    _check_value(cfg._cfg_dict.to_dict(), [], 'check')
    check_values(cfg)


def test_max_epochs_below_warmup_fits_the_schedule(main_cfg):
    import copy
    cfg = copy.deepcopy(main_cfg)
    cfg.merge_from_dict({'train_cfg.max_epochs': 1})
    notes = fit_param_schedulers(cfg)
    assert [s['type'] for s in cfg.param_scheduler] == ['LinearLR']
    assert len(notes) == 1 and 'CosineAnnealingLR' in notes[0]
    cfg = copy.deepcopy(main_cfg)
    assert fit_param_schedulers(cfg) == []  # the full run is unchanged
    assert len(cfg.param_scheduler) == 2


ENV = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='2')


def _train_tool(cfg: str, work, option: str) -> subprocess.CompletedProcess:
    """tools/train.py CFG --work-dir WORK --cfg-options OPTION."""
    return subprocess.run([
        sys.executable, 'tools/train.py', cfg, '--work-dir',
        str(work), '--cfg-options', option
    ],
                          cwd=REPO,
                          env=ENV,
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_train_tool_max_epochs_1_and_bad_key(tmp_path):
    """Through tools/train.py: the quick try works, the typo stops early."""
    cfg = write_tiny_config(tmp_path, make_list_set(tmp_path / 'tiny'))
    work = tmp_path / 'work'
    p = _train_tool(cfg, work, 'train_cfg.max_epochs=1')
    assert p.returncode == 0, p.stderr[-2000:]
    assert (work / 'epoch_1.pth').is_file()
    assert 'CosineAnnealingLR' in p.stdout + p.stderr  # the logged note
    bad = tmp_path / 'bad'
    p = _train_tool(cfg, bad, 'optim_wrapper.optimizer.learning_rate=0.1')
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert 'learning_rate' in p.stderr and 'optimizer.lr' in p.stderr
    assert not bad.exists()  # caught before the runner was built
    p = _train_tool(cfg, bad, "custom_hooks=[dict(type='EMAHook'")
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert 'custom_hooks' in p.stderr


def test_a_value_a_class_refuses_is_one_paragraph(capsys):
    """A wrong value (a list where CenterCrop wants a tuple) fails inside
    the class mmengine builds: the tool names the entry, not a traceback;
    errors from elsewhere still raise."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import TRANSFORMS

    from mmext.errors import friendly_main

    @friendly_main
    def build(crop_size):
        init_default_scope('mmpretrain')
        return TRANSFORMS.build(dict(type='CenterCrop', crop_size=crop_size))

    assert build((341, 256)) is not None
    with pytest.raises(SystemExit) as stop:
        build([341, 256])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "dict(type='CenterCrop', crop_size=[341, 256])" in err
    assert 'could not build CenterCrop' in err and 'Traceback' not in err
    assert '(a,b) is a tuple' in err

    @friendly_main
    def broken():
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        broken()


@pytest.mark.parametrize('option, words', [
    ({
        'train_dataloader.batch_size': 0
    }, ['positive integer']),
    ({
        'train_dataloader.batch_size': -1
    }, ['positive integer']),
    ({
        'val_dataloader.num_workers': -1
    }, ['non-negative']),
    ({
        'train_cfg.max_epochs': -2
    }, ['>= 1']),
    ({
        'train_cfg.max_epochs': 0
    }, ['>= 1']),
    ({
        'train_cfg.val_interval': 0
    }, ['>= 1']),
    ({
        'optim_wrapper.optimizer.lr': -0.1
    }, ['SGD', 'learning rate']),
    ({
        'optim_wrapper.optimizer.momentum': -1
    }, ['SGD', 'momentum']),
    ({
        'optim_wrapper.optimizer.weight_decay': -1e-4
    }, ['weight_decay']),
    ({
        'default_hooks.logger.interval': 0
    }, ['>= 1']),
    ({
        'default_hooks.checkpoint.interval': 0
    }, ['-1']),
])
def test_values_a_class_refuses_are_caught_early(main_cfg, option, words):
    import copy
    cfg = copy.deepcopy(main_cfg)
    cfg.merge_from_dict(option)
    with pytest.raises(ConfigError) as err:
        check_values(cfg, option)
    msg = str(err.value)
    key, value = next(iter(option.items()))
    assert msg.startswith(f'{key}={value!r} (from --cfg-options)')
    assert 'Fix: ' in msg and f'--cfg-options {key}=' in msg
    for word in words:
        assert word in msg


def test_valid_values_pass(main_cfg):
    import copy
    check_values(main_cfg)
    cfg = copy.deepcopy(main_cfg)
    option = {
        'train_dataloader.batch_size': 1,
        'train_dataloader.num_workers': 0,
        'train_cfg.max_epochs': 1,
        'optim_wrapper.optimizer.lr': 0.0,
        'default_hooks.checkpoint.interval': -1
    }
    cfg.merge_from_dict(option)
    check_values(cfg, option)


@pytest.mark.e2e
def test_train_tool_batch_size_0_is_one_paragraph(tmp_path):
    """It was torch's ValueError traceback from sampler.py."""
    cfg = write_tiny_config(tmp_path, make_list_set(tmp_path / 'tiny'))
    work = tmp_path / 'work'
    p = _train_tool(cfg, work, 'train_dataloader.batch_size=0')
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert 'train_dataloader.batch_size=0 (from --cfg-options)' in p.stderr
    assert not work.exists()  # caught before the runner was built

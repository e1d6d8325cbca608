"""A readable training log: QuietLogRunner, LrByModuleHook, known warnings.

The main config trained 2 epochs on generated images wrote 1,037 console
lines (624 of them ``paramwise_options``) and a 1,501-line log file before.
"""
import logging
import os
import subprocess
import sys

import pytest
import torch

from mmext.engine.runner import QuietLogFilter, param_group_summary
from helpers import COLOURS, REPO, make_image

MAIN = REPO / 'configs' / (
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py')
CLASSES = ('glass', 'paper', 'cardboard', 'plastic', 'metal', 'trash')


def make_trashnet_like(root):
    """TrashNet's layout and class names, 6 x 8 generated images."""
    colours = list(COLOURS) + [(120, 120, 120), (250, 250, 250)]
    train, val = [], []
    for c, name in enumerate(CLASSES):
        for i in range(8):
            make_image(
                root / 'images' / name / f'{name}_{i}.jpg',
                colours[c],
                size=(64, 48),
                seed=100 * c + i)
            (val if i >= 6 else train).append(f'{name}/{name}_{i}.jpg {c}')
    (root / 'meta').mkdir()
    (root / 'meta' / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (root / 'meta' / 'train.txt').write_text('\n'.join(train) + '\n')
    (root / 'meta' / 'val.txt').write_text('\n'.join(val) + '\n')
    return root


@pytest.mark.slow
@pytest.mark.e2e
def test_two_epoch_log_of_the_main_config_is_short(tmp_path):
    data = make_trashnet_like(tmp_path / 'data')
    work = tmp_path / 'work'
    opts = [
        f'{k}.dataset.data_root={data}'
        for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    cmd = [
        sys.executable, 'tools/train.py',
        str(MAIN), '--work-dir',
        str(work), '--cfg-options', *opts, 'model.backbone.init_cfg=None',
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=1',
        'train_dataloader.batch_size=8', 'train_dataloader.num_workers=2'
    ]
    env = dict(os.environ, OMP_NUM_THREADS='2')
    env.pop('PYTHONWARNINGS', None)
    p = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    console = p.stdout + p.stderr
    assert p.returncode == 0, console[-3000:]
    assert (work / 'epoch_2.pth').is_file()
    log_file = next(work.glob('*/*.log')).read_text()
    for text in (console, log_file):
        assert len(text.splitlines()) < 200, text[-3000:]
        assert 'paramwise_options --' not in text
        assert 'Initialization information' not in text
    # what is said instead, once each
    assert console.count('Config: ') == 1
    assert f'saved as {work}' in console
    assert console.count('Hooks: RuntimeInfoHook') == 1
    assert 'backbone: 156 groups (156 tensors)' in console
    # the rate of each model part, not of parameter group 0
    assert 'head_lr: 1.0000e-02' in console and 'backbone_lr: ' in console
    assert ' lr: ' not in console
    # no warnings the user cannot act on, from the tool or its 2 workers
    for noise in ('mmcv-lite', "Only use 'alpha'", 'pkg_resources',
                  'UserWarning'):
        assert noise not in console, noise
    # epochs are numbered as the log numbers them
    assert 'Epoch(train) [2]' in console
    assert 'UnfreezeHook: from epoch 2' in console


def test_filter_demotes_long_records_with_one_line_each():
    logger = logging.getLogger('mmext-test-quiet')
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    seen = []

    class Keep(logging.Handler):

        def emit(self, record):
            seen.append((record.levelname, record.getMessage()))

    handler = Keep(level=logging.INFO)
    logger.addHandler(handler)
    logger.addFilter(QuietLogFilter(logger, '/w/cfg.py'))
    try:
        logger.info('Config:\nmodel = dict(\n    type=1)\n')
        logger.info('Hooks will be executed in the following order:\n'
                    'before_run:\n(VERY_HIGH   ) RuntimeInfoHook\n'
                    '(BELOW_NORMAL) LoggerHook\n -------------------- \n'
                    'after_run:\n(VERY_HIGH   ) RuntimeInfoHook\n')
        logger.info('paramwise_options -- backbone.conv1.weight:lr=0.0')
        logger.info('\nbackbone.conv1.weight - torch.Size([8, 3]): \nInit \n')
        logger.info('Epoch(train) [1][5/5]  lr: 1e-2')
        logger.warning('Config:\nshown, a warning is never demoted')
    finally:
        logger.removeHandler(handler)
    assert seen == [
        ('INFO', "Config: 3 lines, saved as /w/cfg.py (log_level='DEBUG' "
         'prints them here).'),
        ('INFO', 'Hooks: RuntimeInfoHook, LoggerHook '
         "(the order per stage at log_level='DEBUG')."),
        ('INFO', 'Epoch(train) [1][5/5]  lr: 1e-2'),
        ('WARNING', 'Config:\nshown, a warning is never demoted'),
    ]


def test_param_group_summary_one_line_per_kind():
    model = torch.nn.Module()
    model.backbone = torch.nn.Sequential(torch.nn.Linear(2, 2))
    model.head = torch.nn.Linear(2, 3)
    groups = [
        dict(params=[p], lr=0., weight_decay=0., lr_mult=0.)
        for p in model.backbone.parameters()
    ] + [
        dict(params=[p], lr=0.01, weight_decay=1e-4)
        for p in model.head.parameters()
    ]
    assert param_group_summary(model, groups) == [
        'backbone: 2 groups (2 tensors), lr=0, lr_mult=0, weight_decay=0',
        'head: 2 groups (2 tensors), lr=0.01, weight_decay=0.0001',
    ]


def test_lr_by_module_hook_logs_each_part():
    from mmengine.logging import MessageHub

    from mmext.engine.hooks import LrByModuleHook
    model = torch.nn.Module()
    model.backbone = torch.nn.Linear(2, 2)
    model.head = torch.nn.Linear(2, 3)
    optimizer = torch.optim.SGD([
        dict(params=[model.backbone.weight], lr=1e-9),
        dict(params=[model.backbone.bias], lr=1e-3),
        dict(params=list(model.head.parameters()), lr=0.01)
    ],
                                lr=0.01)

    class Runner:
        pass

    runner = Runner()
    runner.model = model
    runner.optim_wrapper = type('W', (), dict(optimizer=optimizer))()
    runner.message_hub = MessageHub.get_instance('mmext-test-lr')
    runner.message_hub.update_scalar('train/lr', 1e-9)  # RuntimeInfoHook's
    LrByModuleHook().before_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/backbone_lr'].current() == pytest.approx(1e-3)
    assert scalars['train/head_lr'].current() == pytest.approx(0.01)
    assert 'train/lr' not in scalars


def test_known_warnings_are_silenced():
    """In a fresh process with every warning shown: importing mmext (which
    imports mmcv's transformer bricks) and mmpretrain's ColorJitter."""
    code = ('import mmext, numpy as np\n'
            'from mmcv.image import adjust_color\n'
            'adjust_color(np.zeros((4, 4, 3), np.uint8), 0.5, '
            "backend='pillow')\n")
    env = dict(os.environ, PYTHONWARNINGS='default')
    p = subprocess.run([sys.executable, '-c', code],
                       cwd=REPO,
                       env=env,
                       capture_output=True,
                       text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    for noise in ('mmcv-lite', "Only use 'alpha'", 'pkg_resources'):
        assert noise not in p.stderr, p.stderr

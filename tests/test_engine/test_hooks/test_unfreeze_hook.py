"""UnfreezeHook: head-only epochs, then the backbone learns from the right
epoch with its own learning rate, also after --resume."""
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

import mmext  # noqa: F401  (registers UnfreezeHook)
from mmext.errors import ConfigError

CLASSES = ['a', 'b', 'c']


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """One torch thread (two compete badly on the shared 2-core box)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('unfreeze_data')
    rng = np.random.default_rng(0)
    (root / 'meta').mkdir()
    (root / 'meta/classes.txt').write_text('\n'.join(CLASSES) + '\n')
    lines = []
    for label, name in enumerate(CLASSES):
        (root / 'images' / name).mkdir(parents=True)
        for i in range(3):
            img = rng.integers(0, 255, (32, 32, 3)).astype(np.uint8)
            cv2.imwrite(str(root / 'images' / name / f'{i}.png'), img)
            lines.append(f'{name}/{i}.png {label}')
    (root / 'meta/train.txt').write_text('\n'.join(lines) + '\n')
    return root


class Probe(Hook):
    """Records requires_grad, lrs and weights after the UnfreezeHook ran."""

    priority = 'LOW'

    def __init__(self):
        self.seen = []

    def _record(self, runner, where):
        model = runner.model
        bb = model.backbone
        groups = runner.optim_wrapper.optimizer.param_groups
        pid = {id(p): g['lr'] for g in groups for p in g['params']}
        self.seen.append(
            dict(
                where=where,
                epoch=runner.epoch,
                grad={
                    n: p.requires_grad
                    for n, p in bb.named_parameters()
                },
                bb_lr=pid[id(bb.layer7[0].conv[0].conv.weight)],
                head_lr=pid[id(model.head.fc.weight)],
                weight=bb.layer7[0].conv[0].conv.weight.detach().clone(),
                bn_mean=bb.conv1.bn.running_mean.clone(),
                bn_training=bb.conv1.bn.training))

    def before_train(self, runner):
        self._record(runner, 'before_train')

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if batch_idx == 0:
            self._record(runner, 'first_iter')

    def after_train(self, runner):
        self._record(runner, 'after_train')


def make_cfg(data_root: Path,
             work_dir: Path,
             hook: dict,
             epochs: int,
             paramwise: bool = True) -> Config:
    pipe = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    optim = dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
    if paramwise:
        optim['paramwise_cfg'] = dict(
            custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)})
    return Config(
        dict(
            default_scope='mmpretrain',
            model=dict(
                type='ImageClassifier',
                backbone=dict(type='MobileNetV2', widen_factor=0.35),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead',
                    num_classes=3,
                    in_channels=1280,
                    loss=dict(type='CrossEntropyLoss'))),
            data_preprocessor=dict(
                num_classes=3, mean=[128.] * 3, std=[64.] * 3, to_rgb=True),
            train_dataloader=dict(
                batch_size=3,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='GarbageDataset',
                    data_root=str(data_root),
                    ann_file='meta/train.txt',
                    data_prefix='images',
                    classes='meta/classes.txt',
                    pipeline=pipe)),
            train_cfg=dict(by_epoch=True, max_epochs=epochs),
            optim_wrapper=optim,
            param_scheduler=[
                dict(
                    type='CosineAnnealingLR',
                    by_epoch=True,
                    T_max=4,
                    eta_min=0.)
            ],
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=1),
                logger=dict(type='LoggerHook', interval=100)),
            custom_hooks=[hook],
            randomness=dict(seed=0),
            log_level='WARNING',
            work_dir=str(work_dir)))


def train(cfg: Config, resume: str = None) -> Probe:
    from mmengine.runner import Runner
    if resume:
        cfg.resume = True
        cfg.load_from = resume
    runner = Runner.from_cfg(cfg)
    probe = Probe()
    runner.register_hook(probe)
    runner.train()
    return probe


def by_epoch(probe: Probe, where: str = 'first_iter') -> dict:
    return {s['epoch']: s for s in probe.seen if s['where'] == where}


@pytest.fixture(scope='module')
def two_stage(data_root, tmp_path_factory):
    """4 epochs, unfreeze at epoch 2 from stage 5 on (stem + 1..4 frozen)."""
    work = tmp_path_factory.mktemp('two_stage')
    hook = dict(
        type='UnfreezeHook', unfreeze_epoch=2, frozen_stages=4, lr_mult=0.1)
    return work, data_root, train(make_cfg(data_root, work, hook, 4))


def test_head_only_then_unfrozen_at_the_epoch(two_stage):
    _, _, probe = two_stage
    seen = by_epoch(probe)
    assert sorted(seen) == [0, 1, 2, 3]
    for epoch in (0, 1):
        assert not any(seen[epoch]['grad'].values()), epoch
        assert not seen[epoch]['bn_training']  # BN statistics fixed
    for epoch in (2, 3):
        grad = seen[epoch]['grad']
        assert grad['layer5.0.conv.0.conv.weight']
        assert grad['conv2.conv.weight']
        assert not grad['layer4.0.conv.0.conv.weight']  # frozen_stages=4
        assert not grad['conv1.conv.weight']
    # the backbone did not move in stage 1 and moved in stage 2
    assert torch.equal(seen[0]['weight'], seen[1]['weight'])
    assert torch.equal(seen[0]['bn_mean'], seen[1]['bn_mean'])
    final = probe.seen[-1]
    assert not torch.equal(seen[2]['weight'], final['weight'])
    # stage-2 lr: 0.1 x the head's (both follow the schedule afterwards)
    assert seen[1]['bb_lr'] == 0.
    assert seen[2]['bb_lr'] == pytest.approx(
        0.1 * seen[2]['head_lr'], rel=0.05)


@pytest.mark.parametrize('from_epoch', [1, 3])
def test_requires_grad_right_after_resume(two_stage, from_epoch, tmp_path):
    """Resume before and after the unfreeze epoch."""
    work, data_root, first = two_stage
    hook = dict(
        type='UnfreezeHook', unfreeze_epoch=2, frozen_stages=4, lr_mult=0.1)
    cfg = make_cfg(data_root, tmp_path, hook, 4)
    probe = train(cfg, resume=str(work / f'epoch_{from_epoch}.pth'))
    start = probe.seen[0]
    assert start['where'] == 'before_train' and start['epoch'] == from_epoch
    assert start['grad']['layer5.0.conv.0.conv.weight'] == (from_epoch > 2)
    seen, ref = by_epoch(probe), by_epoch(first)
    assert sorted(seen) == list(range(from_epoch, 4))
    for epoch in seen:
        assert seen[epoch]['grad'] == ref[epoch]['grad'], epoch
        assert seen[epoch]['bb_lr'] == pytest.approx(ref[epoch]['bb_lr'])


def test_shared_param_group_is_refused(data_root, tmp_path):
    hook = dict(type='UnfreezeHook', unfreeze_epoch=1)
    cfg = make_cfg(data_root, tmp_path, hook, 2, paramwise=False)
    with pytest.raises(ConfigError, match='paramwise_cfg'):
        train(cfg)

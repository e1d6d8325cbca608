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
from helpers import REPO

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


class StageProbe(Hook):
    """Records, at each epoch's first iteration: which backbone parameters
    learn, the rate and weight decay of ``param`` against the head's, the
    rate of every learning parameter relative to the head's (``rates``,
    ``None``: frozen), and whether ``adapting`` and ``frozen`` (module
    names) are in train mode."""

    priority = 'LOW'

    def __init__(self, param: str, adapting: str, frozen: str):
        self.param, self.adapting, self.frozen = param, adapting, frozen
        self.seen, self.start = {}, {}

    def _weight(self, runner) -> torch.Tensor:
        return dict(runner.model.backbone.named_parameters())[
            self.param].detach().clone()

    def before_train_epoch(self, runner):
        self.start[runner.epoch] = self._weight(runner)

    def after_train(self, runner):
        self.final = self._weight(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if batch_idx:
            return
        model = runner.model
        bb = model.backbone
        params = dict(bb.named_parameters())
        group = {
            id(p): g
            for g in runner.optim_wrapper.optimizer.param_groups
            for p in g['params']
        }
        head_lr = group[id(model.head.fc.weight)]['lr']
        self.seen[runner.epoch] = dict(
            grad={
                n: p.requires_grad
                for n, p in params.items()
            },
            bb_lr=group[id(params[self.param])]['lr'],
            head_lr=head_lr,
            rates={
                n: group[id(p)]['lr'] / head_lr if p.requires_grad else None
                for n, p in params.items()
            },
            decay={  # (the optimizer leaves out what is frozen at build)
                n: group[id(p)].get('weight_decay')
                for n, p in params.items() if id(p) in group
            },
            adapting=bb.get_submodule(self.adapting).training,
            frozen=bb.get_submodule(self.frozen).training)


def train_config(name: str, data_root: Path, work_dir: Path, probe: Hook,
                 **changes) -> None:
    """Two epochs of a shipped config (with ``changes`` merged in) on the
    3-class images at 32 px, from random weights: its model, optimizer,
    schedule and hooks."""
    from mmengine.runner import Runner

    from mmext.apis.config import load_config
    repo = REPO
    cfg = load_config(str(repo / 'configs' / name))
    cfg.merge_from_dict(changes)
    cfg.model.backbone.init_cfg = None
    cfg.model.head.update(num_classes=3, topk=(1, ))
    cfg.data_preprocessor.num_classes = 3
    pipe = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=32),
        dict(type='PackInputs')
    ]
    cfg.train_dataloader = dict(
        batch_size=3,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='GarbageDataset',
            data_root=str(data_root),
            ann_file='meta/train.txt',
            data_prefix='images',
            classes='meta/classes.txt',
            pipeline=pipe))
    for split in ('val', 'test'):
        cfg[f'{split}_cfg'] = cfg[f'{split}_dataloader'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.train_cfg.max_epochs = 2
    cfg.default_hooks.checkpoint.save_best = None
    cfg.log_level = 'WARNING'
    cfg.work_dir = str(work_dir)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(probe)
    runner.train()


def test_resnet50_config_head_first_then_stages_3_4(data_root, tmp_path):
    """The ResNet-50 config: epoch 0 trains the head only; from epoch 1
    stages 3-4 learn at 0.5x the head's rate with BatchNorm adapting, the
    stem and stages 1-2 stay frozen (ResNet's own frozen_stages=2)."""
    probe = StageProbe('layer3.0.conv1.weight', 'layer3.0.bn1', 'layer2.0.bn1')
    train_config(
        'resnet50_in1k-pre-ft-stage3_1xb64-cos-8e_garbage-classify.py',
        data_root, tmp_path, probe)
    head_only, fine_tune = probe.seen[0], probe.seen[1]
    assert not any(head_only['grad'].values())
    assert head_only['bb_lr'] == 0. and not head_only['adapting']
    grad = fine_tune['grad']
    for name in ('layer3.0.conv1.weight', 'layer3.0.bn1.weight',
                 'layer4.2.conv3.weight'):
        assert grad[name], name
    for name in ('conv1.weight', 'bn1.weight', 'layer1.0.conv1.weight',
                 'layer2.3.conv3.weight'):
        assert not grad[name], name
    assert fine_tune['adapting']  # norm_eval=False in stage 2
    assert not fine_tune['frozen']  # frozen stages stay in eval mode
    assert fine_tune['bb_lr'] == pytest.approx(
        0.5 * fine_tune['head_lr'], rel=0.05)
    # the backbone did not move in the head-only epoch, then it did
    assert torch.equal(probe.start[0], probe.start[1])
    assert not torch.equal(probe.start[1], probe.final)


def test_swin_frozen_stages_and_weight_decay(data_root, tmp_path):
    """On Swin-T the hook works, with two differences the Swin config's
    README entry rests on: Swin's ``frozen_stages=k`` keeps the patch
    embedding and stages 0..k frozen (k + 1 stages: ResNet's k means the
    stem and k stages), and the unfrozen groups all get the optimizer's
    weight decay, also the norms that the Swin schedule exempts."""
    probe = StageProbe('stages.2.blocks.0.attn.w_msa.qkv.weight',
                       'stages.2.blocks.0.norm1', 'stages.1.blocks.0.norm1')
    name = 'swin-tiny_in1k-pre_1xb64-cos-randaug-ema-50e_garbage-classify.py'
    from mmext.apis.config import load_config
    cfg = load_config(str(REPO / 'configs' / name))
    assert 'UnfreezeHook' not in str(cfg.custom_hooks)
    keys = dict(cfg.optim_wrapper.paramwise_cfg.custom_keys)
    keys['backbone'] = dict(lr_mult=0., decay_mult=0.)
    hook = dict(type='UnfreezeHook', unfreeze_epoch=1, frozen_stages=1)
    train_config(
        name,
        data_root,
        tmp_path,
        probe,
        custom_hooks=cfg.custom_hooks + [hook],
        # 32 px maps are smaller than its 7x7 windows
        model=dict(backbone=dict(pad_small_map=True)),
        # its 5 warmup epochs do not fit in 2
        param_scheduler=[dict(type='CosineAnnealingLR', by_epoch=True)],
        optim_wrapper=dict(paramwise_cfg=dict(custom_keys=keys)))
    head_only, fine_tune = probe.seen[0], probe.seen[1]
    assert not any(head_only['grad'].values())
    grad = fine_tune['grad']
    assert grad['stages.2.blocks.0.attn.w_msa.qkv.weight']
    assert grad['stages.3.blocks.1.norm2.weight']
    assert not grad['patch_embed.projection.weight']
    assert not grad['stages.0.blocks.0.attn.w_msa.qkv.weight']
    assert not grad['stages.1.blocks.0.attn.w_msa.qkv.weight']
    assert fine_tune['bb_lr'] == pytest.approx(0.1 * fine_tune['head_lr'])
    assert torch.equal(probe.start[0], probe.start[1])
    assert not torch.equal(probe.start[1], probe.final)
    # the Swin schedule's paramwise_cfg gives norms no weight decay
    # (norm_decay_mult=0); after the hook's reset they have the optimizer's
    # (why the Swin config does not use the hook)
    assert cfg.optim_wrapper.paramwise_cfg.norm_decay_mult == 0.
    assert fine_tune['decay']['stages.2.blocks.0.norm1.weight'] == 0.05


def test_layer_decay_rates_fall_by_stage(data_root, tmp_path):
    """layer_decay=0.5 with lr_mult=0.5: conv2 (above the last stage) at
    0.5x the head's rate, each stage below at half the one above, down to
    stage 3; the stem and stages 1-2 frozen (frozen_stages=2)."""
    hook = dict(
        type='UnfreezeHook',
        unfreeze_epoch=1,
        frozen_stages=2,
        lr_mult=0.5,
        layer_decay=0.5)
    cfg = make_cfg(data_root, tmp_path, hook, 2)
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    probe = StageProbe('layer3.0.conv.0.conv.weight', 'layer3.0.conv.0.bn',
                       'layer2.0.conv.0.bn')
    runner.register_hook(probe)
    runner.train()
    assert all(rate is None for rate in probe.seen[0]['rates'].values())
    assert probe.seen[1]['adapting'] and not probe.seen[1]['frozen']
    expected = {'conv2': 0.5, 'conv1': None, 'layer1': None, 'layer2': None}
    expected.update({f'layer{k}': 0.5 * 0.5**(8 - k) for k in range(3, 8)})
    check_rates(probe.seen[1]['rates'], expected)


def check_rates(rates: dict, expected: dict, rel: float = 1e-6) -> None:
    """Each parameter's rate (relative to the head's, ``None``: frozen) is
    its top-level module's ``expected`` one."""
    for name, rate in rates.items():
        want = expected[name.split('.')[0]]
        if want is None:
            assert rate is None, name
        else:
            assert rate == pytest.approx(want, rel=rel), name


def test_layer_decay_config_rates_fall_by_stage(data_root, tmp_path):
    """The layer-wise LR decay recipe: head only in epoch 0; from epoch 1
    conv2 learns at the head's rate and each stage below it at 0.8x the one
    above (stage 7 0.8x ... stage 3 0.8^5 x); the stem and stages 1-2 stay
    frozen."""
    probe = StageProbe('layer3.0.conv.0.conv.weight', 'layer3.0.conv.0.bn',
                       'layer2.0.conv.0.bn')
    train_config(
        'recipe/mobilenet-v2_in1k-pre-ft-stage3-lld0.8_1xb32-cos-30e_'
        'trashnet-256px.py', data_root, tmp_path, probe)
    head_only, fine_tune = probe.seen[0]['rates'], probe.seen[1]['rates']
    assert all(rate is None for rate in head_only.values())
    expected = {'conv2': 1.0}
    expected.update({f'layer{k}': 0.8**(8 - k) for k in range(3, 8)})
    expected.update({'conv1': None, 'layer1': None, 'layer2': None})
    # (the schedule's eta_min moves the ratios by under 0.1 %)
    check_rates(fine_tune, expected, rel=1e-2)


@pytest.mark.parametrize('decay', [0., -0.5, 1.5])
def test_layer_decay_outside_0_1_is_refused(decay):
    from mmext.engine.hooks.unfreeze_hook import UnfreezeHook
    with pytest.raises(ConfigError, match='layer_decay'):
        UnfreezeHook(unfreeze_epoch=1, layer_decay=decay)


def test_layer_scales_of_resnet_and_swin_names():
    """Stages read from ResNet's ``layer<k>`` and Swin's ``stages.<i>``:
    the stem sits below stage 1, the layers after the last stage on top."""
    from mmpretrain.models.backbones import ResNet, SwinTransformer

    from mmext.engine.hooks.unfreeze_hook import UnfreezeHook
    hook = UnfreezeHook(unfreeze_epoch=1, layer_decay=0.5)
    resnet = hook.layer_scales(ResNet(depth=18))
    assert resnet['conv1.weight'] == resnet['bn1.weight'] == 0.5**5
    assert resnet['layer1.0.conv1.weight'] == 0.5**4
    assert resnet['layer4.1.bn2.bias'] == 0.5
    swin = hook.layer_scales(
        SwinTransformer(arch='tiny', img_size=64, window_size=2))
    assert swin['patch_embed.projection.weight'] == 0.5**5
    assert swin['stages.0.blocks.0.attn.w_msa.qkv.weight'] == 0.5**4
    assert swin['stages.3.blocks.1.norm2.weight'] == 0.5
    assert swin['norm3.weight'] == 1.0


def test_layer_decay_without_stages_is_refused():
    from mmext.engine.hooks.unfreeze_hook import UnfreezeHook
    hook = UnfreezeHook(unfreeze_epoch=1, layer_decay=0.8)
    with pytest.raises(ConfigError, match='no stage'):
        hook.layer_scales(torch.nn.Sequential(torch.nn.Linear(2, 2)))

"""SamplePairing (batch augment) and SamplePairingHook (its schedule)."""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MessageHub, MMLogger
from mmpretrain.registry import BATCH_AUGMENTS, HOOKS

import mmext  # noqa: F401  (registers)
from mmext.augments.sample_pairing import SamplePairing
from mmext.engine.hooks.sample_pairing_hook import (SCALAR_KEY,
                                                    SamplePairingHook,
                                                    sample_pairing_on)
from mmext.errors import ConfigError


def powers_of_two_batch(n: int) -> torch.Tensor:
    """Image i is the constant 2**i: an average names its two images."""
    values = torch.tensor([2.0**i for i in range(n)], dtype=torch.float64)
    return values.view(n, 1, 1, 1).expand(n, 3, 4, 5).clone()


# ------------------------------------------------------------ the augment
def test_registered_and_built_by_mmpretrains_random_batch_augment():
    from mmpretrain.models.utils.batch_augments import RandomBatchAugment
    wrapper = RandomBatchAugment(augments=dict(type='SamplePairing', prob=0.5))
    assert isinstance(wrapper.augments[0], SamplePairing)
    assert wrapper.augments[0].prob == 0.5
    assert BATCH_AUGMENTS.get('SamplePairing') is SamplePairing


def test_every_image_is_averaged_with_another_one_and_labels_kept():
    torch.manual_seed(3)
    n = 8
    inputs = powers_of_two_batch(n)
    labels = torch.nn.functional.one_hot(torch.arange(n) % 3, 3)
    out, scores = SamplePairing(prob=1.0)(inputs, labels)
    assert out.shape == inputs.shape and out.dtype == inputs.dtype
    # labels: exactly the first image's, as float one-hot
    assert scores.dtype == torch.float32
    assert torch.equal(scores, labels.float())
    partners = []
    for i in range(n):
        img = out[i]
        assert torch.all(img == img.flatten()[0])  # a constant image
        twice = int(img.flatten()[0].item() * 2)  # 2**i + 2**j
        rest = twice - 2**i
        assert rest > 0 and rest & (rest - 1) == 0, 'not (x_i + x_j) / 2'
        j = rest.bit_length() - 1
        assert j != i, 'an image was paired with itself'
        partners.append(j)
    # each image is used as a partner exactly once
    assert sorted(partners) == list(range(n))
    # inputs untouched
    assert torch.equal(inputs, powers_of_two_batch(n))


def test_mix_averages_exactly_the_pixels_it_is_told():
    inputs = torch.randn(4, 3, 6, 6)
    partner = torch.tensor([2, 0, 3, 1])
    paired = torch.tensor([True, False, True, True])
    out = SamplePairing.mix(inputs, partner, paired)
    assert torch.equal(out[1], inputs[1])
    for i in (0, 2, 3):
        assert torch.allclose(out[i], (inputs[i] + inputs[partner[i]]) / 2)


def test_prob_controls_the_share_of_paired_images():
    torch.manual_seed(0)
    n = 2000
    inputs = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1)
    labels = torch.zeros(n, 2)
    out, _ = SamplePairing(prob=0.3)(inputs, labels)
    changed = (out != inputs).flatten().float().mean().item()
    assert 0.25 < changed < 0.35
    out0, _ = SamplePairing(prob=0.0)(inputs, labels)
    assert torch.equal(out0, inputs)


def test_disabled_passes_the_batch_through():
    inputs = torch.randn(6, 3, 4, 4)
    labels = torch.eye(6)[:, :3]
    out, scores = SamplePairing(enabled=False)(inputs, labels)
    assert torch.equal(out, inputs) and torch.equal(scores, labels)


def test_seeded():
    inputs = torch.randn(16, 3, 4, 4)
    labels = torch.zeros(16, 2)
    torch.manual_seed(7)
    a, _ = SamplePairing(prob=0.5)(inputs, labels)
    torch.manual_seed(7)
    b, _ = SamplePairing(prob=0.5)(inputs, labels)
    torch.manual_seed(8)
    c, _ = SamplePairing(prob=0.5)(inputs, labels)
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize('prob', [-0.1, 1.5, '1', True, None])
def test_bad_prob_is_a_config_error(prob):
    with pytest.raises(ConfigError, match='prob'):
        SamplePairing(prob=prob)


# ------------------------------------------------------------ the schedule
def test_schedule_function_paper_pattern():
    # 100 epochs, off for the first and last 10, 8 on / 2 off in between
    on = [e for e in range(100) if sample_pairing_on(e, 10, 90, 8, 2)]
    assert on[0] == 10 and on[-1] == 87
    assert 9 not in on and all(e not in on for e in range(88, 100))
    assert [e in on for e in range(10, 20)] == [True] * 8 + [False] * 2
    assert len(on) == 8 * 8


class FakeRunner:
    """The few runner attributes the hook reads."""

    def __init__(self, augments, epoch=0, max_epochs=10):
        wrapper = SimpleNamespace(augments=augments)
        self.model = SimpleNamespace(
            data_preprocessor=SimpleNamespace(batch_augments=wrapper))
        self.epoch = epoch
        self.max_epochs = max_epochs
        self.train_loop = object()
        self.message_hub = MessageHub.get_instance(f'sp-test-{id(self)}')
        self.logger = MMLogger.get_instance('sp-test')


def states(hook, runner, epochs):
    out = []
    aug = runner.model.data_preprocessor.batch_augments.augments[0]
    for epoch in epochs:
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert runner.message_hub.get_scalar(SCALAR_KEY).current() == \
            float(aug.enabled)
        out.append(aug.enabled)
    return out


def test_hook_switches_at_configured_epochs():
    aug = SamplePairing()
    runner = FakeRunner([aug], max_epochs=12)
    hook = HOOKS.build(
        dict(
            type='SamplePairingHook',
            start_epoch=2,
            end_epoch=-2,
            on_epochs=3,
            off_epochs=1,
            prob=0.5))
    hook.before_train(runner)
    got = states(hook, runner, range(12))
    #          0      1      2     3     4     5      6     7     8     9
    expect = [
        False, False, True, True, True, False, True, True, True, False, False,
        False
    ]  # 10, 11: the final epochs stay off
    assert got == expect
    assert aug.prob == 0.5


def test_hook_state_after_resume_matches_uninterrupted_run():
    full = FakeRunner([SamplePairing()], max_epochs=10)
    hook = SamplePairingHook(
        start_epoch=1, end_epoch=9, on_epochs=2, off_epochs=1)
    hook.before_train(full)
    uninterrupted = states(hook, full, range(10))
    # a fresh process (new hook, new augment, which starts enabled) resumed
    # at epoch 5: the state comes from runner.epoch, not from history
    resumed = FakeRunner([SamplePairing(enabled=True)], epoch=6, max_epochs=10)
    hook2 = SamplePairingHook(
        start_epoch=1, end_epoch=9, on_epochs=2, off_epochs=1)
    hook2.before_train(resumed)
    assert states(hook2, resumed, range(6, 10)) == uninterrupted[6:]
    assert uninterrupted == [
        False, True, True, False, True, True, False, True, True, False
    ]


@pytest.mark.parametrize('kwargs', [
    dict(on_epochs=0),
    dict(off_epochs=-1),
    dict(start_epoch=-1),
    dict(start_epoch=1.5),
    dict(end_epoch='last'),
    dict(prob=2.0)
])
def test_hook_rejects_bad_parameters(kwargs):
    with pytest.raises(ConfigError):
        SamplePairingHook(**kwargs)


def test_hook_without_sample_pairing_or_never_on_is_a_config_error():
    runner = FakeRunner([])
    with pytest.raises(ConfigError, match='no SamplePairing'):
        SamplePairingHook().before_train(runner)
    runner = FakeRunner([SamplePairing()], max_epochs=3)
    with pytest.raises(ConfigError, match='never'):
        SamplePairingHook(start_epoch=2, end_epoch=-1).before_train(runner)


# ------------------------------------------- a tiny real run, then a resume
def _write_images(root: Path, n_per_class: int = 4) -> None:
    rng = np.random.default_rng(0)
    import cv2
    for cls in ('a', 'b'):
        (root / cls).mkdir(parents=True)
        for k in range(n_per_class):
            img = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
            cv2.imwrite(str(root / cls / f'{k}.png'), img)


def _tiny_cfg(data: Path, work_dir: Path, max_epochs: int):
    from mmengine.config import Config
    pipeline = [
        dict(type='LoadImageFromFile', color_type='grayscale'),
        dict(type='PackInputs')
    ]
    loader = dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='CustomDataset', data_root=str(data), pipeline=pipeline))
    return Config(
        dict(
            default_scope='mmpretrain',
            model=dict(
                type='ImageClassifier',
                backbone=dict(type='LeNet5', num_classes=0),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead', num_classes=2, in_channels=120),
                data_preprocessor=dict(num_classes=2),
                train_cfg=dict(augments=dict(type='SamplePairing'))),
            work_dir=str(work_dir),
            train_dataloader=loader,
            train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=1),
                checkpoint=dict(type='CheckpointHook', interval=1)),
            custom_hooks=[
                dict(
                    type='SamplePairingHook',
                    start_epoch=1,
                    end_epoch=-1,
                    on_epochs=2,
                    off_epochs=1)
            ],
            randomness=dict(seed=0),
            log_processor=dict(by_epoch=True),
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
        ))


def _logged_states(work_dir: Path):
    """``{epoch: sample_pairing}`` from every scalars.json under work_dir."""
    found = {}
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if 'sample_pairing' in rec:
                found.setdefault(rec['epoch'],
                                 set()).add(rec['sample_pairing'])
    return found


class _Stopped(Exception):
    pass


class _StopAfter(Hook):
    """Kill the run after an epoch, like a crash or Ctrl-C."""

    def __init__(self, epochs: int):
        self.epochs = epochs

    def after_train_epoch(self, runner) -> None:
        if runner.epoch == self.epochs:
            raise _Stopped


def test_tiny_run_logs_schedule_and_resume_keeps_it(tmp_path):
    from mmengine.runner import Runner
    data = tmp_path / 'data'
    _write_images(data)
    # 6 epochs: off, on, on, off, on, off (end_epoch=-1)
    expect = {1: {0.0}, 2: {1.0}, 3: {1.0}, 4: {0.0}, 5: {1.0}, 6: {0.0}}
    work = tmp_path / 'full'
    cfg = _tiny_cfg(data, work, 6)
    cfg.experiment_name = 'full'
    Runner.from_cfg(cfg).train()
    assert _logged_states(work) == expect
    # stop after 3 epochs (same schedule: max_epochs 6), then --resume
    work2 = tmp_path / 'resumed'
    cfg = _tiny_cfg(data, work2, 6)
    cfg.experiment_name = 'part1'
    runner = Runner.from_cfg(cfg)
    # interrupt after epoch 3, once its checkpoint is written
    runner.register_hook(_StopAfter(3), priority='LOWEST')
    with pytest.raises(_Stopped):
        runner.train()
    assert (work2 / 'epoch_3.pth').exists()
    cfg = _tiny_cfg(data, work2, 6)
    cfg.experiment_name = 'part2'
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert _logged_states(work2) == expect

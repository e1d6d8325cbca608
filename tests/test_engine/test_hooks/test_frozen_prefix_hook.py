"""FrozenPrefixHook in a run with UnfreezeHook: the whole backbone as a
graph in the head-only epoch, the stem and stages 1-4 after unfreezing; the
real weights in checkpoints; resume; the opt-out."""
import pytest
import torch
from mmengine.hooks import Hook
from test_unfreeze_hook import data_root, make_cfg, one_thread  # noqa: F401

from mmext.engine.frozen_prefix import FrozenPrefix
from mmext.errors import ConfigError

UNFREEZE = dict(
    type='UnfreezeHook',
    unfreeze_epoch=1,
    frozen_stages=4,
    lr_mult=1.0,
    norm_eval=False)


class PrefixProbe(Hook):
    """Records the prefix plan and graph builds at each epoch's first
    iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.seen = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        forward = runner.model.backbone.__dict__.get('forward')
        if batch_idx == 0:
            self.seen[runner.epoch] = (FrozenPrefix.plan(
                runner.model.backbone), getattr(forward, 'builds', None))


def run(cfg, resume: str = None):
    from mmengine.runner import Runner
    if resume:
        cfg.resume, cfg.load_from = True, resume
    runner = Runner.from_cfg(cfg)
    probe = PrefixProbe()
    runner.register_hook(probe)
    runner.train()
    return runner, probe


def config(data_root, work_dir, epochs=2, enabled=True):  # noqa: F811
    """The recipe's hooks: channels-last, UnfreezeHook, EMA, the prefix."""
    cfg = make_cfg(data_root, work_dir, UNFREEZE, epochs)
    cfg.custom_hooks = [
        dict(type='ChannelsLastHook'), UNFREEZE,
        dict(type='EMAHook', momentum=0.01, priority='ABOVE_NORMAL'),
        dict(type='FrozenPrefixHook', enabled=enabled)
    ]
    return cfg


def test_graph_follows_unfreezing_and_checkpoints_hold_real_weights(
        data_root, tmp_path):  # noqa: F811
    runner, probe = run(config(data_root, tmp_path / 'on'))
    assert probe.seen == {
        0: (((0, 9, True), ), 1),  # head-only: the whole backbone
        1: (((0, 1, False), (1, 5, True)), 2),  # stem eager, stages 1-4
    }
    assert 'forward' not in runner.model.backbone.__dict__  # given back
    _, probe_off = run(config(data_root, tmp_path / 'off', enabled=False))
    assert probe_off.seen[1][1] is None  # opt-out: nothing installed
    on = torch.load(tmp_path / 'on/epoch_2.pth', weights_only=False)
    off = torch.load(tmp_path / 'off/epoch_2.pth', weights_only=False)
    assert list(on['state_dict']) == list(off['state_dict'])
    frozen = [
        k for k in on['state_dict'] if k.startswith('backbone.layer')
        and int(k[len('backbone.layer')]) <= 4
    ]
    assert frozen and all(
        torch.equal(on['state_dict'][k], off['state_dict'][k]) for k in frozen)
    # resume inside stage 2 with the hook: stages 1-4 as a graph again
    cfg = config(data_root, tmp_path / 'resumed', epochs=3)
    _, resumed = run(cfg, resume=str(tmp_path / 'on/epoch_2.pth'))
    assert resumed.seen == {2: (((0, 1, False), (1, 5, True)), 1)}


def test_bad_mode_is_refused():
    from mmext.engine.hooks import FrozenPrefixHook
    with pytest.raises(ConfigError, match='mode'):
        FrozenPrefixHook(mode='compile')

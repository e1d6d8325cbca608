"""EMA training and checkpoint averaging give loadable, correctly averaged
weights.

One tiny training run (MobileNetV2-0.35, 32 px, 2 epochs x 4 iterations) with
mmpretrain's ``EMAHook`` (momentum 0.3, so the EMA is far from the raw
weights) records the raw parameters after every iteration. The saved
checkpoint must hold the EMA of exactly that sequence as ``state_dict`` and
the raw weights in ``ema_state_dict``. The two epoch checkpoints are then
averaged by the tool; the soup must be their element-wise mean and must test
through ``tools/test.py``.
"""
import os.path as osp
import runpy
import sys

import pandas as pd
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from helpers import REPO, make_list_set, write_tiny_config

MOMENTUM = 0.3
RECORDED = []


class RecordParamsHook(Hook):
    """Keep a copy of the raw parameters after every training iteration."""

    priority = 'LOWEST'  # after EMAHook (ABOVE_NORMAL) has updated the EMA

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        RECORDED.append({
            k: v.detach().clone()
            for k, v in model.named_parameters()
        })


@pytest.fixture(scope='module')
def ema_run(tmp_path_factory):
    from mmpretrain.registry import HOOKS

    from mmext.apis.train_test import run_train, train_parser
    HOOKS.register_module(module=RecordParamsHook, force=True)
    tmp = tmp_path_factory.mktemp('ema')
    root = make_list_set(tmp / 'tiny')
    # the recipe's way: append EMAHook to the base custom_hooks
    cfg = write_tiny_config(
        tmp, root, f"""
custom_hooks = [dict(type='BadImageReportHook'),
                dict(type='EMAHook', momentum={MOMENTUM},
                     priority='ABOVE_NORMAL'),
                dict(type='RecordParamsHook')]
""")
    work = tmp / 'work'
    RECORDED.clear()
    run_train(train_parser().parse_args([cfg, '--work-dir', str(work)]))
    assert len(RECORDED) == 8  # 15 images / batch 4 = 4 iterations x 2
    return dict(cfg=cfg, work=work, root=root, tmp=tmp, raw=list(RECORDED))


def ema_of(seq, momentum):
    """mmengine's ExponentialMovingAverage: first copy, then lerp."""
    ema = {k: v.clone() for k, v in seq[0].items()}
    for params in seq[1:]:
        for k in ema:
            ema[k] = (1 - momentum) * ema[k] + momentum * params[k]
    return ema


def test_ema_checkpoint_holds_the_ema_of_the_recorded_weights(ema_run):
    from mmext.checkpoint import safe_torch_load
    raw = ema_run['raw']
    for epoch, n_iters in ((1, 4), (2, 8)):
        ckpt = safe_torch_load(str(ema_run['work'] / f'epoch_{epoch}.pth'))
        state, ema_state = ckpt['state_dict'], ckpt['ema_state_dict']
        expected = ema_of(raw[:n_iters], MOMENTUM)
        last = raw[n_iters - 1]
        far = 0.0
        for k, v in expected.items():
            # state_dict = EMA weights (swapped in for deployment) ...
            assert torch.allclose(state[k], v, atol=1e-5), k
            # ... and the raw weights of that iteration sit in ema_state_dict
            assert torch.equal(ema_state['module.' + k], last[k]), k
            far = max(far, (v - last[k]).abs().max().item())
        assert far > 1e-3  # the EMA is not just the last weights
    assert int(ckpt['ema_state_dict']['steps']) == 8


def test_ema_recipe_config_appends_the_hook():
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(
            REPO, 'configs/recipe/'
            'mobilenet-v2_in1k-pre-headonly_1xb32-cos-ema-10e_trashnet.py'))
    base = Config.fromfile(
        osp.join(
            REPO,
            'configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
    )
    types = [h['type'] for h in cfg.custom_hooks]
    assert types == [h['type'] for h in base.custom_hooks] + ['EMAHook']
    assert 0 < cfg.custom_hooks[-1]['momentum'] < 0.1


def run_soup(argv, monkeypatch):
    tool = osp.join(REPO, 'tools', 'model_converters',
                    'average_checkpoints.py')
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, argv)])
    runpy.run_path(tool, run_name='__main__')


@pytest.mark.parametrize('flag,key', [(None, 'state_dict'), ('--raw', 'raw'),
                                      ('--use-ema', 'state_dict')])
def test_soup_of_last_two_is_their_mean(ema_run, tmp_path, monkeypatch, flag,
                                        key):
    from mmext.checkpoint import safe_torch_load
    out = tmp_path / 'soup.pth'
    run_soup(['--work-dir', ema_run['work'], '--last', '2', '--out', out] +
             ([flag] if flag else []), monkeypatch)
    soup = safe_torch_load(str(out))
    assert set(soup) == {'meta', 'state_dict'}
    assert soup['meta']['dataset_meta']['classes'] == ('glass', 'paper',
                                                       'trash')
    a, b = (
        safe_torch_load(str(ema_run['work'] / f'epoch_{e}.pth'))
        for e in (1, 2))
    if key == 'raw':
        a, b = ({
            k[7:]: v
            for k, v in c['ema_state_dict'].items() if k.startswith('module.')
        } for c in (a, b))
    else:
        a, b = a['state_dict'], b['state_dict']
    state = soup['state_dict']
    assert set(state) == set(a)
    n_float = 0
    for k, v in state.items():
        if v.is_floating_point():
            n_float += 1
            assert torch.allclose(
                v, (a[k].double() + b[k].double()).div(2).to(v.dtype),
                atol=1e-7), k
        else:  # BN num_batches_tracked: the last checkpoint's
            assert torch.equal(v, b[k]), k
    assert n_float > 50
    assert any(not torch.equal(a[k], b[k]) for k in a)  # a real average


def test_soup_tests_like_a_normal_checkpoint(ema_run, tmp_path, monkeypatch):
    from mmext.apis.train_test import run_test, test_parser
    out = tmp_path / 'soup.pth'
    run_soup(['--work-dir', ema_run['work'], '--best', '1', '--out', out],
             monkeypatch)
    csv = tmp_path / 'soup.csv'
    run_test(test_parser().parse_args([
        ema_run['cfg'],
        str(out), '--out',
        str(csv), '--work-dir',
        str(tmp_path / 'w')
    ]))
    frame = pd.read_csv(csv, encoding='utf-8-sig')
    assert len(frame) == 6 and frame['score'].between(0, 1).all()


def test_tta_of_an_ema_checkpoint_tests_the_saved_weights(ema_run, tmp_path):
    """--tta on a config with EMAHook must test the checkpoint's weights.

    The reference is the same config without the hook: before the fix,
    mmengine's EMAHook swapped un-loaded (random) weights into the TTA model.
    """
    from mmext.apis.train_test import run_test, test_parser
    plain = tmp_path / 'no_ema.py'
    plain.write_text(f"_base_ = '{ema_run['cfg']}'\n"
                     "custom_hooks = [dict(type='BadImageReportHook')]\n")
    ckpt = str(ema_run['work'] / 'epoch_2.pth')
    frames = []
    for cfg in (ema_run['cfg'], str(plain)):
        csv = tmp_path / f'{osp.basename(cfg)}.csv'
        run_test(test_parser().parse_args([
            cfg, ckpt, '--tta', '--out',
            str(csv), '--topk', '3', '--work-dir',
            str(tmp_path / 'w')
        ]))
        frames.append(pd.read_csv(csv, encoding='utf-8-sig'))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_select_best_uses_the_val_metric(ema_run):
    from mmext.analysis.curves import read_scalars
    from mmext.apis.soup import select_checkpoints
    curve = read_scalars(str(ema_run['work'])).val_metric('accuracy/top1')
    best = select_checkpoints(str(ema_run['work']), best=1)
    epoch = int(best[0].rsplit('_', 1)[1].split('.')[0])
    assert curve[epoch] == curve.max()
    # ties go to the later epoch
    if curve[1] == curve[2]:
        assert epoch == 2
    assert select_checkpoints(
        str(ema_run['work']), last=1)[0].endswith('epoch_2.pth')


def test_soup_refuses_mismatched_and_non_ema(ema_run, tmp_path):
    from mmext.apis.soup import average_checkpoints, select_checkpoints
    from mmext.checkpoint import safe_torch_load
    from mmext.errors import CheckpointError, ConfigError
    good = str(ema_run['work'] / 'epoch_2.pth')
    ckpt = safe_torch_load(good)
    ckpt['state_dict']['head.fc.weight'] = torch.zeros(5, 3)
    bad = tmp_path / 'other_head.pth'
    torch.save(ckpt, bad)
    with pytest.raises(CheckpointError, match='other_head.pth') as err:
        average_checkpoints([good, str(bad)], str(tmp_path / 'x.pth'))
    assert 'head.fc.weight' in str(err.value)
    del ckpt['state_dict']['head.fc.bias']
    torch.save(ckpt, bad)
    with pytest.raises(CheckpointError, match='other_head.pth.*missing'):
        average_checkpoints([good, str(bad)], str(tmp_path / 'x.pth'))
    plain = tmp_path / 'plain.pth'
    torch.save({
        'meta': {},
        'state_dict': safe_torch_load(good)['state_dict']
    }, plain)
    with pytest.raises(CheckpointError, match='no ema_state_dict'):
        average_checkpoints([str(plain)],
                            str(tmp_path / 'x.pth'),
                            weights='ema')
    with pytest.raises(CheckpointError, match='fewer than the 5'):
        select_checkpoints(str(ema_run['work']), last=5)
    with pytest.raises(ConfigError):
        select_checkpoints(str(ema_run['work']), last=1, best=1)
    assert not (tmp_path / 'x.pth').exists()

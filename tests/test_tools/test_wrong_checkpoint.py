"""A checkpoint of another model is refused by every tool that loads weights.

tools/test.py, tools/predict.py, the ONNX export, and ``load_from`` /
``--resume`` in tools/train.py: each exits with status 2 and one paragraph
naming the file, writes nothing, and never trains or predicts with the
wrong weights.
"""

import time

import pytest

from helpers import (make_image, make_list_set, run_tool,
                     save_tiny_resnet_checkpoint, write_tiny_config,
                     write_tiny_resnet_test_config)


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    """A tiny MobileNetV2 config (3 classes) and two checkpoints that do not
    fit it: the same model with 4 classes, and a tiny ResNet."""
    tmp = tmp_path_factory.mktemp('wrong')
    root = make_list_set(tmp / 'tiny')
    cfg = write_tiny_config(tmp, root)
    four = tmp / 'four.py'
    four.write_text(f"_base_ = ['{cfg}']\nmodel = dict(head=dict("
                    'num_classes=4))\n')
    four_ckpt = tmp / 'four_classes.pth'
    save_tiny_resnet_checkpoint(str(four), four_ckpt)  # works for any model
    resnet_cfg = write_tiny_resnet_test_config(tmp / 'resnet.py',
                                               root / 'images')
    resnet_ckpt = tmp / 'resnet.pth'
    save_tiny_resnet_checkpoint(resnet_cfg, resnet_ckpt)
    right = tmp / 'right.pth'
    save_tiny_resnet_checkpoint(cfg, right)
    make_image(tmp / 'imgs' / 'a.jpg', (200, 30, 30))
    return dict(
        tmp=tmp,
        cfg=cfg,
        four=str(four_ckpt),
        resnet=str(resnet_ckpt),
        right=str(right),
        imgs=tmp / 'imgs')


def _refused(capsys, ckpt, *words):
    err = capsys.readouterr().err
    assert 'Traceback' not in err and 'does not fit' in err, err[-1500:]
    assert ckpt in err
    for w in words:
        assert w in err, (w, err[-1500:])


@pytest.mark.parametrize('which,words',
                         [('four', ['model.head.num_classes=4']),
                          ('resnet', ['another architecture'])])
def test_test_tool(models, which, words, tmp_path, capsys):
    out = tmp_path / 'p.csv'
    assert run_tool('test.py', models['cfg'], models[which], '--out', out,
                    '--work-dir', tmp_path / 'w') == 2
    _refused(capsys, models[which], *words)
    assert not out.exists()


def test_predict_tool(models, tmp_path, capsys):
    assert run_tool('predict.py', models['imgs'], models['cfg'],
                    models['four'], '--device', 'cpu') == 2
    _refused(capsys, models['four'], 'model.head.num_classes=4')
    out = tmp_path / 'p.csv'
    assert run_tool('predict.py', models['cfg'], models['resnet'],
                    '--test-dir', models['imgs'], '--out', out, '--device',
                    'cpu') == 2
    _refused(capsys, models['resnet'], 'another architecture')
    assert not out.exists()


def test_onnx_export(models, tmp_path, capsys):
    pytest.importorskip('onnx')
    out = tmp_path / 'm.onnx'
    assert run_tool('deploy/export_onnx.py', models['cfg'], models['four'],
                    '--out', out, '--images', models['imgs']) == 2
    _refused(capsys, models['four'], 'model.head.num_classes=4')
    assert not out.exists()


@pytest.mark.parametrize('how', ['load_from', 'resume'])
def test_load_from_and_resume_in_training(models, how, tmp_path, capsys,
                                          monkeypatch):
    # one timestamp for both runs, as when they fall in the same second: the
    # runners then share a logger name, which run_tool must not carry over
    monkeypatch.setattr(time, 'strftime', lambda *a, **k: '20260101_000000')
    work = tmp_path / 'work'
    args = (['--cfg-options', f'load_from={models["four"]}']
            if how == 'load_from' else ['--resume', models['four']])
    assert run_tool('train.py', models['cfg'], '--work-dir', work, *args) == 2
    _refused(capsys, models['four'], 'model.head.num_classes=4',
             '--resume' if how == 'resume' else 'load_from', 'prefix=backbone')
    assert not list(work.glob('*.pth'))  # nothing trained


def test_matching_checkpoint_is_accepted_by_load_from(models, tmp_path):
    """Control: the check does not refuse the right model."""
    work = tmp_path / 'work'
    assert run_tool('train.py', models['cfg'], '--work-dir', work,
                    '--cfg-options', f'load_from={models["right"]}',
                    'train_cfg.max_epochs=1') == 0
    assert (work / 'epoch_1.pth').is_file()

"""Grad-CAM for the shipped backbones (MobileNetV2, ResNet, Swin), tiny.

The CAM goes through the predictor's preprocessing: the scores of the CAM's
forward pass equal tools/predict.py's, so the map explains the printed score.
"""
import os.path as osp

import numpy as np
import pytest

from helpers import (make_images, save_tiny_resnet_checkpoint,
                     write_tiny_resnet_test_config)

pytest.importorskip(
    'pytorch_grad_cam',
    reason='grad-cam is not installed '
    "(pip install -e '.[demo]')")
REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

BACKBONES = {
    'resnet': ('', 'backbone.layer4.1.bn2'),
    # head-only training: no backbone parameter requires a gradient
    'resnet_frozen':
    ("model['backbone']['frozen_stages'] = 4\n", 'backbone.layer4.1.bn2'),
    'mobilenetv2': ("""
model['backbone'] = dict(type='MobileNetV2', widen_factor=0.35)
model['head']['in_channels'] = 1280
""", 'backbone.conv2.bn'),
    'swin': ("""
model['backbone'] = dict(type='SwinTransformer',
                         arch=dict(embed_dims=16, depths=[1, 1, 1],
                                   num_heads=[1, 1, 1]), out_indices=(2, ),
                         img_size=32, window_size=2, drop_path_rate=0.0)
model['head']['in_channels'] = 64
""", 'backbone.norm2'),  # tokens (B, 2*2, 64): reshaped to a map
}


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    data = tmp_path_factory.mktemp('cam') / 'data'
    return data, make_images(data)


def build(tmp_path, data, name):
    extra, layer = BACKBONES[name]
    cfg = write_tiny_resnet_test_config(
        tmp_path / f'{name}.py', data, resize=40)
    with open(cfg, 'a') as f:
        f.write(extra)
    ckpt = tmp_path / f'{name}.pth'
    save_tiny_resnet_checkpoint(cfg, ckpt)
    return cfg, str(ckpt), layer


@pytest.mark.slow
@pytest.mark.parametrize('name', list(BACKBONES))
def test_cam_every_backbone(name, images, tmp_path):
    from mmext.apis.inference import Predictor
    from mmext.visualization.cam import CAMVisualizer
    data, paths = images
    cfg, ckpt, layer = build(tmp_path, data, name)
    predictor = Predictor(cfg, ckpt, device='cpu')
    vis = CAMVisualizer(predictor)
    assert vis.names == [layer]
    pred = predictor(paths[:3], topk=3)
    for path, p in zip(paths[:3], pred):
        res = vis(path)
        assert res['cam'].shape == (32, 32)  # the crop the model sees
        assert res['rgb'].shape == res['overlay'].shape == (32, 32, 3)
        assert res['cam'].min() >= 0 and res['cam'].max() <= 1 + 1e-6
        assert res['target'] == p['labels'][0]
        np.testing.assert_allclose(res['scores'], p['scores_all'], atol=1e-5)
        # another target class gives another map
        other = vis(path, target=p['labels'][1])
        assert other['target'] == p['labels'][1]
    # the model's view is the image's resized centre crop, in RGB
    from PIL import Image
    with Image.open(paths[0]) as im:
        assert abs(
            float(res['rgb'][..., 0].mean()) -
            float(np.asarray(im)[..., 0].mean())) < 40


@pytest.mark.slow
@pytest.mark.e2e
def test_vis_cam_tool_on_a_folder(images, tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    data, paths = images
    cfg, ckpt, _ = build(tmp_path, data, 'resnet')
    out = tmp_path / 'cams'
    monkeypatch.setattr(sys, 'argv', [
        'vis_cam.py',
        str(data), cfg, ckpt, '--out-dir',
        str(out), '--method', 'gradcam++'
    ])
    runpy.run_path(
        osp.join(REPO, 'tools', 'analysis', 'vis_cam.py'), run_name='__main__')
    assert 'wrote 9 CAM image(s)' in capsys.readouterr().out
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written[0] == 'glass/glass0_cam.png' and len(written) == 9
    from PIL import Image
    with Image.open(out / 'glass' / 'glass0_cam.png') as im:
        assert im.size[0] == 64  # image | overlay

    # a wrong layer name is one clear paragraph, not a traceback
    monkeypatch.setattr(sys, 'argv', [
        'vis_cam.py', paths[0], cfg, ckpt, '--out-dir',
        str(out), '--target-layers', 'backbone.nope'
    ])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(
            osp.join(REPO, 'tools', 'analysis', 'vis_cam.py'),
            run_name='__main__')
    assert exc.value.code == 2
    assert 'no layer' in capsys.readouterr().err


def test_tokens_to_map():
    import torch

    from mmext.errors import ConfigError
    from mmext.visualization.cam import tokens_to_map
    tokens = torch.arange(2 * 5 * 3, dtype=torch.float32).reshape(2, 5, 3)
    out = tokens_to_map(tokens, num_extra_tokens=1)  # ViT: class token + 2x2
    assert out.shape == (2, 3, 2, 2)
    assert out[0, :, 0, 0].tolist() == tokens[0, 1].tolist()
    assert out[1, :, 1, 1].tolist() == tokens[1, 4].tolist()
    with pytest.raises(ConfigError, match='not a square grid'):
        tokens_to_map(tokens)


@pytest.mark.slow
@pytest.mark.e2e
def test_error_analysis_mistakes_with_cam(images, tmp_path, monkeypatch,
                                          capsys):
    """error_analysis.py --checkpoint puts a CAM beside each mistake."""
    import runpy
    import sys

    import pandas as pd
    from PIL import Image

    from mmext.apis.train_test import run_test, test_parser
    data, _ = images
    cfg, ckpt, _ = build(tmp_path, data, 'resnet')
    csv = tmp_path / 'preds.csv'
    run_test(test_parser().parse_args(
        [cfg, ckpt, '--out',
         str(csv), '--work-dir',
         str(tmp_path / 'w')]))
    table = pd.read_csv(csv)
    wrong = int((table['pred_label'] != table['gt_label']).sum())
    assert wrong > 0  # an untrained model
    out = tmp_path / 'ea'
    monkeypatch.setattr(sys, 'argv', [
        'error_analysis.py',
        str(csv), cfg, '--checkpoint', ckpt, '--out-dir',
        str(out), '--max-images', '4'
    ])
    runpy.run_path(
        osp.join(REPO, 'tools', 'analysis', 'error_analysis.py'),
        run_name='__main__')
    text = capsys.readouterr().out
    shown = min(wrong, 4)
    assert f'{shown} mistakes on the contact sheet with gradcam overlays' \
        in text
    with Image.open(out / 'mistakes.png') as im:
        sheet = np.asarray(im.convert('RGB'))
    assert sheet.shape[1] == min(shown, 4) * 256  # image | CAM per cell
    # the CAM half of the first cell is coloured (jet), not blank
    half = sheet[10:118, 138:246].astype(int)
    assert (half != 255).any(axis=-1).mean() > 0.5
    assert (out / 'reliability.png').is_file()

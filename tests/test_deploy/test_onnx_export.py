"""ONNX export agrees with PyTorch on real TrashNet images; --amp on a CPU.

Tolerance: 1e-4 on the softmax scores (float32 onnxruntime vs PyTorch; the
measured difference is a few 1e-6).
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / 'shared'
DATA = SHARED / 'data' / 'trashnet-150px'
WEIGHTS = SHARED / 'weights' / 'mobilenet-v2_imagenet-backbone_mmpretrain.pth'
CONFIG = (
    REPO / 'configs' /
    'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
ATOL = 1e-4

pytest.importorskip('onnx', reason='pip install onnx onnxruntime')
pytest.importorskip('onnxruntime', reason='pip install onnx onnxruntime')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The main config's model (ImageNet backbone, random head) saved as a
    checkpoint, and 4 real images of different classes."""
    if not DATA.is_dir() or not WEIGHTS.is_file():
        pytest.skip(f'real data or weights absent ({DATA}, {WEIGHTS})')
    from mmengine.config import Config
    from mmpretrain.apis import get_model
    cfg = Config.fromfile(str(CONFIG))
    cfg.model.backbone.init_cfg.checkpoint = str(WEIGHTS)
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=0.05)  # spread scores
    classes = (DATA / 'meta' / 'classes.txt').read_text().split()
    ckpt = tmp_path_factory.mktemp('onnx') / 'model.pth'
    torch.save(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': {
                    'classes': classes
                }
            }
        }, ckpt)
    images = [
        sorted((DATA / 'images' / c).glob('*.jpg'))[3] for c in classes[:4]
    ]
    return ckpt, [str(p) for p in images], classes


@pytest.mark.slow
def test_export_matches_pytorch(trained, capsys):
    import onnx

    from mmext.deploy import onnx_scores
    from mmext.deploy.export_command import export_parser, run_export
    ckpt, images, classes = trained
    out = ckpt.with_suffix('.onnx')
    result = run_export(export_parser().parse_args([
        str(CONFIG),
        str(ckpt), '--out',
        str(out), '--images', *images, '--atol',
        str(ATOL)
    ]))
    printed = capsys.readouterr().out
    assert 'max |onnxruntime - PyTorch| score' in printed and 'OK' in printed
    assert result['images'] == 4 and result['top1_agree'] == 1.0
    assert result['max_abs_diff'] <= ATOL

    # The documented contract, built by hand: BGR uint8, short edge to 256
    # (bilinear), central 224 crop. Reference: mmpretrain's own inferencer.
    import mmcv
    from mmengine.config import Config
    from mmpretrain.apis import ImageClassificationInferencer, get_model
    batch = []
    for path in images:
        img = mmcv.imread(path)  # 150x150 BGR
        img = mmcv.imresize(img, (256, 256), interpolation='bilinear')
        batch.append(img[16:240, 16:240])
    scores = onnx_scores(str(out), np.stack(batch))
    cfg = Config.fromfile(str(CONFIG))
    model = get_model(cfg, pretrained=str(ckpt))
    reference = np.stack([
        r['pred_scores'] for r in ImageClassificationInferencer(model)(images)
    ])
    assert scores.shape == (4, len(classes))
    np.testing.assert_allclose(scores, reference, atol=ATOL, rtol=0)
    assert np.ptp(reference[:, 0]) > 1e-3  # images are told apart
    # dynamic batch: one image alone gives its row of the batch
    np.testing.assert_allclose(
        onnx_scores(str(out), np.stack(batch[1:2])), scores[1:2], atol=1e-6)
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta['input_size'] == '224x224'
    assert meta['classes'].startswith('["glass"')


def test_variable_size_pipeline_is_refused(tmp_path):
    import mmcv
    from mmengine.config import Config

    from mmext.deploy import ExportError, prepare_images
    paths = []
    for i, shape in enumerate([(40, 60, 3), (50, 50, 3)]):
        paths.append(str(tmp_path / f'{i}.png'))
        mmcv.imwrite(np.zeros(shape, np.uint8), paths[-1])
    cfg = Config.fromfile(str(CONFIG))
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=32, edge='short'),
        dict(type='PackInputs')
    ]
    with pytest.raises(ExportError, match='CenterCrop'):
        prepare_images(cfg, paths)
    cfg.test_dataloader.dataset.pipeline.insert(
        2, dict(type='CenterCrop', crop_size=32))
    assert prepare_images(cfg, paths).shape == (2, 32, 32, 3)


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is visible')
def test_amp_without_gpu_gives_clear_message(tmp_path):
    env = dict(os.environ)
    env.pop('MMEXT_DEBUG', None)
    proc = subprocess.run([
        sys.executable, 'tools/train.py',
        str(CONFIG), '--amp', '--work-dir',
        str(tmp_path)
    ],
                          cwd=REPO,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert '--amp (automatic mixed precision) needs a CUDA GPU' in proc.stderr
    assert 'drop --amp' in proc.stderr
    assert 'Traceback' not in proc.stderr

"""Train, resume, test and write the CSV through the real tools, on tiny
images.

Also proves that tools/test.py and the single-image inference API see the
same pixels: same colour order, resize and normalisation.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import REPO, make_image, write_tiny_config

ENV = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='2')


def run_tool(*args, check=True):
    proc = subprocess.run([sys.executable, *map(str, args)],
                          cwd=REPO,
                          env=ENV,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def train_epochs(log_dir: Path):
    """Epochs logged as validated, from every run in the work dir."""
    epochs = []
    for f in sorted(log_dir.glob('*/vis_data/scalars.json')):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            if 'accuracy/top1' in rec:
                epochs.append(rec['step'])
    return epochs


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Train 2 epochs, then resume to 3: returns (config, work_dir, data)."""
    from helpers import make_folder_set
    tmp = tmp_path_factory.mktemp('e2e')
    root = tmp / 'tiny'
    make_folder_set(root / 'images', ('glass', 'paper', 'trash'), per_class=7)
    (root / 'meta').mkdir()
    (root / 'meta' / 'classes.txt').write_text('glass\npaper\ntrash\n')
    train = [
        f'{n}/{n}_{i}.jpg {c}'
        for c, n in enumerate(['glass', 'paper', 'trash']) for i in range(5)
    ]
    val = [
        f'{n}/{n}_{i}.jpg {c}'
        for c, n in enumerate(['glass', 'paper', 'trash'])
        for i in range(5, 7)
    ]
    (root / 'meta' / 'train.txt').write_text('\n'.join(train) + '\n')
    (root / 'meta' / 'val.txt').write_text('\n'.join(val) + '\n')
    cfg = write_tiny_config(tmp, root)
    work = tmp / 'work'
    run_tool('tools/train.py', cfg, '--work-dir', work)
    assert (work / 'epoch_2.pth').is_file()
    assert train_epochs(work) == [1, 2]
    run_tool('tools/train.py', cfg, '--work-dir', work, '--resume',
             '--cfg-options', 'train_cfg.max_epochs=3')
    return cfg, work, root


@pytest.mark.slow
@pytest.mark.e2e
def test_resume_continues_without_repeating_epochs(trained):
    cfg, work, _ = trained
    assert (work / 'epoch_3.pth').is_file()
    # the resumed run validated epoch 3 only: no epoch repeated or skipped
    assert train_epochs(work) == [1, 2, 3]
    ck = torch.load(work / 'epoch_3.pth', weights_only=False)
    assert ck['meta']['epoch'] == 3


@pytest.mark.slow
@pytest.mark.e2e
def test_test_writes_csv_one_row_per_image(trained, tmp_path):
    cfg, work, root = trained
    out = tmp_path / 'preds.csv'
    proc = run_tool('tools/test.py', cfg, work / 'epoch_3.pth', '--out', out,
                    '--topk', '2', '--work-dir', tmp_path / 'w')
    df = pd.read_csv(out, encoding='utf-8-sig')
    val = (root / 'meta' / 'val.txt').read_text().split('\n')
    assert list(df.file_name) == [ln.split()[0] for ln in val if ln]
    assert list(df.columns[:7]) == [
        'file_name', 'pred_label', 'pred_class', 'score', 'top2_label',
        'top2_class', 'top2_score'
    ]
    assert df.pred_class.isin(['glass', 'paper', 'trash']).all()
    assert np.all(df.score >= df.top2_score)
    # the CSV agrees with the accuracy the same run printed
    top1 = float(proc.stdout.split('accuracy/top1:')[1].split()[0])
    assert (df.pred_label == df.gt_label).mean() * 100 == pytest.approx(
        top1, abs=1e-3)


@pytest.mark.slow
@pytest.mark.e2e
def test_unlabeled_test_folder_and_pickle(trained, tmp_path):
    cfg, work, root = trained
    test_dir = tmp_path / 'test_data'
    for i, c in enumerate([(230, 30, 20), (20, 40, 220), (30, 200, 40)]):
        make_image(test_dir / f'img_{i + 1}.jpg', c, seed=50 + i)
    out = tmp_path / 'sub.csv'
    run_tool('tools/test.py', cfg, work / 'epoch_3.pth', '--out', out,
             '--work-dir', tmp_path / 'w', '--cfg-options',
             'test_dataloader.dataset.layout=unlabeled',
             f'test_dataloader.dataset.data_prefix={test_dir}')
    df = pd.read_csv(out, encoding='utf-8-sig')
    assert list(df.file_name) == ['img_1.jpg', 'img_2.jpg', 'img_3.jpg']
    assert 'gt_label' not in df.columns


@pytest.mark.slow
@pytest.mark.e2e
def test_inference_api_matches_test_tool(trained, tmp_path):
    """Same image, same scores through test.py and the inferencer."""
    from mmpretrain.apis import ImageClassificationInferencer
    cfg, work, root = trained
    img_dir = tmp_path / 'one'
    # strongly red image: a BGR/RGB mix-up would change the prediction scores
    make_image(img_dir / 'red.jpg', (240, 20, 10), size=(60, 45), seed=3)
    out = tmp_path / 'one.csv'
    run_tool('tools/test.py', cfg, work / 'epoch_3.pth', '--out', out,
             '--work-dir', tmp_path / 'w', '--topk', '3', '--cfg-options',
             'test_dataloader.dataset.layout=unlabeled',
             f'test_dataloader.dataset.data_prefix={img_dir}')
    row = pd.read_csv(out, encoding='utf-8-sig').iloc[0]
    inferencer = ImageClassificationInferencer(
        model=cfg, pretrained=str(work / 'epoch_3.pth'), device='cpu')
    res = inferencer(str(img_dir / 'red.jpg'))[0]
    assert res['pred_label'] == row.pred_label
    assert res['pred_class'] == row.pred_class
    scores = np.asarray(res['pred_scores'])
    assert scores[row.pred_label] == pytest.approx(row.score, abs=1e-5)
    assert scores[row.top3_label] == pytest.approx(row.top3_score, abs=1e-5)


@pytest.mark.slow
@pytest.mark.e2e
def test_preprocessing_is_rgb_and_imagenet_normalised(trained, tmp_path):
    """The config's test pipeline + preprocessor turn pure red into
    channel 0."""
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from mmpretrain.registry import MODELS, TRANSFORMS
    cfg_path, _, _ = trained
    cfg = Config.fromfile(cfg_path)
    from PIL import Image
    path = tmp_path / 'red.png'
    Image.new('RGB', (50, 40), (255, 0, 0)).save(path)
    pipeline = Compose(
        [TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline])
    data = pipeline({'img_path': str(path)})
    assert tuple(data['inputs'].shape) == (3, 32, 32)
    pre = MODELS.build(
        dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    x = pre({
        'inputs': [data['inputs']],
        'data_samples': [data['data_samples']]
    })['inputs']
    mean, std = np.array(cfg.data_preprocessor.mean), np.array(
        cfg.data_preprocessor.std)
    expected = (np.array([255, 0, 0]) - mean) / std  # R first: RGB order
    np.testing.assert_allclose(x[0, :, 16, 16].numpy(), expected, rtol=1e-5)


@pytest.mark.slow
@pytest.mark.e2e
def test_tools_fail_with_one_paragraph(trained, tmp_path):
    cfg, work, _ = trained
    p = run_tool(
        'tools/test.py',
        cfg,
        work / 'epoch_3.pth',
        '--out',
        tmp_path / 'missing_dir' / 'p.csv',
        check=False)
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert 'missing_dir' in p.stderr and 'mkdir' in p.stderr
    p = run_tool(
        'tools/train.py',
        cfg,
        '--cfg-options',
        'model.backbone.widen_factr=1.0',
        check=False)
    assert p.returncode == 2 and 'widen_factor' in p.stderr  # did you mean
    p = run_tool(
        'tools/train.py',
        cfg,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}/nowhere',
        check=False)
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert f'{tmp_path}/nowhere' in p.stderr
    p = run_tool('tools/train.py', tmp_path / 'no_such_config.py', check=False)
    assert p.returncode == 2 and 'no_such_config.py' in p.stderr

"""Pseudo-labels respect the threshold exactly, hold each image once and never
a training image (neither by path nor as a copy under another name)."""
import os.path as osp
import runpy
import shutil
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from helpers import COLOURS, REPO, make_image, write_tiny_config


@pytest.fixture
def setup(list_set, tmp_path):
    """A tiny model (config over list_set) and an 'unlabeled' folder.

    The folder is list_set/images itself (15 training + 6 val images) plus
    extra/: 3 new images, a renamed copy of a training image and a copy of a
    val image.
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint
    from mmpretrain.registry import DATASETS, MODELS
    cfg_file = write_tiny_config(tmp_path, list_set)
    cfg = Config.fromfile(cfg_file)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    with torch.no_grad():  # a random head: scores that differ by image
        model.head.fc.weight.copy_(
            torch.randn_like(model.head.fc.weight) * 3e3)
    meta = DATASETS.build(dict(cfg.train_dataloader.dataset,
                               pipeline=[])).metainfo
    ckpt = tmp_path / 'tiny.pth'
    save_checkpoint(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': dict(meta)
            }
        }, str(ckpt))
    images = list_set / 'images'
    for i in range(3):
        make_image(images / 'extra' / f'new_{i}.jpg', COLOURS[i], seed=900 + i)
    shutil.copy(images / 'glass' / 'glass_0.jpg',
                images / 'extra' / 'renamed_train.jpg')  # training image
    shutil.copy(images / 'paper' / 'paper_6.jpg',
                images / 'extra' / 'dupe_val.jpg')  # val image, twice
    return dict(
        cfg=cfg_file,
        ckpt=str(ckpt),
        images=images,
        root=list_set,
        tmp=tmp_path)


def read_lines(path):
    return [ln.rsplit(' ', 1) for ln in path.read_text().splitlines()]


def train_paths(root):
    return {
        ln.split()[0]
        for ln in (root / 'meta' / 'train.txt').read_text().splitlines()
    }


def test_threshold_is_inclusive_and_exact(tmp_path):
    from mmext.apis.pseudo_label import select_pseudo_labels
    files = []
    for i in range(4):
        path = tmp_path / 'u' / f'img_{i}.jpg'
        make_image(path, COLOURS[i], seed=i)
        files.append(str(path))
    thr = 0.9
    just_below = float(np.nextafter(thr, 0))
    results = [
        dict(file=f, labels=[i % 3], scores=[s])
        for i, (f, s) in enumerate(zip(files, [thr, just_below, 0.999, 0.2]))
    ]
    got = select_pseudo_labels(results, thr)
    assert got['lines'] == ['img_0.jpg 0', 'img_2.jpg 2']
    assert got['below_thr'] == 2
    # a training image is dropped by path, and its copy by content
    shutil.copy(files[2], tmp_path / 'u' / 'img_copy.jpg')
    results.append(
        dict(
            file=str(tmp_path / 'u' / 'img_copy.jpg'),
            labels=[1],
            scores=[1.0]))
    got = select_pseudo_labels(results, thr, exclude=[files[0]])
    assert got['lines'] == ['img_2.jpg 2']
    assert got['in_train'] == 1 and got['duplicate'] == 1
    got = select_pseudo_labels(results, thr, exclude=[files[2]])
    assert got['lines'] == ['img_0.jpg 0'] and got['in_train'] == 2


@pytest.mark.slow
@pytest.mark.e2e
def test_tool_excludes_training_images_and_copies(setup, monkeypatch, capsys):
    tool = osp.join(REPO, 'tools', 'pseudo_label.py')
    out = setup['root'] / 'meta' / 'pseudo.txt'
    monkeypatch.setattr(sys, 'argv', [
        tool, setup['cfg'], setup['ckpt'],
        str(setup['images']), '--thr', '0', '--out',
        str(out)
    ])
    runpy.run_path(tool, run_name='__main__')
    lines = read_lines(out)
    paths = [p for p, _ in lines]
    # 6 val + 3 new images; the val image and its copy count once
    assert len(paths) == 9 == len(set(paths))
    assert not set(paths) & train_paths(setup['root'])
    assert 'extra/renamed_train.jpg' not in paths
    assert ('extra/dupe_val.jpg' in paths) != ('paper/paper_6.jpg' in paths)
    contents = [(setup['images'] / p).read_bytes() for p in paths]
    assert len(set(contents)) == len(contents)
    assert all(lbl in ('0', '1', '2') for _, lbl in lines)
    text = capsys.readouterr().out
    assert '16 already training images, 1 duplicates' in text

    # --exclude: the val list too; only the 3 new images remain
    monkeypatch.setattr(sys, 'argv', [
        tool, setup['cfg'], setup['ckpt'],
        str(setup['images']), '--thr', '0', '--out',
        str(out), '--exclude',
        str(setup['root'] / 'meta' / 'val.txt')
    ])
    runpy.run_path(tool, run_name='__main__')
    assert sorted(p for p, _ in read_lines(out)) == [
        f'extra/new_{i}.jpg' for i in range(3)
    ]


@pytest.mark.slow
def test_real_scores_split_at_the_threshold(setup, tmp_path):
    from mmext.apis.inference import Predictor
    from mmext.apis.pseudo_label import pseudo_label
    from mmext.utils.images import list_images
    predictor = Predictor(setup['cfg'], setup['ckpt'], device='cpu')
    extra = setup['images'] / 'extra'
    scores = {
        osp.relpath(r['file'], setup['images']): r['scores'][0]
        for r in predictor(list_images(str(extra)))
    }
    assert len(set(round(s, 6) for s in scores.values())) > 2
    thr = float(np.median(list(scores.values())))
    out = tmp_path / 'pseudo.txt'
    res = pseudo_label(
        setup['cfg'], setup['ckpt'], str(extra), thr, str(out), device='cpu')
    kept = {p for p, _ in read_lines(out)}
    expected = {
        osp.relpath(p, 'extra')
        for p, s in scores.items()
        if s >= thr and p != 'extra/renamed_train.jpg'
    }
    assert kept == expected and res['below_thr'] == sum(
        s < thr for s in scores.values())


@pytest.mark.slow
def test_recipe_config_trains_on_labels_plus_pseudo_labels(setup):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    (setup['root'] / 'meta' /
     'pseudo.txt').write_text('extra/new_0.jpg 0\nextra/new_2.jpg 2\n')
    cfg = Config.fromfile(
        osp.join(
            REPO, 'configs/recipe/'
            'mobilenet-v2_in1k-pre-headonly_1xb32-cos-pseudo-10e_trashnet.py'))
    base = Config.fromfile(
        osp.join(
            REPO,
            'configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
    )
    concat = cfg.train_dataloader.dataset
    assert concat.type == 'ConcatDataset'
    assert concat.datasets[0] == base.train_dataloader.dataset
    assert concat.datasets[1].pipeline == base.train_pipeline
    # point both parts at the tiny set and build it
    tiny = Config.fromfile(write_tiny_config(setup['tmp'], setup['root']))
    concat.datasets[0] = dict(tiny.train_dataloader.dataset, pipeline=[])
    concat.datasets[1].update(
        data_prefix=str(setup['images']),
        ann_file=str(setup['root'] / 'meta' / 'pseudo.txt'),
        classes=str(setup['root'] / 'meta' / 'classes.txt'),
        class_bins=None,
        pipeline=[])
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(concat)
    assert len(dataset) == 15 + 2
    assert dataset.get_data_info(16)['img_path'].endswith('extra/new_2.jpg')
    assert dataset.get_data_info(16)['gt_label'] == 2

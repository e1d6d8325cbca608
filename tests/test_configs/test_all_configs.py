"""Every shipped config trains a couple of iterations and tests.

None is broken.

Each config under ``configs/`` (found by glob, so renamed or new configs are
covered) is run as a user runs it, through ``tools/train.py`` and
``tools/test.py``'s code, with only what this machine lacks replaced:

- its data sets point at generated images with the config's class count
  (class names from its ``class_bins`` where it has them, ``bin/item``
  names otherwise), in the config's own dataset types and wrappers
  (repeat, class balancing, concatenation, feature caches);
- pretrained weights are off (random init: nothing is downloaded), feature
  caches are extracted first as ``tools/extract_features.py`` does, a
  distillation config gets a teacher scores CSV over its training images,
  and a ``load_from`` gets a checkpoint of the same model;
- one epoch of 4 images at batch size 2 (the config's schedule is fitted
  to it) without validation, its own image size, pipelines, hooks and
  evaluators.

Then the epoch-1 checkpoint is tested with ``--out`` CSV (``--tta`` for the
configs with a ``tta_pipeline`` of their own) and the rows and class names are
checked. Marked ``all_configs`` (about 10 s per config):
``-m "not all_configs"`` skips it.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from mmext.apis.config import load_config
from helpers import REPO, make_image

CONFIGS = sorted(
    str(Path(p).relative_to(REPO / 'configs'))
    for p in (REPO / 'configs').glob('**/*.py') if '_base_' not in p.parts)
# needs a download this machine cannot make; the same model and pipeline run
# offline as lenet5_1xb16-sgd-10e_digits.py
NEEDS_DOWNLOAD = {'lenet/lenet5_1xb32-sgd-3e_mnist.py'}
N_IMAGES = 4


def leaves(ds: dict):
    """Innermost data set dicts (and the wrappers on the way)."""
    if isinstance(ds.get('datasets'), list):
        for d in ds['datasets']:
            yield from leaves(d)
    elif isinstance(ds.get('dataset'), dict):
        yield ds
        yield from leaves(ds['dataset'])
    else:
        yield ds


def class_names(cfg) -> list:
    n = cfg.model.head.get('num_classes') or cfg.model.backbone.get(
        'num_classes')
    if n == 'auto':  # counted from the data set: any count does
        n = 5
    bins = None
    for split in ('train', 'val', 'test'):
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        for leaf in leaves(dataset or {}):
            bins = bins or leaf.get('class_bins')
    if isinstance(bins, dict) and len(bins) == n:
        return sorted(bins)
    return [f'bin{i % 4}/item{i}' for i in range(n)]


def make_data(root: Path, names: list) -> None:
    """images/<i>/x.jpg, meta/{train,val}.txt (one image each per class),
    an unlabeled test_data folder."""
    if root.is_dir():
        return
    lines = []
    for i, _ in enumerate(names):
        for split in ('train', 'val'):
            make_image(
                root / 'images' / str(i) / f'{split}.jpg',
                (40 * (i % 6), 255 - 9 * (i % 25), 60),
                size=(28, 24),
                seed=i)
            lines.append((split, f'{i}/{split}.jpg {i}'))
    (root / 'meta').mkdir()
    for split in ('train', 'val'):
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(
            ln for s, ln in lines if s == split) + '\n')
    for i in range(N_IMAGES):
        make_image(
            root / 'test_data' / f'img_{i + 1}.jpg', (200, 40 * i, 30),
            seed=100 + i)


def point_at(cfg, data: Path, names: list, cache_dir: Path) -> None:
    from mmext.apis.config import accepted_arguments, find_type
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        for ds in leaves(loader['dataset']):
            kind = str(ds.get('type', '')).split('.')[-1]
            if kind == 'FeatureCacheDataset':
                ds['cache_file'] = str(cache_dir / f'{split}.pth')
            elif kind == 'GarbageDataset':
                unlabeled = ds.get('layout') == 'unlabeled'
                ds.update(
                    data_root=str(data),
                    classes=list(names),
                    class_bins=None,
                    allow_empty_classes=True,
                    ann_file='' if unlabeled else
                    f'meta/{"train" if split == "train" else "val"}.txt',
                    data_prefix='test_data' if unlabeled else 'images',
                    layout='unlabeled' if unlabeled else 'list',
                    indices=N_IMAGES)
            elif 'dataset' not in ds and 'datasets' not in ds:
                obj, _ = find_type(ds.get('type'), ['dataset'])
                args = accepted_arguments(obj) if obj else None
                if args is None or 'indices' in args:
                    ds['indices'] = N_IMAGES


def no_pretrained(node):
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for v in node.values():
            no_pretrained(v)
    elif isinstance(node, list):
        for v in node:
            no_pretrained(v)


def save_model_checkpoint(cfg, path: Path) -> None:
    """A checkpoint of this config's model (random init), as training saves."""
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.get('data_preprocessor')))
    model.init_weights()
    save_checkpoint({'state_dict': model.state_dict()}, str(path))


@pytest.fixture(scope='module')
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp('all_configs_data')


@pytest.mark.slow
@pytest.mark.all_configs
@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_and_tests(name, data_dir, tmp_path, monkeypatch):
    if name in NEEDS_DOWNLOAD:
        pytest.skip('MNIST is downloaded at first use; the digits config '
                    'runs the same model offline')
    from mmext.apis.train_test import (run_test, run_train, test_parser,
                                       train_parser)
    cfg = load_config(str(REPO / 'configs' / name))
    # every shipped config writes its checkpoints atomically
    ckpt_hook = cfg.default_hooks.checkpoint
    assert ckpt_hook.get('backend_args', {}).get('backend') == 'atomic_local'
    names = class_names(cfg)
    data = data_dir / f'{len(names)}_{abs(hash(tuple(names))) % 10**6}'
    make_data(data, names)
    point_at(cfg, data, names, tmp_path / 'cache')
    no_pretrained(cfg.model)
    cfg.train_cfg.max_epochs = 1
    for hook in cfg.get('custom_hooks') or []:
        if str(hook.get('type', '')).endswith('SamplePairingHook'):
            # it switches SamplePairing on from epoch 1 to the last epoch
            # (and refuses a run that would never switch it on): here that
            # schedule is moved into the one epoch
            hook.update(start_epoch=0, end_epoch=1)
    switches = [
        hook for hook in cfg.get('custom_hooks') or []
        if str(hook.get('type', '')).endswith('SwitchRecipeHook')
    ]
    for hook in switches:
        # progressive resizing switches the training pipeline at a later
        # epoch: here at the one epoch, so the switched pipeline runs too
        hook['schedule'] = [dict(hook['schedule'][0], action_epoch=1)]
    # validation runs the test set's code path, which tools/test.py runs
    # below: not twice
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    cfg.default_hooks.logger.interval = 1
    teachers = [
        t for ds in leaves(cfg.train_dataloader.dataset)
        for t in ds.get('pipeline') or []
        if str(t.get('type', '')).endswith('LoadTeacherScores')
    ]
    if teachers:
        # distillation reads a teacher's predictions CSV over the training
        # images (tools/test.py --topk C, written first): scores in that
        # layout, one row per training image
        from mmext.apis.ensemble import scores_frame
        files = [
            line.split()[0]
            for line in (data / 'meta' / 'train.txt').read_text().splitlines()
            if line
        ]
        probs = np.random.default_rng(0).dirichlet(
            np.ones(len(names)), len(files))
        scores_frame(
            files, probs, names, topk=len(names)).to_csv(
                tmp_path / 'teacher.csv', index=False)
        for t in teachers:
            t['scores'] = str(tmp_path / 'teacher.csv')
    if cfg.get('load_from'):
        save_model_checkpoint(cfg, tmp_path / 'start.pth')
        cfg.load_from = str(tmp_path / 'start.pth')
    # named after the config: the experiment name (file stem + the second)
    # keys mmengine's visualizer and logger instances, so two configs run
    # in the same second must not share one, or the second run's scalars
    # land in the first run's work dir
    cfg_file = tmp_path / Path(name).name
    cfg.dump(str(cfg_file))
    if any(
            str(ds.get('type', '')).endswith('FeatureCacheDataset')
            for s in ('train', 'val', 'test') for ds in leaves((
                cfg.get(f'{s}_dataloader') or {}).get('dataset') or {})):
        # the documented workflow: tools/extract_features.py first, with the
        # weights training will start from
        from mmext.feature_cache.extract import extract_caches
        start = tmp_path / 'backbone.pth'
        save_model_checkpoint(cfg, start)
        extract_caches(load_config(str(cfg_file)), checkpoint=str(start))
        cfg.load_from = str(start)
        cfg.dump(str(cfg_file))
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    work = tmp_path / 'work'
    run_train(train_parser().parse_args(
        [str(cfg_file), '--work-dir', str(work)]))
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    if switches:
        log = next(work.glob('*/*.log')).read_text()
        assert 'Switch train pipeline at epoch 1' in log
    assert json.loads(
        (next(work.glob('*/vis_data/scalars.json')).read_text().splitlines()[0]
         ))['step'] == 1
    out = tmp_path / 'preds.csv'
    args = [
        str(cfg_file),
        str(ckpt), '--out',
        str(out), '--work-dir',
        str(tmp_path / 'test')
    ]
    if 'tta' in name or 'tta_pipeline' in cfg:  # a config's own TTA views
        args.append('--tta')
    run_test(test_parser().parse_args(args))
    df = pd.read_csv(out)
    assert len(df) == N_IMAGES
    if 'digits' not in name:
        assert df.pred_class.isin(names).all()
    assert df.score.between(0, 1).all()

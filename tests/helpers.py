"""Helpers the tests share: paths, generated images and data sets, tiny
model configs and checkpoints, running a tool in-process.

Import them explicitly (``from helpers import make_image, REPO``): pytest puts
``tests/`` on ``sys.path`` because ``tests/conftest.py`` lives there.
Fixtures stay in ``conftest.py``.
"""
import runpy
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]  # the checkout
SHARED = REPO.parent / 'shared'

# one colour per class: R and B differ strongly, so a BGR/RGB mix-up changes
# what the model sees.
COLOURS = [(230, 30, 20), (20, 40, 220), (30, 200, 40), (200, 200, 30)]


def make_image(path: Path, colour, size=(40, 48), seed=0, mode='RGB') -> None:
    """Write a noisy single-colour JPEG/PNG."""
    rng = np.random.default_rng(seed)
    arr = np.clip(
        np.array(colour, np.float32)[None, None] +
        rng.normal(0, 25, (size[1], size[0], 3)), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.fromarray(arr.astype(np.uint8))
    if mode != 'RGB':
        img = img.convert(mode)
    img.save(path)


def make_folder_set(root: Path,
                    classes=('glass', 'paper', 'trash'),
                    per_class=6,
                    start_seed=0):
    """``root/<class>/<class>_i.jpg`` with a colour per class."""
    for c, name in enumerate(classes):
        for i in range(per_class):
            make_image(
                root / name / f'{name}_{i}.jpg',
                COLOURS[c],
                seed=start_seed + 100 * c + i)
    return root


def make_list_set(root: Path) -> Path:
    """3 classes x 7 images; images 0-4 of each class in train.txt, 5-6 in
    val.txt."""
    classes = ('glass', 'paper', 'trash')
    make_folder_set(root / 'images', classes, per_class=7)
    (root / 'meta').mkdir()
    (root / 'meta' / 'classes.txt').write_text('\n'.join(classes) + '\n')
    train, val = [], []
    for c, name in enumerate(classes):
        for i in range(7):
            (val if i >= 5 else train).append(f'{name}/{name}_{i}.jpg {c}')
    (root / 'meta' / 'train.txt').write_text('\n'.join(train) + '\n')
    (root / 'meta' / 'val.txt').write_text('\n'.join(val) + '\n')
    return root


TINY_CONFIG = """
_base_ = [
    '{repo}/configs/_base_/models/mobilenet-v2_in1k-pre.py',
    '{repo}/configs/_base_/datasets/trashnet_bs32.py',
    '{repo}/configs/_base_/schedules/sgd_cosine_warmup.py',
    '{repo}/configs/_base_/default_runtime.py',
]
model = dict(backbone=dict(widen_factor=0.35, init_cfg=None),
             head=dict(num_classes=3, topk=(1, )))
data_preprocessor = dict(num_classes=3)
class_bins = None
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
_ds = dict(data_root='{data_root}', class_bins=None)
train_dataloader = dict(batch_size=4, num_workers=0,
                        dataset=dict(pipeline=train_pipeline, **_ds))
val_dataloader = dict(batch_size=4, num_workers=0,
                      dataset=dict(pipeline=test_pipeline, **_ds))
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, 2))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=2)
optim_wrapper = dict(optimizer=dict(lr=0.01))
default_hooks = dict(logger=dict(interval=1))
"""


def write_tiny_config(tmp_path: Path, data_root: Path, extra: str = '') -> str:
    """A MobileNetV2-0.35 config at 32px over a tiny list-layout data set."""
    path = tmp_path / 'tiny_cfg.py'
    path.write_text(TINY_CONFIG.format(repo=REPO, data_root=data_root) + extra)
    return str(path)


# A test-only tiny ResNet-18 (8 channels) config over a folder-per-class set:
# no training, checkpoints are saved directly by save_tiny_resnet_checkpoint.
TINY_RESNET_TEST_CONFIG = """
_base_ = 'mmpretrain::_base_/default_runtime.py'
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)
data_preprocessor = dict(num_classes=3, mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale={resize}, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='GarbageDataset', data_prefix='{data}',
                 class_bins=dict(glass='recyclable', paper='recyclable',
                                 trash='other'),
                 test_mode=True, pipeline=test_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
"""


def write_tiny_resnet_test_config(path: Path,
                                  data: Path,
                                  resize: int = 36) -> str:
    """Write :data:`TINY_RESNET_TEST_CONFIG` for ``data`` (short edge
    ``resize``)."""
    path.write_text(TINY_RESNET_TEST_CONFIG.format(resize=resize, data=data))
    return str(path)


def save_tiny_resnet_checkpoint(cfg_file: str,
                                ckpt: Path,
                                seed: int = 0) -> None:
    """An untrained model of the config, saved as training saves it.

    The head is sharpened (x20) so scores differ clearly between images, and
    ``meta.dataset_meta`` holds the test set's metainfo (class names, bins).
    """
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import save_checkpoint
    from mmpretrain.registry import DATASETS, MODELS

    cfg = Config.fromfile(cfg_file)
    init_default_scope('mmpretrain')
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    with torch.no_grad():
        model.head.fc.weight.mul_(20)
    meta = DATASETS.build(dict(cfg.test_dataloader.dataset,
                               pipeline=[])).metainfo
    save_checkpoint(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': dict(meta)
            }
        }, str(ckpt))


def run_tool(tool: str, *args) -> int:
    """Run ``tools/<tool>`` in this process; return its exit status.

    The mmengine loggers the run created are closed and forgotten after it,
    as a process exit would: a runner names its logger by the config and
    the second, so a second run of the same config within that second would
    otherwise get the first run's logger, whose console handler writes to
    the earlier test's (closed) captured stream.
    """
    from mmengine.logging import MMLogger
    before = set(MMLogger._instance_dict)
    path = str(REPO / 'tools' / tool)
    argv, sys.argv = sys.argv, [path, *map(str, args)]
    try:
        runpy.run_path(path, run_name='__main__')
        return 0
    except SystemExit as exc:
        return exc.code or 0
    finally:
        sys.argv = argv
        for name in set(MMLogger._instance_dict) - before:
            logger = MMLogger._instance_dict.pop(name)
            for handler in list(logger.handlers):
                handler.close()
                logger.removeHandler(handler)


def make_images(folder) -> list:
    """Non-square images whose R and B channels differ strongly.

    Three per class of ``glass, paper, trash`` (the tiny ResNet test config's
    classes), as PNG files in ``folder/<class>/``.
    """
    rng = np.random.default_rng(0)
    paths = []
    for c, cls in enumerate(('glass', 'paper', 'trash')):
        (folder / cls).mkdir(parents=True)
        for i in range(3):
            h, w = 48 + 8 * i, 72 - 6 * c
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0] = 230 - 60 * c  # R
            img[..., 1] = rng.integers(0, 255, (h, w))  # G: texture
            img[..., 2] = 20 + 40 * i  # B
            img[:h // 2, :w // 3, 0] = 10  # a dark-red patch
            path = folder / cls / f'{cls}{i}.png'
            Image.fromarray(img).save(path)
            paths.append(str(path))
    return paths


def make_tiny_resnet_run(tmp: Path, resize: int = 40) -> dict:
    """Images, the tiny ResNet test config over them and its checkpoint.

    Args:
        tmp: An empty folder.
        resize: The config's short edge before the 32 px crop (40: resize
            and crop both change the input).

    Returns:
        ``dict(tmp, data, paths, cfg, ckpt)``: the folder, the image folder
        (:func:`make_images`), the image paths, the config file and the
        untrained checkpoint (:func:`save_tiny_resnet_checkpoint`).
    """
    data = tmp / 'data'
    paths = make_images(data)
    cfg = write_tiny_resnet_test_config(tmp / 'tiny.py', data, resize=resize)
    ckpt = tmp / 'tiny.pth'
    save_tiny_resnet_checkpoint(cfg, ckpt)
    return dict(tmp=tmp, data=data, paths=paths, cfg=cfg, ckpt=str(ckpt))


def kfold_runs(values, seed=None, metric='accuracy/top1') -> list:
    """k-fold run records (as ``run_kfold`` returns), one per fold value."""
    return [
        dict(
            name=f'fold{i}',
            fold=i,
            seed=seed,
            work_dir=f'w/fold_{i}',
            metrics={metric: v}) for i, v in enumerate(values)
    ]

"""The 26-class course layout (garbage_26x100) from a tiny generated copy."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmext.datasets import GarbageDataset
from mmext.datasets.prepare_course import (GARBAGE_26_CLASSES,
                                           prepare_garbage_26x100)
from mmext.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
BASE_CFG = ROOT / 'configs/course/_base_/garbage-26x100_bs64.py'
EGGSHELL = '03_02'


def make_course_copy(root: Path, per_class=(2, 1), empty_train=()):
    """Write garbage_26x100/{train,val}/<code>/*.jpg with tiny images."""
    rng = np.random.default_rng(0)
    for split, n in zip(('train', 'val'), per_class):
        for code, _, _ in GARBAGE_26_CLASSES:
            folder = root / split / code
            folder.mkdir(parents=True)
            if split == 'train' and code in empty_train:
                continue
            for i in range(n):
                pixels = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f'{code}_{i}.jpg')
    return root


def test_prepare_and_load_with_the_course_config(tmp_path):
    src = make_course_copy(tmp_path / 'garbage_26x100')
    out = tmp_path / 'data'
    info = prepare_garbage_26x100(str(src), str(out))
    assert (info['train'], info['val'], info['classes']) == (52, 26, 26)
    names = json.loads((out / 'meta/classes.json').read_text())
    assert names['24'] == 'Eggshell' and len(names) == 26

    cfg = Config.fromfile(str(BASE_CFG))
    ds_cfg = dict(cfg.train_dataloader.dataset)
    ds_cfg.pop('type')
    ds_cfg.update(data_root=str(out), pipeline=[])
    ds = GarbageDataset(**ds_cfg)
    assert len(ds) == 52
    assert ds.metainfo['classes'][24] == 'Eggshell'
    assert ds.metainfo['bins'] == ('recyclable', 'other', 'hazardous',
                                   'kitchen')
    # an image from the course folder 03_02 carries label 24 (Eggshell)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    labels = {Path(d['img_path']).name: d['gt_label'] for d in infos}
    assert labels[f'{EGGSHELL}_0.jpg'] == 24
    assert labels['00_00_1.jpg'] == 0
    assert ds.metainfo['class_to_bin'][24] == 3  # kitchen


def test_empty_training_class_is_reported(tmp_path):
    src = make_course_copy(
        tmp_path / 'garbage_26x100', empty_train=(EGGSHELL, ))
    out = tmp_path / 'data'
    with pytest.raises(
            DataError,
            match=r'1 of 26 classes have no training '
            r'images: Eggshell \(.*03_02\)') as err:
        prepare_garbage_26x100(str(src), str(out))
    assert err.value.path == str(src / 'train' / EGGSHELL)
    # GarbageDataset itself refuses the training split with the empty class
    with pytest.raises(DataError, match='Eggshell') as err:
        GarbageDataset(
            data_root=str(out),
            data_prefix='train',
            layout='folder',
            classes='meta/classes.json')
    assert err.value.fix and 'allow_empty_classes' in err.value.fix
    # ... and when it is accepted on purpose, the summary still names it
    info = prepare_garbage_26x100(str(src), str(out), allow_empty_classes=True)
    assert info['empty_train'] == ['Eggshell'] and info['train'] == 50


def test_missing_class_folder_counts_as_empty(tmp_path):
    src = make_course_copy(tmp_path / 'garbage_26x100')
    for f in (src / 'train' / EGGSHELL).iterdir():
        f.unlink()
    (src / 'train' / EGGSHELL).rmdir()
    with pytest.raises(DataError, match='Eggshell'):
        prepare_garbage_26x100(str(src), str(tmp_path / 'data'))


def test_unknown_folder_and_missing_split(tmp_path):
    src = make_course_copy(tmp_path / 'garbage_26x100')
    (src / 'val' / '04_00').mkdir()
    with pytest.raises(DataError, match=r"\['04_00'\]"):
        prepare_garbage_26x100(str(src), str(tmp_path / 'data'))
    with pytest.raises(DataError, match='does not exist'):
        prepare_garbage_26x100(
            str(tmp_path / 'nowhere'), str(tmp_path / 'data'))

"""``layout='auto'`` decides from the tree's structure, and GarbageDataset is
a drop-in for mmpretrain's CustomDataset arguments (its own test cases)."""
import json
import unittest
from pathlib import Path

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset

from mmext.datasets import GarbageDataset
from mmext.datasets.garbage import detect_layout
from mmext.errors import DataError
from helpers import COLOURS, make_folder_set, make_image


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def logged(level='INFO'):
    return unittest.TestCase().assertLogs(MMLogger.get_current_instance(),
                                          level)


def _huawei(root: Path, n=6):
    rule = {str(i): f'bin{i % 2}/item{i}' for i in range(3)}
    root.mkdir(parents=True)
    (root.parent / 'garbage_classify_rule.json').write_text(json.dumps(rule))
    for i in range(1, n + 1):
        make_image(root / f'img_{i}.jpg', COLOURS[i % 3], seed=i)
        (root / f'img_{i}.txt').write_text(f'img_{i}.jpg, {i % 3}')
    return root


def test_stray_text_files_do_not_flip_a_class_folder_tree(tmp_path):
    root = make_folder_set(tmp_path / 'imgs')
    (root / 'README.txt').write_text('my garbage photos\n')
    (root / 'labels.txt').write_text('glass\npaper\ntrash\n')
    (root / 'notes.json').write_text('{}')
    with logged() as log:
        ds = GarbageDataset(data_prefix=str(root))
    assert any("layout 'folder'" in line for line in log.output)
    assert ds.metainfo['classes'] == ('glass', 'paper', 'trash')
    assert len(ds) == 18


def test_huawei_pairs_detected_and_stray_readme_ignored(tmp_path):
    root = _huawei(tmp_path / 'garbage' / 'train_data')
    (root / 'README.txt').write_text('Huawei garbage set\nsecond line\n')
    with logged() as log:
        ds = GarbageDataset(data_prefix=str(root))
    assert any("layout 'huawei'" in line for line in log.output)
    assert any('Ignored' in line and 'README.txt' in line
               for line in log.output)
    assert [d['gt_label'] for d in infos(ds)] == [1, 2, 0, 1, 2, 0]
    assert detect_layout(str(root))[0] == 'huawei'


def test_ambiguous_tree_asks_for_layout(tmp_path):
    root = _huawei(tmp_path / 'garbage' / 'train_data')
    make_image(root / 'glass' / 'g.jpg', COLOURS[0])
    with pytest.raises(DataError) as err:
        GarbageDataset(data_prefix=str(root))
    msg = str(err.value)
    assert str(root) in msg and "layout='folder'" in msg and 'huawei' in msg
    # the explicit choice works
    ds = GarbageDataset(data_prefix=str(root), layout='huawei')
    assert len(ds) == 6


def test_flat_folder_without_labels_suggests_unlabeled(tmp_path):
    for i in range(3):
        make_image(tmp_path / 't' / f'x{i}.jpg', COLOURS[i])
    with pytest.raises(DataError, match="layout='unlabeled'"):
        GarbageDataset(data_prefix=str(tmp_path / 't'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(DataError, match='No images found'):
        GarbageDataset(data_prefix=str(tmp_path / 'empty'))


def test_list_file_wins_and_is_logged(list_set):
    with logged() as log:
        GarbageDataset(
            data_root=str(list_set),
            ann_file='meta/train.txt',
            data_prefix='images',
            classes='meta/classes.txt')
    assert any("layout 'list'" in line for line in log.output)


# --- mmpretrain's CustomDataset test cases, run against both classes --------


@pytest.fixture
def assets(tmp_path):
    """mmpretrain's tests/data/dataset: a/1.JPG, b/2.jpeg, b/subb/3.jpg and
    text files (ann.txt, classes.txt, ...) beside the class folders."""
    root = tmp_path / 'dataset'
    make_image(root / 'a' / '1.JPG', COLOURS[0])
    make_image(root / 'b' / '2.jpeg', COLOURS[1])
    make_image(root / 'b' / 'subb' / '3.jpg', COLOURS[2])
    (root / 'ann.txt').write_text('a/1.JPG 0\nb/2.jpeg 1\nb/subb/3.jpg 1\n')
    (root /
     'ann_without_labels.txt').write_text('a/1.JPG\nb/2.jpeg\nb/subb/3.jpg\n')
    (root / 'classes.txt').write_text('bus\ncar\n')
    (root / 'multi_label_ann.json').write_text('{}')
    return root


BOTH = [CustomDataset, GarbageDataset]


@pytest.mark.parametrize('cls', BOTH)
def test_custom_initialize_cases(cls, assets):
    default = dict(data_root=str(assets), ann_file='ann.txt')
    assert cls(
        **default, metainfo={
            'classes': ('bus', 'car')
        }).CLASSES == ('bus', 'car')
    assert cls(**default, classes=['bus', 'car']).CLASSES == ('bus', 'car')
    ds = cls(**default, classes=str(assets / 'classes.txt'))
    assert ds.CLASSES == ('bus', 'car')
    assert ds.class_to_idx == {'bus': 0, 'car': 1}


@pytest.mark.parametrize('cls', BOTH)
def test_custom_load_without_ann_file(cls, assets):
    """The case that used to pick the Huawei layout (text files at the top)."""
    ds = cls(data_root=str(assets), data_prefix=str(assets), ann_file='')
    assert len(ds) == 3 and ds.CLASSES == ('a', 'b')
    assert infos(ds)[0]['img_path'] == str(assets / 'a' / '1.JPG')
    assert infos(ds)[0]['gt_label'] == 0
    assert infos(ds)[2]['img_path'] == str(assets / 'b' / 'subb' / '3.jpg')
    assert infos(ds)[2]['gt_label'] == 1


@pytest.mark.parametrize('cls', BOTH)
def test_custom_load_with_ann_file_and_no_class_names(cls, assets):
    ds = cls(data_root=str(assets), ann_file='ann.txt')
    assert len(ds) == 3 and ds.CLASSES is None  # not inferred from the list
    assert infos(ds)[2]['img_path'] == str(assets / 'b/subb/3.jpg')
    np.testing.assert_equal(ds.get_gt_labels(), np.array([0, 1, 1]))


@pytest.mark.parametrize('cls', BOTH)
def test_custom_list_without_labels(cls, assets):
    ds = cls(
        data_root=str(assets),
        ann_file='ann_without_labels.txt',
        with_label=False)
    assert len(ds) == 3 and all('gt_label' not in d for d in infos(ds))
    assert infos(ds)[1]['img_path'] == str(assets / 'b/2.jpeg')


def test_deliberate_strictness_vs_custom_dataset(assets):
    """Kept on purpose, each with a message that names the fix."""
    # CustomDataset renames folders a, b positionally; here labels go by name
    CustomDataset(
        data_prefix=str(assets), ann_file='', classes=('apple', 'banana'))
    with pytest.raises(DataError, match='not in the class list'):
        GarbageDataset(data_prefix=str(assets), classes=('apple', 'banana'))
    # a training class without images is an error, not a warning
    assert len(
        CustomDataset(
            data_prefix=str(assets), ann_file='', extensions=('.jpeg', ))) == 1
    with pytest.raises(DataError, match='allow_empty_classes'):
        GarbageDataset(data_prefix=str(assets), extensions=('.jpeg', ))
    assert len(
        GarbageDataset(
            data_prefix=str(assets),
            extensions=('.jpeg', ),
            allow_empty_classes=True)) == 1

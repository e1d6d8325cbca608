"""GarbageDataset layouts, class names (Chinese included), bins and clear
errors."""
import json
from pathlib import Path

import pytest

from mmext.datasets import GarbageDataset, read_class_names, stratified_split
from mmext.datasets.prepare import prepare_folder
from mmext.errors import DataError
from helpers import COLOURS, make_folder_set, make_image


def infos(ds):
    """Every sample's info (data_list itself is serialized away)."""
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_list_layout_real_trashnet(shared_dir):
    root = shared_dir / 'data' / 'trashnet-150px'
    ds = GarbageDataset(
        data_root=str(root),
        ann_file='meta/train.txt',
        data_prefix='images',
        classes='meta/classes.txt')
    classes = (root / 'meta' / 'classes.txt').read_text().split()
    assert ds.metainfo['classes'] == tuple(classes)
    lines = (root / 'meta' / 'train.txt').read_text().split('\n')
    assert len(ds) == len([ln for ln in lines if ln.strip()])
    for info in infos(ds)[::97]:
        folder = Path(info['img_path']).parent.name
        assert classes[info['gt_label']] == folder
        assert Path(info['img_path']).is_file()
    assert 'bins' not in ds.metainfo  # plain names and no class_bins


def test_list_layout_with_class_bins(list_set):
    bins = {'glass': 'recyclable', 'paper': 'recyclable', 'trash': 'other'}
    ds = GarbageDataset(
        data_root=str(list_set),
        ann_file='meta/val.txt',
        data_prefix='images',
        classes='meta/classes.txt',
        class_bins=bins)
    assert ds.metainfo['bins'] == ('recyclable', 'other')
    assert ds.metainfo['class_to_bin'] == (0, 0, 1)
    assert len(ds) == 6


def test_folder_layout(folder_set):
    ds = GarbageDataset(data_prefix=str(folder_set))
    assert ds.metainfo['classes'] == ('glass', 'paper', 'trash')
    assert len(ds) == 18
    for info in infos(ds):
        name = Path(info['img_path']).parent.name
        assert ds.metainfo['classes'][info['gt_label']] == name
    # stable, natural order
    assert [Path(d['img_path']).name
            for d in infos(ds)[:2]] == ['glass_0.jpg', 'glass_1.jpg']


def _huawei(tmp_path):
    root = tmp_path / 'garbage_classify'
    data = root / 'train_data'
    rule = {
        '0': '其他垃圾/一次性快餐盒',
        '1': '厨余垃圾/剩饭剩菜',
        '2': '可回收物/充电宝',
        '3': '有害垃圾/干电池'
    }
    root.mkdir()
    (root / 'garbage_classify_rule.json').write_text(
        json.dumps(rule, ensure_ascii=False), encoding='utf-8')
    labels = [0, 1, 2, 3, 2, 1, 0, 3, 2, 1]
    for i, lbl in enumerate(labels, start=1):
        make_image(data / f'img_{i}.jpg', COLOURS[lbl], seed=i)
        (data / f'img_{i}.txt').write_text(f'img_{i}.jpg, {lbl}')
    return root, rule, labels


def test_huawei_layout_chinese_names_and_bins(tmp_path):
    root, rule, labels = _huawei(tmp_path)
    ds = GarbageDataset(data_root=str(root), data_prefix='train_data')
    assert ds.metainfo['classes'] == tuple(rule[str(i)] for i in range(4))
    assert ds.metainfo['bins'] == ('其他垃圾', '厨余垃圾', '可回收物', '有害垃圾')
    assert ds.metainfo['class_to_bin'] == (0, 1, 2, 3)
    # natural order: img_2 before img_10, labels from the txt files
    names = [Path(d['img_path']).name for d in infos(ds)]
    assert names[:2] == ['img_1.jpg', 'img_2.jpg'
                         ] and names[-1] == 'img_10.jpg'
    assert [d['gt_label'] for d in infos(ds)] == labels


def test_huawei_malformed_label_file(tmp_path):
    root, _, _ = _huawei(tmp_path)
    bad = root / 'train_data' / 'img_3.txt'
    bad.write_text('img_3.jpg; three')
    with pytest.raises(DataError) as err:
        GarbageDataset(data_root=str(root), data_prefix='train_data')
    assert str(bad) in str(err.value) and 'Fix:' in str(err.value)


def test_unlabeled_test_folder(tmp_path):
    for i in range(3):
        make_image(tmp_path / 'test' / f'x{i}.png', COLOURS[i])
    ds = GarbageDataset(
        data_prefix=str(tmp_path / 'test'),
        layout='unlabeled',
        classes=['a', 'b', 'c'],
        test_mode=True)
    assert len(ds) == 3 and all('gt_label' not in d for d in infos(ds))
    assert ds.metainfo['classes'] == ('a', 'b', 'c')


def test_malformed_ann_file_names_file_and_line(list_set):
    ann = list_set / 'meta' / 'bad.txt'
    ann.write_text('glass/glass_0.jpg 0\nglass/glass_1.jpg\n')
    with pytest.raises(DataError) as err:
        GarbageDataset(
            data_root=str(list_set),
            ann_file='meta/bad.txt',
            data_prefix='images',
            classes='meta/classes.txt')
    msg = str(err.value)
    assert str(ann) in msg and 'line 2' in msg


def test_label_out_of_range(list_set):
    ann = list_set / 'meta' / 'bad.txt'
    ann.write_text('glass/glass_0.jpg 7\n')
    with pytest.raises(DataError, match='outside 0..2'):
        GarbageDataset(
            data_root=str(list_set),
            ann_file='meta/bad.txt',
            data_prefix='images',
            classes='meta/classes.txt',
            allow_empty_classes=True)


def test_missing_folder_and_files(tmp_path, list_set):
    with pytest.raises(DataError) as err:
        GarbageDataset(data_prefix=str(tmp_path / 'nope'))
    assert str(tmp_path / 'nope') in str(err.value)
    with pytest.raises(DataError, match='does not exist'):
        GarbageDataset(
            data_root=str(list_set),
            ann_file='meta/none.txt',
            data_prefix='images',
            classes='meta/classes.txt')
    with pytest.raises(DataError, match='do not exist under'):
        GarbageDataset(
            data_root=str(list_set),
            ann_file='meta/train.txt',
            data_prefix='elsewhere',
            classes='meta/classes.txt')


def test_empty_class_fails_for_training_warns_for_test(tmp_path):
    root = make_folder_set(tmp_path / 'imgs', ('a', 'b'), per_class=2)
    (root / 'c_empty').mkdir()
    with pytest.raises(DataError) as err:
        GarbageDataset(data_prefix=str(root))
    assert 'c_empty' in str(err.value) and str(root) in str(err.value)
    ds = GarbageDataset(data_prefix=str(root), test_mode=True)
    assert len(ds) == 4 and len(ds.metainfo['classes']) == 3


def test_class_name_files(tmp_path):
    j = tmp_path / 'c.json'
    j.write_text('{"1": "可回收物/易拉罐", "0": "其他垃圾/烟蒂"}', encoding='utf-8')
    assert read_class_names(str(j)) == ['其他垃圾/烟蒂', '可回收物/易拉罐']
    j.write_text('{"0": "a", "2": "b"}')
    with pytest.raises(DataError, match='without gaps'):
        read_class_names(str(j))
    t = tmp_path / 'c.txt'
    t.write_text('a\nb\na\n')
    with pytest.raises(DataError, match='repeats'):
        read_class_names(str(t))


def test_stratified_split_deterministic_and_stratified():
    samples = [(f'c{c}/{i}.jpg', c) for c in range(3)
               for i in range(10 + 5 * c)]
    train, val = stratified_split(samples, val_ratio=0.2, seed=1)
    again = stratified_split(list(reversed(samples)), val_ratio=0.2, seed=1)
    assert (train, val) == again  # input order does not matter
    assert set(train).isdisjoint(val) and set(train) | set(val) == set(samples)
    for c in range(3):
        n = 10 + 5 * c
        assert sum(1 for _, lbl in val if lbl == c) == round(0.2 * n)
    other = stratified_split(samples, val_ratio=0.2, seed=2)[1]
    assert other != val  # the seed matters
    tiny_train, tiny_val = stratified_split([('a.jpg', 0), ('b.jpg', 0)], 0.1)
    assert len(tiny_train) == 1 and len(tiny_val) == 1


def test_prepare_folder_writes_loadable_split(tmp_path):
    src = make_folder_set(tmp_path / 'mine', ('x', 'y'), per_class=5)
    info = prepare_folder(str(src), str(tmp_path / 'out'), val_ratio=0.2)
    assert (info['train'], info['val'], info['classes']) == (8, 2, 2)
    lines = (tmp_path / 'out' / 'meta' / 'val.txt').read_text().splitlines()
    assert sorted(ln.split()[1] for ln in lines) == ['0', '1']
    # trainval.txt (k-fold over all labelled images, final models) is
    # exactly train followed by val
    meta = tmp_path / 'out' / 'meta'
    assert info['trainval'] == 10
    assert (meta / 'trainval.txt').read_text().splitlines() == (
        (meta / 'train.txt').read_text().splitlines() + lines)


def test_inverted_class_index_json(tmp_path):
    j = tmp_path / 'idx.json'
    j.write_text('{"00_01": 1, "00_00": 0, "01_00": 2}')
    assert read_class_names(str(j)) == ['00_00', '00_01', '01_00']

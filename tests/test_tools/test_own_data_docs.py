"""docs/own-data.md, run as pasted: each layout's commands, then training
the own-data config, testing with --test-dir and predicting, on generated
photos and on TrashNet photos from ../shared laid out as class folders.

Only paths are filled in: the placeholders ``/path/to/...`` and the
ImageNet weights (a randomly initialised backbone file when ../shared is
absent). The commands run in a scratch folder that links configs/, tools/
and mmext/ of the checkout, so data/ and work_dirs/ land there.
"""
import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SHARED, make_folder_set, make_image

DOC = REPO / 'docs' / 'own-data.md'
WEIGHTS = '../shared/weights/mobilenet-v2_imagenet-backbone_mmpretrain.pth'
CLASSES = ('glass', 'paper', 'trash')

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def doc_blocks() -> dict:
    """``{section heading: [command, ...]}`` of the bash blocks."""
    blocks, heading = {}, None
    text = DOC.read_text(encoding='utf-8')
    for match in re.finditer(r'^(#+ .*?)$|^```bash\n(.*?)^```', text,
                             re.M | re.S):
        if match.group(1):
            heading = match.group(1).lstrip('#').strip()
        else:
            blocks.setdefault(heading, []).extend(
                c for c in match.group(2).splitlines() if c.strip())
    return blocks


def scratch(tmp: Path) -> Path:
    root = tmp / 'checkout'
    root.mkdir()
    for name in ('configs', 'tools', 'mmext'):
        (root / name).symlink_to(REPO / name)
    return root


def weights(tmp: Path) -> str:
    if (SHARED / WEIGHTS.split('shared/')[1]).is_file():
        return str(SHARED / WEIGHTS.split('shared/')[1])
    import torch
    from mmpretrain.models import MobileNetV2
    path = tmp / 'random_backbone.pth'
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in MobileNetV2().state_dict().items()
            }
        }, path)
    return str(path)


def run(commands, cwd: Path, paths: dict) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env['PATH']
    for command in commands:
        for placeholder, path in paths.items():
            command = command.replace(placeholder, str(path))
        done = subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True)
        assert done.returncode == 0, (command, done.stderr[-3000:])


def check_run(root: Path, n_classes: int, new_photos: Path) -> None:
    work = root / 'work_dirs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_' \
        'own-data'
    assert (work / 'epoch_8.pth').is_file()
    dumped = (work / 'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_'
              'own-data.py').read_text()
    assert f'num_classes={n_classes}' in dumped.replace(' ', '')
    log = sorted(work.glob('*/*.log'))[0].read_text()  # training's, not test's
    assert 'EMA: momentum' in log and 'accuracy/top1_origin' in log
    for name in ('preds.csv', 'preds_predict.csv'):
        rows = list(csv.DictReader((root / name).open(encoding='utf-8')))
        assert len(rows) == len(list(new_photos.rglob('*.jpg')))


def test_blocks_are_where_the_test_expects_them():
    blocks = doc_blocks()
    for heading in ('Class folders', 'The Huawei layout', 'A list file',
                    '2. Train', '3. Test and predict'):
        assert blocks.get(heading), heading


def _new_photos(tmp: Path) -> Path:
    folder = tmp / 'new_photos'
    for i in range(4):
        make_image(folder / f'img_{i}.jpg', (120, 90, 40), seed=50 + i)
    return folder


def test_class_folders_generated(tmp_path):
    blocks, root = doc_blocks(), scratch(tmp_path)
    photos = make_folder_set(tmp_path / 'photos', CLASSES, per_class=5)
    new = _new_photos(tmp_path)
    paths = {
        '/path/to/photos': photos,
        '/path/to/new_photos': new,
        WEIGHTS: weights(tmp_path)
    }
    run(
        blocks['Class folders'] + blocks['2. Train'] +
        blocks['3. Test and predict'], root, paths)
    check_run(root, 3, new)


def test_huawei_layout_with_its_own_class_count(tmp_path):
    blocks, root = doc_blocks(), scratch(tmp_path)
    src = tmp_path / 'huawei_set'
    names = ['可回收物/玻璃', '其他垃圾/烟蒂', '厨余垃圾/菜叶', '有害垃圾/电池', '可回收物/纸板']
    (src / 'train_data').mkdir(parents=True)
    (src / 'garbage_classify_rule.json').write_text(
        '{' + ', '.join(f'"{i}": "{n}"' for i, n in enumerate(names)) + '}',
        encoding='utf-8')
    for i in range(25):
        make_image(
            src / 'train_data' / f'img_{i}.jpg',
            (40 * (i % 5), 200 - 30 * (i % 5), 90),
            seed=i)
        (src / 'train_data' /
         f'img_{i}.txt').write_text(f'img_{i}.jpg, {i % 5}')
    new = _new_photos(tmp_path)
    run(
        blocks['The Huawei layout'] + blocks['2. Train'] +
        blocks['3. Test and predict'][1:2], root, {
            '/path/to/huawei_set': src,
            '/path/to/new_photos': new,
            WEIGHTS: weights(tmp_path)
        })
    assert (root / 'preds.csv').is_file()


def test_list_file(tmp_path):
    blocks, root = doc_blocks(), scratch(tmp_path)
    images = make_folder_set(tmp_path / 'images', CLASSES, per_class=5)
    lines = {'train': [], 'val': []}
    for c, name in enumerate(CLASSES):
        for i in range(5):
            lines['val' if i == 4 else 'train'].append(
                f'{name}/{name}_{i}.jpg {c}')
    for split, rows in lines.items():
        (tmp_path / f'{split}.txt').write_text('\n'.join(rows) + '\n')
    (tmp_path / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    run(
        blocks['A list file'] + blocks['2. Train'] +
        blocks['3. Test and predict'][:1], root, {
            '/path/to/images': images,
            '/path/to/train.txt': tmp_path / 'train.txt',
            '/path/to/val.txt': tmp_path / 'val.txt',
            '/path/to/classes.txt': tmp_path / 'classes.txt',
            WEIGHTS: weights(tmp_path)
        })


def test_trashnet_as_class_folders(tmp_path):
    src = SHARED / 'data' / 'trashnet' / 'images'
    if not src.is_dir():
        pytest.skip(f'{src} is not present (../shared beside the checkout)')
    blocks, root = doc_blocks(), scratch(tmp_path)
    photos = tmp_path / 'photos'
    for folder in sorted(src.iterdir()):  # 8 photos per class
        (photos / folder.name).mkdir(parents=True)
        for img in sorted(folder.glob('*.jpg'))[:8]:
            (photos / folder.name / img.name).symlink_to(img)
    new = tmp_path / 'new_photos'
    new.mkdir()
    for img in sorted((src / 'glass').glob('*.jpg'))[-3:]:
        (new / img.name).symlink_to(img)
    run(
        blocks['Class folders'] + blocks['2. Train'] +
        blocks['3. Test and predict'], root, {
            '/path/to/photos': photos,
            '/path/to/new_photos': new,
            WEIGHTS: weights(tmp_path)
        })
    check_run(root, 6, new)

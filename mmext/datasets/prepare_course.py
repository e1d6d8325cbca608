"""Lay out the MindSpore course's 26-class garbage set (``garbage_26x100``).

The course ships ``garbage_26x100/{train,val}/<code>/*.jpg`` with folder codes
``00_00`` ... ``03_03`` (``<bin>_<item>``: 00 recyclable, 01 other, 02
hazardous, 03 kitchen) and a class index that lives in the notebook. This
module writes the folder-per-class layout that :class:`GarbageDataset` reads
with ``layout='folder'``: one folder per class named by its English name
(linked or copied from the code folder) and ``meta/classes.json``
(``{"0": "Plastic Bottle", ...}``) in the course's label order.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

from ..errors import DataError
from ..fileio import atomic_write
from .garbage import GarbageDataset
from .prepare import place_folder

# (folder code, English name, bin) in the course's label order.
GARBAGE_26_CLASSES: List[Tuple[str, str, str]] = [
    ('00_00', 'Plastic Bottle', 'recyclable'),
    ('00_01', 'Hats', 'recyclable'),
    ('00_02', 'Newspaper', 'recyclable'),
    ('00_03', 'Cans', 'recyclable'),
    ('00_04', 'Glassware', 'recyclable'),
    ('00_05', 'Glass Bottle', 'recyclable'),
    ('00_06', 'Cardboard', 'recyclable'),
    ('00_07', 'Basketball', 'recyclable'),
    ('00_08', 'Paper', 'recyclable'),
    ('00_09', 'Metalware', 'recyclable'),
    ('01_00', 'Disposable Chopsticks', 'other'),
    ('01_01', 'Lighter', 'other'),
    ('01_02', 'Broom', 'other'),
    ('01_03', 'Old Mirror', 'other'),
    ('01_04', 'Toothbrush', 'other'),
    ('01_05', 'Dirty Cloth', 'other'),
    ('01_06', 'Seashell', 'other'),
    ('01_07', 'Ceramic Bowl', 'other'),
    ('02_00', 'Paint bucket', 'hazardous'),
    ('02_01', 'Battery', 'hazardous'),
    ('02_02', 'Fluorescent lamp', 'hazardous'),
    ('02_03', 'Tablet capsules', 'hazardous'),
    ('03_00', 'Orange Peel', 'kitchen'),
    ('03_01', 'Vegetable Leaf', 'kitchen'),
    ('03_02', 'Eggshell', 'kitchen'),
    ('03_03', 'Banana Peel', 'kitchen'),
]
GARBAGE_26_BINS: Dict[str, str] = {n: b for _, n, b in GARBAGE_26_CLASSES}
SPLITS = ('train', 'val')


def prepare_garbage_26x100(src: str,
                           out: str,
                           copy: bool = False,
                           allow_empty_classes: bool = False) -> dict:
    """Lay out ``garbage_26x100`` as ``out/{train,val}/<name>/`` + class JSON.

    Args:
        src: The unpacked ``garbage_26x100`` folder (holds ``train/`` and
            ``val/`` with one ``<code>`` folder per class, e.g. ``03_02``).
            Folders already named by class (``Eggshell``) are accepted too.
        out: Output folder (``data/garbage_26x100``).
        copy: Copy images instead of symlinking the class folders.
        allow_empty_classes: Accept a training class without images (the
            course's copy has had an empty ``03_02`` eggshell folder); by
            default this is an error, since the class could never be learnt.

    Returns:
        A summary dict (images per split, classes, empty classes, out).
    """
    by_code = {c: n for c, n, _ in GARBAGE_26_CLASSES}
    names = [n for _, n, _ in GARBAGE_26_CLASSES]
    for split in SPLITS:
        folder = osp.join(src, split)
        if not osp.isdir(folder):
            raise DataError(
                f'{folder} does not exist.',
                fix='pass --src the unpacked '
                'garbage_26x100 folder (it holds train/ and val/, one folder '
                'per class such as 00_00 ... 03_03).',
                path=folder)
        found = sorted(
            d for d in os.listdir(folder) if osp.isdir(osp.join(folder, d)))
        unknown = [d for d in found if d not in by_code and d not in names]
        if unknown:
            raise DataError(
                f'Folders {unknown} in {folder} are not classes of '
                'garbage_26x100.',
                fix='expected the course codes 00_00 ... '
                '03_03 (or the English class names); for another data set use '
                '"tools/prepare_data.py folder".',
                path=folder)
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    origin = {}  # (split, class name) -> source folder
    for split in SPLITS:
        os.makedirs(osp.join(out, split), exist_ok=True)
        folder = osp.join(src, split)
        for code, name, _ in GARBAGE_26_CLASSES:
            origin[split, name] = osp.join(folder, code)
            for candidate in (code, name):
                if osp.isdir(osp.join(folder, candidate)):
                    origin[split, name] = osp.join(folder, candidate)
                    place_folder(origin[split, name],
                                 osp.join(out, split, name), copy)
                    break
            else:  # a class with no folder at all: an empty class
                dst = osp.join(out, split, name)
                if osp.islink(dst):
                    os.unlink(dst)
                os.makedirs(dst, exist_ok=True)
    classes_json = osp.join(out, 'meta', 'classes.json')
    with atomic_write(classes_json, 'w', encoding='utf-8') as f:
        json.dump({
            str(i): n
            for i, n in enumerate(names)
        },
                  f,
                  ensure_ascii=False,
                  indent=1)
    info = {'source': src}
    for split in SPLITS:
        ds = GarbageDataset(
            data_root=out,
            data_prefix=split,
            layout='folder',
            classes='meta/classes.json',
            class_bins=GARBAGE_26_BINS,
            test_mode=split == 'val',
            lazy_init=False,
            allow_empty_classes=True)  # checked below, naming the sources
        info[split] = len(ds)
        counts = [0] * len(names)
        for label in ds.get_gt_labels():
            counts[int(label)] += 1
        empty = [names[i] for i, c in enumerate(counts) if c == 0]
        if empty:
            info[f'empty_{split}'] = empty
        if empty and split == 'train' and not allow_empty_classes:
            where = ', '.join(f'{n} ({origin[split, n]})' for n in empty)
            raise DataError(
                f'{len(empty)} of {len(names)} classes have no training '
                f'images: {where}.',
                fix='add images to these folders (report a filled the empty '
                'eggshell folder), or accept it knowingly with '
                '--allow-empty-classes (allow_empty_classes=True); such a '
                'class can never be predicted right.',
                path=origin[split, empty[0]])
    info['classes'] = len(names)
    info['out'] = out
    return info

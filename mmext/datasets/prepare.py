"""Lay data sets out the way the configs expect.

Used by tools/prepare_data.py.
"""
import os
import os.path as osp
import shutil
import tempfile
import zipfile
from typing import List, Optional, Tuple

from ..errors import DataError
from ..fileio import atomic_write, file_hash
from .class_names import read_class_names
from .garbage import HUAWEI_RULE, GarbageDataset, scan_huawei_folder
from .split import stratified_split, write_ann_file

TRASHNET_URL = ('https://github.com/garythung/trashnet/raw/master/data/'
                'dataset-resized.zip')
TRASHNET_CLASSES = ['glass', 'paper', 'cardboard', 'plastic', 'metal', 'trash']


def place_folder(src: str, dst: str, copy: bool) -> None:
    """Symlink (default) or copy the folder ``src`` to ``dst``.

    Whatever ``dst`` held before (a link, a file or a folder) is removed.

    Args:
        src: The folder to place.
        dst: Where it appears.
        copy: Copy it instead of linking (for a copy that outlives ``src``).
    """
    if osp.lexists(dst):
        if osp.islink(dst) or osp.isfile(dst):
            os.unlink(dst)
        else:
            shutil.rmtree(dst)
    if copy:
        shutil.copytree(src, dst)
    else:
        os.symlink(osp.abspath(src), dst)


def _write_classes(path: str, classes: List[str]) -> None:
    with atomic_write(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(classes) + '\n')


def _folder_samples(
    folder: str,
    classes: Optional[List[str]] = None,
    allow_empty_classes: bool = False
) -> Tuple[List[str], List[Tuple[str, int]]]:
    """Scan one-folder-per-class with GarbageDataset's checks."""
    ds = GarbageDataset(
        data_prefix=folder,
        layout='folder',
        classes=classes,
        lazy_init=False,
        allow_empty_classes=allow_empty_classes)
    samples = [(osp.relpath(d['img_path'], folder), d['gt_label'])
               for d in (ds.get_data_info(i) for i in range(len(ds)))]
    return list(ds.metainfo['classes']), samples


def download(url: str, dst: str, sha256: Optional[str] = None) -> str:
    """Download ``url`` to ``dst`` and check its SHA-256.

    Args:
        url: Source URL.
        dst: Destination file.
        sha256: Expected digest; when ``None`` the digest is only reported.

    Returns:
        The file's SHA-256.
    """
    from urllib.request import urlopen
    try:
        with urlopen(url, timeout=60) as resp, atomic_write(dst, 'wb') as f:
            shutil.copyfileobj(resp, f)
    except OSError as exc:
        raise DataError(
            f'Could not download {url} ({exc}). This machine may be offline.',
            fix='download it elsewhere and pass --src /path/to/the/zip or '
            'folder (a local copy such as ../shared/data/trashnet works).'
        ) from None
    digest = file_hash(dst)
    if sha256 and digest != sha256.lower():
        os.unlink(dst)
        raise DataError(
            f'Checksum mismatch for {url}: got {digest}, '
            f'expected {sha256}.',
            fix='retry the download; if it persists the file '
            'changed upstream: check it and pass --sha256.')
    return digest


def prepare_trashnet(out: str,
                     src: Optional[str] = None,
                     copy: bool = False,
                     val_ratio: float = 0.16,
                     seed: int = 0,
                     sha256: Optional[str] = None,
                     allow_empty_classes: bool = False) -> dict:
    """Lay out TrashNet as ``out/images/<class>/*.jpg`` + ``out/meta/*.txt``.

    Args:
        out: Output folder (``data/trashnet``).
        src: A prepared copy with ``images/`` and ``meta/`` (the official
            split is kept), the raw ``dataset-resized`` folder or its zip (a
            stratified split is made). ``None`` downloads the zip.
        copy: Copy images instead of symlinking them.
        val_ratio: Val fraction when a split has to be made.
        seed: Split seed.
        sha256: Expected digest of a downloaded zip.
        allow_empty_classes: Accept a class without training images
            (``--allow-empty-classes``).

    Returns:
        A summary dict (counts, source, checksum).
    """
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    info = {'source': src or TRASHNET_URL}
    with tempfile.TemporaryDirectory() as tmp:
        if src is None:
            zpath = osp.join(tmp, 'dataset-resized.zip')
            info['sha256'] = download(TRASHNET_URL, zpath, sha256)
            src = zpath
        if osp.isfile(src) and src.endswith('.zip'):
            with zipfile.ZipFile(src) as z:
                z.extractall(tmp)
            found = [
                osp.join(r, d) for r, ds, _ in os.walk(tmp) for d in ds
                if d == 'dataset-resized'
            ]
            if not found:
                raise DataError(
                    f'{src} holds no dataset-resized folder.',
                    fix='pass the TrashNet zip or folder.',
                    path=src)
            src, copy = found[0], True  # the temp folder goes away
        if not osp.isdir(src):
            raise DataError(
                f'TrashNet source {src} does not exist.',
                fix='pass --src with a folder or zip, or omit it '
                'to download.',
                path=src)
        meta = osp.join(src, 'meta')
        if osp.isfile(osp.join(meta, 'train.txt')):
            classes = read_class_names(osp.join(meta, 'classes.txt'))
            place_folder(
                osp.join(src, 'images'), osp.join(out, 'images'), copy)
            for name in ('train.txt', 'val.txt'):
                shutil.copyfile(
                    osp.join(meta, name), osp.join(out, 'meta', name))
            _write_classes(osp.join(out, 'meta', 'classes.txt'), classes)
            info['split'] = 'official'
        else:
            classes, samples = _folder_samples(src, TRASHNET_CLASSES,
                                               allow_empty_classes)
            train, val = stratified_split(samples, val_ratio, seed)
            place_folder(src, osp.join(out, 'images'), copy)
            write_ann_file(osp.join(out, 'meta', 'train.txt'), train)
            write_ann_file(osp.join(out, 'meta', 'val.txt'), val)
            _write_classes(osp.join(out, 'meta', 'classes.txt'), classes)
            info['split'] = f'stratified val_ratio={val_ratio} seed={seed}'
    return _summarize(out, 'images', info, allow_empty_classes)


def prepare_garbage_classify(src: str,
                             out: str,
                             val_ratio: float = 0.1,
                             seed: int = 0,
                             copy: bool = False,
                             allow_empty_classes: bool = False) -> dict:
    """Split the Huawei 2019 set (``train_data/`` + rule JSON) into lists.

    Args:
        src: The unpacked ``garbage_classify`` folder.
        out: Output folder (``data/garbage_classify``).
        val_ratio: Fraction of each class for val.
        seed: Split seed.
        copy: Copy images instead of symlinking them.
        allow_empty_classes: Accept a class without training images
            (``--allow-empty-classes``).

    Returns:
        A summary dict.
    """
    train_data = osp.join(src, 'train_data')
    rule = osp.join(src, HUAWEI_RULE)
    for p in (train_data, rule):
        if not osp.exists(p):
            raise DataError(
                f'{p} does not exist.',
                fix='pass --src the '
                'unpacked garbage_classify folder (it holds '
                f'train_data/ and {HUAWEI_RULE}).',
                path=p)
    classes = read_class_names(rule)
    samples = scan_huawei_folder(train_data)
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    place_folder(train_data, osp.join(out, 'train_data'), copy)
    if osp.isdir(osp.join(src, 'test_data')):
        place_folder(
            osp.join(src, 'test_data'), osp.join(out, 'test_data'), copy)
    shutil.copyfile(rule, osp.join(out, HUAWEI_RULE))
    _write_classes(osp.join(out, 'meta', 'classes.txt'), classes)
    train, val = stratified_split(samples, val_ratio, seed)
    write_ann_file(osp.join(out, 'meta', 'train.txt'), train)
    write_ann_file(osp.join(out, 'meta', 'val.txt'), val)
    return _summarize(out, 'train_data', {
        'source': src,
        'split': f'stratified val_ratio={val_ratio} seed={seed}'
    }, allow_empty_classes)


def prepare_folder(src: str,
                   out: str,
                   val_ratio: float = 0.2,
                   seed: int = 0,
                   copy: bool = False,
                   allow_empty_classes: bool = False) -> dict:
    """Split your own one-folder-per-class data set into train/val lists.

    Args:
        src: Folder with one sub-folder per class.
        out: Output folder.
        val_ratio: Fraction of each class for val.
        seed: Split seed.
        copy: Copy images instead of symlinking them.
        allow_empty_classes: Accept a class without training images
            (``--allow-empty-classes``).

    Returns:
        A summary dict.
    """
    if not osp.isdir(src):
        raise DataError(
            f'{src} does not exist.',
            fix='pass --src the folder '
            'that holds one sub-folder per class.',
            path=src)
    classes, samples = _folder_samples(
        src, allow_empty_classes=allow_empty_classes)
    train, val = stratified_split(samples, val_ratio, seed)
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    place_folder(src, osp.join(out, 'images'), copy)
    write_ann_file(osp.join(out, 'meta', 'train.txt'), train)
    write_ann_file(osp.join(out, 'meta', 'val.txt'), val)
    _write_classes(osp.join(out, 'meta', 'classes.txt'), classes)
    return _summarize(out, 'images', {
        'source': src,
        'split': f'stratified val_ratio={val_ratio} seed={seed}'
    }, allow_empty_classes)


def _write_trainval(out: str) -> None:
    """``meta/trainval.txt``: train then val, for k-fold and final models.

    k-fold cross-validation over all labelled images
    (``tools/kfold.py --trainval``) and a final model trained on every
    labelled image (``train_dataloader.dataset.ann_file=meta/trainval.txt``)
    read it.
    """
    meta = osp.join(out, 'meta')
    lines = []
    for split in ('train', 'val'):
        with open(osp.join(meta, f'{split}.txt'), encoding='utf-8') as f:
            lines += [line.rstrip('\n') for line in f if line.strip()]
    with atomic_write(
            osp.join(meta, 'trainval.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def _summarize(out: str,
               prefix: str,
               info: dict,
               allow_empty_classes: bool = False) -> dict:
    """Write trainval.txt, load the splits back (all checks), count them."""
    _write_trainval(out)
    classes = osp.join(out, 'meta', 'classes.txt')
    for split in ('train', 'val', 'trainval'):
        ds = GarbageDataset(
            data_root=out,
            ann_file=f'meta/{split}.txt',
            data_prefix=prefix,
            classes=classes,
            test_mode=split != 'train',
            lazy_init=False,
            allow_empty_classes=allow_empty_classes or None)
        info[split] = len(ds)
    info['classes'] = len(read_class_names(classes))
    info['out'] = out
    return info

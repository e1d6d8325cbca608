"""The data set layouts ``GarbageDataset`` reads: detecting one, reading
a label list line and the Huawei 2019 ``train_data`` folder."""
import glob
import os
import os.path as osp
import re
from typing import List, Sequence, Tuple

from mmengine.logging import MMLogger

from ..errors import DataError
from ..utils.images import IMG_EXTENSIONS, natural_key

LAYOUTS = ('auto', 'list', 'folder', 'huawei', 'unlabeled')
HUAWEI_RULE = 'garbage_classify_rule.json'


def parse_ann_line(line: str, ann_file: str, lineno: int) -> Tuple[str, int]:
    """Parse ``<relative path> <label>`` (also ``<path>, <label>``).

    Args:
        line: One stripped line.
        ann_file: The file it came from (for the error message).
        lineno: Its 1-based line number.

    Returns:
        ``(path, label)``.
    """
    parts = line.rsplit(',', 1) if ',' in line else line.rsplit(None, 1)
    parts = [x.strip() for x in parts]
    if len(parts) != 2 or not parts[0] or not re.fullmatch(r'-?\d+', parts[1]):
        raise DataError(
            f'Malformed line {lineno} in label file {ann_file}: {line!r}.',
            fix='each line must be "<relative image path> <integer label>", '
            'e.g. "glass/glass1.jpg 1".',
            path=ann_file)
    return parts[0], int(parts[1])


def _is_label_line(line: str) -> bool:
    try:
        parse_ann_line(line, '', 1)
        return True
    except DataError:
        return False


def detect_layout(
        folder: str,
        extensions: Sequence[str] = IMG_EXTENSIONS) -> Tuple[str, str]:
    """Decide between the folder and Huawei layouts from the tree itself.

    Class sub-folders holding images mean ``'folder'``; ``img_N.jpg`` files
    with an ``img_N.txt`` beside them at the top mean ``'huawei'``. Loose
    text files (a README.txt, a label list) decide nothing.

    Args:
        folder: The image folder (``data_prefix``).
        extensions: Image file extensions.

    Returns:
        ``(layout, reason)``, the reason for the log.

    Raises:
        DataError: When the tree holds both, or neither (with what to set).
    """
    extensions = tuple(e.lower() for e in extensions)
    entries = sorted(os.listdir(folder))
    files = {e for e in entries if osp.isfile(osp.join(folder, e))}
    images = sorted((f for f in files if f.lower().endswith(extensions)),
                    key=natural_key)
    pairs = [f for f in images if osp.splitext(f)[0] + '.txt' in files]
    class_dirs = []
    for d in entries:
        path = osp.join(folder, d)
        if not osp.isdir(path):
            continue
        for _, _, names in os.walk(path, followlinks=True):
            if any(n.lower().endswith(extensions) for n in names):
                class_dirs.append(d)
                break
    if class_dirs and pairs:
        raise DataError(
            f'Cannot tell the layout of {folder}: it has both class '
            f'sub-folders with images ({", ".join(class_dirs[:3])}...) and '
            f'image + label-file pairs ({pairs[0]} with '
            f'{osp.splitext(pairs[0])[0]}.txt).',
            fix="set layout='folder' (one sub-folder per class) or "
            "layout='huawei' (img_N.jpg + img_N.txt) in the dataset config, "
            'e.g. --cfg-options train_dataloader.dataset.layout=folder, or '
            'move the other files away.',
            path=folder)
    if class_dirs:
        return 'folder', (f'{len(class_dirs)} sub-folders with images' +
                          (f'; {len(images)} loose images at the top are '
                           'not used' if images else ''))
    if pairs:
        return 'huawei', (f'{len(pairs)} image + label-file pairs such as '
                          f'{pairs[0]}')
    if images:
        raise DataError(
            f'Cannot tell the labels of {folder}: it holds {len(images)} '
            'images but no class sub-folders and no img_N.txt label files.',
            fix="for a test folder without labels set layout='unlabeled' "
            '(or run tools/test.py with --test-dir FOLDER); for training, '
            'put the images in one sub-folder per class, or give an ann_file '
            'list ("<path> <label>" lines).',
            path=folder)
    raise DataError(
        f'No images found in {folder}.',
        fix=f'supported extensions: {tuple(extensions)}; check '
        'data_root/data_prefix in the config.',
        path=folder)


def scan_huawei_folder(folder: str) -> List[Tuple[str, int]]:
    """Read the Huawei 2019 ``train_data`` layout.

    Every ``img_N.jpg`` has an ``img_N.txt`` beside it holding one line
    ``img_N.jpg, <label>``.

    Args:
        folder: The ``train_data`` folder.

    Returns:
        ``(file name, label)`` pairs in natural file-name order.
    """
    samples = []
    names = set(os.listdir(folder)) if osp.isdir(folder) else set()
    for txt in sorted(glob.glob(osp.join(folder, '*.txt')), key=natural_key):
        with open(txt, encoding='utf-8-sig') as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        stem = osp.splitext(osp.basename(txt))[0]
        paired = any(n != osp.basename(txt) and osp.splitext(n)[0] == stem
                     for n in names)
        if not paired and not (len(lines) == 1 and _is_label_line(lines[0])):
            # README.txt and the like: no image beside it, not a label line
            MMLogger.get_current_instance().warning(
                f'Ignored {txt}: no image of that name beside it and not a '
                '"img_N.jpg, <label>" line.')
            continue
        if len(lines) != 1:
            raise DataError(
                f'Label file {txt} has {len(lines)} lines; expected one line '
                '"img_N.jpg, <label>".',
                fix='repair or delete the file.',
                path=txt)
        samples.append(parse_ann_line(lines[0], txt, 1))
    return samples

"""Reading class-name files and the waste bin each class belongs to."""
import json
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import DataError

# The four top-level bins of Chinese garbage sorting and their English names.
BIN_ALIASES = {
    '可回收物': 'recyclable',
    '厨余垃圾': 'kitchen',
    '湿垃圾': 'kitchen',
    '有害垃圾': 'hazardous',
    '其他垃圾': 'other',
    '干垃圾': 'other',
    'recyclable': 'recyclable',
    'kitchen': 'kitchen',
    'food': 'kitchen',
    'hazardous': 'hazardous',
    'other': 'other',
    'residual': 'other',
}


def read_class_names(path: str) -> List[str]:
    """Read class names from a ``.txt`` (one per line) or ``.json`` file.

    A JSON file is either a list of names or a mapping ``{"0": name, ...}``
    (the Huawei ``garbage_classify_rule.json``); keys must be 0..N-1.

    Args:
        path: The class-names file.

    Returns:
        The class names in label order.
    """
    if not osp.isfile(path):
        raise DataError(
            f'Class-names file {path} does not exist.',
            fix='check `classes=` in the dataset config (relative '
            'paths are taken from data_root).',
            path=path)
    try:
        with open(path, encoding='utf-8-sig') as f:
            text = f.read()
    except UnicodeDecodeError:
        raise DataError(
            f'Class-names file {path} is not UTF-8 text.',
            fix='save it as UTF-8 (Chinese names are fine).',
            path=path) from None
    if path.lower().endswith('.json'):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                f'Class-names file {path} is not valid JSON '
                f'(line {exc.lineno}: {exc.msg}).',
                fix='fix the JSON syntax.',
                path=path) from None
        if isinstance(data, dict) and data and all(
                isinstance(v, int) for v in data.values()):
            data = {str(v): k for k, v in data.items()}  # {"name": index}
        if isinstance(data, list):
            names = [str(x) for x in data]
        elif isinstance(data, dict):
            if not all(re.fullmatch(r'\d+', str(k)) for k in data):
                raise DataError(
                    f'Class-names file {path} maps non-integer keys.',
                    fix='use {"0": "name", ...} or {"name": 0, ...}.',
                    path=path)
            items = sorted((int(k), str(v)) for k, v in data.items())
            if [k for k, _ in items] != list(range(len(items))):
                raise DataError(
                    f'Class-names file {path} must number its classes 0..'
                    f'{len(items) - 1} without gaps.',
                    fix='renumber the keys.',
                    path=path)
            names = [v for _, v in items]
        else:
            raise DataError(
                f'Class-names file {path} holds neither a list '
                'nor a {index: name} mapping.',
                path=path)
    else:
        names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise DataError(
            f'Class-names file {path} is empty.',
            fix='list one class name per line.',
            path=path)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(
            f'Class-names file {path} repeats {dup}.',
            fix='give every class a unique name.',
            path=path)
    return names


def split_bins(
    classes: Sequence[str],
    class_bins: Optional[Dict[str, str]] = None,
) -> Tuple[Optional[Tuple[str, ...]], Optional[Tuple[int, ...]]]:
    """Find the top-level bin of each class.

    Bins come from ``class_bins`` (``{class name: bin}``) when given, else from
    names of the form ``"<bin>/<item>"`` such as ``"可回收物/易拉罐"``.

    Args:
        classes: Class names in label order.
        class_bins: Optional explicit mapping from class name to bin.

    Returns:
        ``(bins, class_to_bin)``: the bin names in first-seen order and, per
        class, the index of its bin; ``(None, None)`` when not every class has
        a bin.
    """
    per_class = []
    for name in classes:
        if class_bins is not None:
            if name not in class_bins:
                raise DataError(
                    f'class_bins gives no bin for class {name!r}.',
                    fix='add every class to class_bins in the config.')
            per_class.append(class_bins[name])
        elif '/' in name:
            per_class.append(name.split('/', 1)[0].strip())
        else:
            return None, None
    bins: List[str] = []
    for b in per_class:
        if b not in bins:
            bins.append(b)
    return tuple(bins), tuple(bins.index(b) for b in per_class)

"""Chinese and English names of classes and bins, and the bins' colours.

Class names in this project are English (TrashNet: ``glass``), Chinese with
their bin (Huawei garbage_classify: ``可回收物/易拉罐``) or whatever a user's
folders are called. The demo shows both languages where it knows them: the
built-in table covers TrashNet and the four bins; a user adds their own with
``tools/demo.py --names names.json`` (``{"class": "中文 / English"}``).
"""
import json
import os.path as osp
from typing import Dict, Optional

from ..datasets.class_names import BIN_ALIASES
from ..errors import DataError

#: the four bins of Chinese garbage sorting: Chinese name, English name and
#: the colour of the bin (as in GB/T 19095-2019: blue, green, red, grey)
BINS = {
    'recyclable': ('可回收物', 'recyclable', '#1565c0'),
    'kitchen': ('厨余垃圾', 'kitchen waste', '#2e7d32'),
    'hazardous': ('有害垃圾', 'hazardous', '#c62828'),
    'other': ('其他垃圾', 'other waste', '#546e7a'),
}
BIN_COLOURS = {k: v[2] for k, v in BINS.items()}

#: Chinese names of the TrashNet classes
ZH = {
    'glass': '玻璃',
    'paper': '纸',
    'cardboard': '纸板',
    'plastic': '塑料',
    'metal': '金属',
    'trash': '其他垃圾',
}


def bin_key(name: Optional[str]) -> Optional[str]:
    """The canonical bin (``recyclable/kitchen/hazardous/other``) of a name.

    Args:
        name: A bin name in Chinese or English (``可回收物``, ``residual``).

    Returns:
        The key of :data:`BINS`, or ``None`` when unknown.
    """
    if name is None:
        return None
    return BIN_ALIASES.get(
        str(name).strip().lower(), BIN_ALIASES.get(str(name).strip()))


def _has_cjk(text: str) -> bool:
    return any('\u4e00' <= ch <= '\u9fff' for ch in text)


def display_name(cls: str, extra: Optional[Dict[str, str]] = None) -> str:
    """A class name in Chinese and English where known.

    Args:
        cls: The class name of the data set.
        extra: User names (``--names``), used as given.

    Returns:
        ``'玻璃 / glass'``; ``'易拉罐'`` for ``'可回收物/易拉罐'`` (the bin is
        shown separately); the name itself otherwise.
    """
    if extra and cls in extra:
        return extra[cls]
    item = cls.split(
        '/', 1)[1] if '/' in cls and bin_key(cls.split('/', 1)[0]) else cls
    if item.lower() in ZH:
        return f'{ZH[item.lower()]} / {item}'
    return item


def bin_label(name: Optional[str]) -> Optional[str]:
    """``'可回收物 / recyclable'`` for a bin name, or the name itself."""
    key = bin_key(name)
    if key is None:
        return name
    zh, en, _ = BINS[key]
    return f'{zh} / {en}'


def read_names(path: str) -> Dict[str, str]:
    """Read ``--names``: a JSON object ``{class name: display name}``.

    Args:
        path: The JSON file (UTF-8).

    Returns:
        The mapping.
    """
    if not osp.isfile(path):
        raise DataError(f'Names file {path} does not exist.', path=path)
    try:
        with open(path, encoding='utf-8-sig') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f'Names file {path} is not UTF-8 JSON ({exc}).',
            fix='write {"class": "中文 / English", ...}.',
            path=path) from None
    if not isinstance(data, dict):
        raise DataError(
            f'Names file {path} must hold one JSON object.',
            fix='write {"class": "中文 / English", ...}.',
            path=path)
    return {str(k): str(v) for k, v in data.items()}

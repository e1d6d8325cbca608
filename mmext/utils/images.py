"""Image files: which names count as images, listing them, checking them.

One home for what the data sets, the analysis tools, inference and the ONNX
export all need:

- :data:`IMG_EXTENSIONS` and :func:`natural_key` (``img_2`` before
  ``img_10``);
- :func:`list_images`: image files and folders to a list of images;
- :func:`image_problem`: the quick check of a data set load (does OpenCV
  decode it?);
- :func:`inspect_image`: the full look of the data set report (hash, size,
  colour mode, truncation), decoding as training does.
"""
import hashlib
import io
import os
import os.path as osp
import re
from typing import List, Optional, Sequence, Union

import mmcv
import numpy as np
from PIL import Image

from ..errors import DataError

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')


def natural_key(path: str):
    """Sort key that puts ``img_2`` before ``img_10``."""
    return [
        int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', path)
    ]


def list_images(paths: Union[str, Sequence[str]]) -> List[str]:
    """Image files, and every image below folders (natural order per folder).

    Args:
        paths: An image file or a folder, or a list of them.

    Returns:
        Image paths: files as given, then each folder's images (followed
        symlinks included), in the order of ``paths``.

    Raises:
        DataError: A path that is neither a file nor a folder, or no image
            found at all.
    """
    items = [paths] if isinstance(paths, str) else list(paths)
    files = []
    for path in items:
        if osp.isfile(path):
            files.append(path)
            continue
        if not osp.isdir(path):
            raise DataError(
                f'{path} is neither an image nor a folder.',
                fix='pass an image file or a folder of images.',
                path=path)
        found = [
            osp.join(root, n)
            for root, _, names in os.walk(path, followlinks=True)
            for n in names if n.lower().endswith(IMG_EXTENSIONS)
        ]
        files += sorted(found, key=natural_key)
    if not files:
        where = items[0] if len(items) == 1 else items
        raise DataError(
            f'No images found in {where}.',
            fix=f'supported extensions: {IMG_EXTENSIONS}.',
            path=items[0] if len(items) == 1 else None)
    return files


def image_problem(path: str) -> Optional[str]:
    """Say why ``path`` cannot be decoded as an image, or ``None`` if it can.

    Args:
        path: An image file.

    Returns:
        A short reason, or ``None`` when OpenCV decodes it.
    """
    if not osp.isfile(path):
        return 'the file does not exist'
    if osp.getsize(path) == 0:
        return 'the file is empty (0 bytes)'
    try:
        img = mmcv.imread(path)
    except Exception as exc:  # noqa: BLE001
        return f'{type(exc).__name__}: {exc}'
    if img is None:
        return ('it is not an image OpenCV can decode '
                '(corrupt or another format)')
    return None


def inspect_image(path: str) -> dict:
    """Hash, decode (with mmcv, as training does) and measure one image.

    Args:
        path: The image file.

    Returns:
        ``sha1, width, height, mode, readable, error, truncated``.
    """

    info = dict(
        sha1='',
        width=np.nan,
        height=np.nan,
        mode='',
        readable=False,
        error='',
        truncated=False)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as exc:
        info['error'] = f'cannot open ({exc.strerror or exc})'
        return info
    info['sha1'] = hashlib.sha1(data).hexdigest()
    if not data:
        info['error'] = 'empty file'
        return info
    try:
        with Image.open(io.BytesIO(data)) as im:
            info['mode'] = im.mode
            info['width'], info['height'] = im.size
            fmt = im.format
    except Exception as exc:  # PIL raises many types on garbage
        info['error'] = f'not an image ({type(exc).__name__})'
        return info
    img = mmcv.imfrombytes(data, flag='color')
    if img is None:
        info['error'] = 'OpenCV cannot decode it'
        return info
    info['readable'] = True
    if fmt == 'JPEG' and not data.rstrip(b'\0').endswith(b'\xff\xd9'):
        info['truncated'] = True
    return info

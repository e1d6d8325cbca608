"""Generated image folders shared by the benchmark scripts.

The benchmarks need many small images that exist nowhere else (a test folder
of 20,000 images). They are written here, once, and kept: a second run that
asks for the same folder reuses the images already there. The test suite has
its own generators in ``tests/conftest.py`` (class-coloured images that the
colour-order tests depend on); these are plain noise, and ``mmext`` holds no
code that only benchmarks or tests use.
"""
import os
import os.path as osp
from typing import List

import numpy as np


def write_image_folder(folder: str,
                       count: int,
                       size: int = 32,
                       ext: str = '.jpg',
                       seed: int = 0) -> List[str]:
    """Fill ``folder`` with ``img_1<ext>`` .. ``img_<count><ext>``.

    Each image is ``size`` x ``size`` random RGB noise; image ``i`` is the
    same for every call with the same ``seed`` (its generator is seeded with
    ``(seed, i)``), so a folder grown from 2,000 to 20,000 images holds the
    same first 2,000. Images already in ``folder`` are not rewritten.

    Args:
        folder: Destination (created if needed).
        count: Number of images.
        size: Side length in pixels.
        ext: ``'.jpg'`` or ``'.png'``.
        seed: Base seed.

    Returns:
        The paths of the ``count`` images, in numeric order.
    """
    import cv2
    os.makedirs(folder, exist_ok=True)
    paths = [osp.join(folder, f'img_{i + 1}{ext}') for i in range(count)]
    for i, path in enumerate(paths):
        if osp.exists(path):
            continue
        rng = np.random.default_rng((seed, i))
        img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        ok, data = cv2.imencode(ext, img)
        if not ok:
            raise RuntimeError(f'could not encode {path}')
        tmp = f'{path}.part'
        with open(tmp, 'wb') as f:  # a killed run leaves no half image
            f.write(data.tobytes())
        os.replace(tmp, path)
    return paths

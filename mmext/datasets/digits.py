"""scikit-learn's bundled handwritten digits as an image data set.

The offline stand-in for MNIST in the LeNet-5 warm-up: 1,797 8x8 grey
images of the digits 0-9 that ship inside scikit-learn (no download),
scaled to 0-255 ``uint8`` and split deterministically (stratified, seeded)
into train and test. Samples look like mmpretrain's ``MNIST`` ones
(``img`` array + ``gt_label``), so the same pipeline works for both.
"""
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from ..errors import ConfigError, DataError

SPLITS = ('train', 'test')


def load_sklearn_digits(split: str = 'train',
                        test_ratio: float = 0.25,
                        seed: int = 0):
    """Load one split of ``sklearn.datasets.load_digits``.

    Args:
        split: ``'train'`` or ``'test'``.
        test_ratio: Fraction of each class that goes to the test split.
        seed: Seed of the stratified split (the same seed always gives the
            same split).

    Returns:
        ``(images, labels, indices)``: ``uint8`` images ``(N, 8, 8)`` in
        0-255, ``int64`` labels and the indices into the full set.
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise DataError(
            'The digits data set needs scikit-learn, which is not installed.',
            fix='pip install scikit-learn (or use the MNIST config online).'
        ) from None
    if split not in SPLITS:
        raise ConfigError(
            f'Unknown digits split {split!r}.', fix=f'use one of {SPLITS}.')
    if not 0 < test_ratio < 1:
        raise ConfigError(f'test_ratio must be in (0, 1), got {test_ratio}.')
    digits = load_digits()
    labels = digits.target.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)),
        test_size=test_ratio,
        random_state=seed,
        stratify=labels)
    idx = np.sort(train_idx if split == 'train' else test_idx)
    # 0..16 ink levels -> 0..255 grey values
    images = np.round(digits.images[idx] * (255.0 / 16.0)).astype(np.uint8)
    return images, labels[idx], idx


@DATASETS.register_module()
class SklearnDigits(BaseDataset):
    """scikit-learn's 8x8 handwritten digits, served like mmpretrain's MNIST.

    Each sample is ``dict(img=<8x8 uint8>, gt_label=<int>)``; resize it to
    32x32 in the pipeline for LeNet-5 (``dict(type='Resize', scale=32)``).

    Args:
        split: ``'train'`` or ``'test'``.
        test_ratio: Fraction of each class held out for ``'test'``.
        seed: Seed of the deterministic stratified split.
        indices: Keep only these (int: the first N) samples, as in
            :class:`mmengine.dataset.BaseDataset`.
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``test_mode``, ...).
    """

    METAINFO = {'classes': tuple(str(i) for i in range(10))}

    def __init__(self,
                 split: str = 'train',
                 test_ratio: float = 0.25,
                 seed: int = 0,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.split = split
        self.test_ratio = test_ratio
        self.seed = seed
        super().__init__(ann_file='', metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the split's images and labels from scikit-learn."""
        images, labels, idx = load_sklearn_digits(self.split, self.test_ratio,
                                                  self.seed)
        return [
            {
                'img': img,
                'gt_label': int(lbl),
                'img_path': f'digits/{i:04d}'
            }  # a name for CSVs, not a file
            for img, lbl, i in zip(images, labels, idx)
        ]

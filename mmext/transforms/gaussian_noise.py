"""``GaussianNoise``: add zero-mean Gaussian pixel noise (mmpretrain has none).

The other per-image transforms of the garbage write-ups exist in mmpretrain
(``ColorJitter`` for brightness/contrast/saturation, ``Sharpness`` and
``Rotate`` with a uniform ``magnitude_range``): see
``configs/ablations/*_photogeo.py`` and docs/augmentations.md.
"""
from numbers import Number
from typing import Dict, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS

from ..errors import ConfigError

_EXAMPLE = "e.g. dict(type='GaussianNoise', sigma_range=(0., 5.), prob=0.5)"


def _check_range(
        name: str,
        value,
        low: float,
        high: float = float('inf'),
) -> Tuple[float, float]:
    """Validate a ``(min, max)`` pair within ``[low, high]``."""
    ok = (
        isinstance(value, Sequence) and not isinstance(value, str)
        and len(value) == 2 and all(
            isinstance(v, Number) and not isinstance(v, bool) for v in value)
        and low <= value[0] <= value[1] <= high)
    if not ok:
        raise ConfigError(
            f'GaussianNoise {name} must be a pair (min, max) with '
            f'{low} <= min <= max <= {high}, got {value!r}.',
            fix=_EXAMPLE)
    return float(value[0]), float(value[1])


@TRANSFORMS.register_module()
class GaussianNoise(BaseTransform):
    """Add Gaussian noise with a standard deviation drawn per image.

    For each image (with probability ``prob``) a sigma is drawn uniformly from
    ``sigma_range`` (in pixel units, 0-255 for uint8 images) and
    ``N(0, sigma^2)`` noise is added to every pixel (and channel, unless
    ``per_channel=False`` which adds the same noise to all channels). Integer
    images are rounded and clipped to their dtype's range, so unlike the
    write-up's ``astype('uint8')`` negative noise never wraps around to 255.
    The output keeps the input's shape and dtype. Randomness comes from
    numpy's global generator, which mmengine seeds (``randomness.seed``).

    **Required Keys:** img. **Modified Keys:** img.

    Args:
        sigma_range: ``(min, max)`` of the noise's standard deviation, >= 0.
            Defaults to ``(0., 5.)`` (the write-up's ``max_sigma=5``).
        prob: Probability of adding noise to an image, in [0, 1]. Defaults
            to 0.5.
        per_channel: Independent noise per channel (True) or one noise map
            shared by the channels (False). Defaults to True.
    """

    def __init__(self,
                 sigma_range: Tuple[float, float] = (0., 5.),
                 prob: float = 0.5,
                 per_channel: bool = True):
        self.sigma_range = _check_range('sigma_range', sigma_range, 0.)
        if isinstance(prob, bool) or not isinstance(prob, Number) \
                or not 0. <= prob <= 1.:
            raise ConfigError(
                'GaussianNoise prob must be a number in [0, 1], '
                f'got {prob!r}.',
                fix=_EXAMPLE)
        self.prob = float(prob)
        self.per_channel = bool(per_channel)

    @cache_randomness
    def _rand_params(self) -> Tuple[bool, float]:
        """Draw whether to apply and the sigma."""
        apply = np.random.rand() < self.prob
        sigma = np.random.uniform(*self.sigma_range)
        return bool(apply), float(sigma)

    def transform(self, results: Dict) -> Dict:
        """Add the noise to ``results['img']``.

        Args:
            results: The pipeline's result dict.

        Returns:
            The same dict with a noisy ``img``.
        """
        img = results['img']
        apply, sigma = self._rand_params()
        if not apply or sigma == 0.:
            return results
        shape = img.shape if self.per_channel or img.ndim < 3 \
            else img.shape[:2] + (1, )
        noise = np.random.normal(0., sigma, size=shape)
        noisy = img.astype(np.float64) + noise
        if np.issubdtype(img.dtype, np.integer):
            info = np.iinfo(img.dtype)
            noisy = np.clip(np.rint(noisy), info.min, info.max)
        results['img'] = noisy.astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sigma_range={self.sigma_range}, '
                f'prob={self.prob}, per_channel={self.per_channel})')

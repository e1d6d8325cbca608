"""Data transforms, registered into mmpretrain's ``TRANSFORMS`` on import.

- :class:`GaussianNoise`: additive Gaussian pixel noise.
"""
from .gaussian_noise import GaussianNoise

__all__ = ['GaussianNoise']

"""Data transforms, registered into mmpretrain's ``TRANSFORMS`` on import.

- :class:`GaussianNoise`: additive Gaussian pixel noise.
- :class:`LoadTeacherScores`: distillation targets from a teacher-score
  cache (a predictions CSV).
"""
from .gaussian_noise import GaussianNoise
from .teacher_scores import LoadTeacherScores

__all__ = ['GaussianNoise', 'LoadTeacherScores']

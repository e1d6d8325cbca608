"""Batch augments, registered into mmpretrain's ``BATCH_AUGMENTS`` on import.

- :class:`SamplePairing`: averages each image with another of the batch; its
  schedule is :class:`mmext.engine.hooks.SamplePairingHook`.
"""
from .sample_pairing import SamplePairing

__all__ = ['SamplePairing']

"""Metrics, registered into mmpretrain's ``METRICS`` on import, and the
predictions table.

- :class:`BinAccuracy`: accuracy of the garbage bin (recyclable, ...).
- :class:`SubmissionWriter`: writes the predictions CSV of ``tools/test.py``.
"""
from .bin_accuracy import BinAccuracy
from .submission import SubmissionWriter, predictions_frame, write_csv

__all__ = ['BinAccuracy', 'SubmissionWriter', 'predictions_frame', 'write_csv']

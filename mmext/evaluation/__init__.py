from .bin_accuracy import BinAccuracy
from .submission import SubmissionWriter, predictions_frame, write_csv

__all__ = ['BinAccuracy', 'SubmissionWriter', 'predictions_frame', 'write_csv']

"""Looking at data, runs and predictions: plain library code behind
``tools/analysis/*.py`` (nothing here registers into mmpretrain).

- :mod:`.dataset_report`: images per class, empty/tiny classes, duplicates,
  unreadable images, sizes and colour modes, with problems graded by severity
  (:mod:`.dataset_splits` finds the splits, :mod:`.dataset_problems` grades).
- :mod:`.curves`: train loss / val metric / learning rate per epoch from
  mmengine's ``vis_data/scalars.json`` (resumed runs merged).
- :mod:`.compare`: ablation table and resolved-config diff of several runs.
- :mod:`.error_analysis`: confusion matrices, per-class precision/recall,
  most-confused pairs and a contact sheet of mistakes from a predictions CSV
  (read by :func:`mmext.evaluation.submission.read_predictions`).
"""
from .compare import (config_diff, flatten_config, format_table, load_run,
                      runs_table)
from .curves import plot_curves, read_scalars
from .dataset_problems import Problem, find_problems
from .dataset_report import DatasetReport, scan_dataset
from .dataset_splits import splits_from_config, splits_from_folder
from .error_analysis import ErrorAnalysis, analyse_predictions

__all__ = [
    'DatasetReport', 'Problem', 'scan_dataset', 'find_problems',
    'splits_from_config', 'splits_from_folder', 'read_scalars', 'plot_curves',
    'flatten_config', 'config_diff', 'load_run', 'runs_table', 'format_table',
    'ErrorAnalysis', 'analyse_predictions'
]

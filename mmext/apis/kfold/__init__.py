"""k-fold cross-validation with mmpretrain's ``KFoldDataset``.

:func:`kfold_configs` rewrites a training config into K configs. Fold ``i``
trains on ``KFoldDataset(base, fold=i, test_mode=False)`` (the other K-1
parts) and validates and tests on ``KFoldDataset(base, fold=i,
test_mode=True)`` (part ``i``), where ``base`` is the config's training data
set in both cases, shuffled once with the same ``seed``. The val/test side
keeps the config's test pipeline. The config's own validation set is not
used, so it stays untouched for a final comparison.

:func:`run_kfold` trains the folds one after another and reports each fold's
last validation metric with their mean and (sample) standard deviation.

Its parts: :mod:`.configs` rewrites the config, :mod:`.layout` finds the
folds' work dirs, :mod:`.train` trains them, :mod:`.evaluate` tests them
again (soup, ensemble, TTA, teacher scores) and :mod:`.report` computes the
statistics and tables; :mod:`.command` is ``tools/kfold.py``'s arguments,
checks and report files.
"""
from .command import kfold_parser, run_command
from .configs import (KFOLD_TYPE, TEACHER_TYPE, WRAPPERS, fold_indices,
                      heldout_indices, heldout_test_config, kfold_configs,
                      set_teacher_scores, use_trainval)
from .evaluate import ENSEMBLE_METRIC, evaluate_folds, teacher_scores
from .layout import fold_config, last_checkpoint
from .report import (compare_reports, format_paired, format_report,
                     load_report, paired_differences, summarize)
from .train import run_kfold, train_fold

__all__ = [
    'kfold_configs', 'run_kfold', 'train_fold', 'summarize', 'format_report',
    'evaluate_folds', 'heldout_indices', 'heldout_test_config',
    'last_checkpoint', 'paired_differences', 'format_paired', 'fold_indices',
    'teacher_scores', 'set_teacher_scores', 'use_trainval', 'fold_config',
    'load_report', 'compare_reports', 'KFOLD_TYPE', 'TEACHER_TYPE', 'WRAPPERS',
    'ENSEMBLE_METRIC', 'kfold_parser', 'run_command'
]

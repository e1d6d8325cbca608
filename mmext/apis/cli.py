"""Old name of :mod:`mmext.apis.train_test`; do not import it in new code.

Kept only because :mod:`mmext.apis.kfold` still imports ``build_runner``,
``_fit_dataloaders``, ``run_test`` and ``test_parser`` from here; delete this
file once those imports read ``from .train_test import ...``.
"""
from .train_test import _fit_dataloaders, build_runner, run_test, test_parser

__all__ = ['_fit_dataloaders', 'build_runner', 'run_test', 'test_parser']

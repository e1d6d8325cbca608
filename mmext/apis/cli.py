"""Old name of :mod:`mmext.apis.train_test`; do not import it in new code.

Kept only because :mod:`mmext.apis.kfold` still imports ``build_runner`` and
``_fit_dataloaders`` from here; delete this file once that import reads
``from .train_test import ...``.
"""
from .train_test import _fit_dataloaders, build_runner  # noqa: F401

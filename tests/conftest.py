"""Fixtures only: tiny generated image sets and ../shared.

The helpers tests import (paths, image generators, tiny configs, run_tool)
live in ``tests/helpers.py``.
"""
import logging
import os
from pathlib import Path

import pytest

import mmext  # noqa: F401  (registers modules, applies compat fixes)
from helpers import SHARED, make_folder_set, make_list_set

os.environ.setdefault('OMP_NUM_THREADS', '2')


def _detach_closed_log_files() -> None:
    from mmengine.logging import MMLogger
    for logger in list(MMLogger._instance_dict.values()):
        for handler in list(logger.handlers):
            if (isinstance(handler, logging.FileHandler)
                    and handler.stream is None):
                logger.removeHandler(handler)


@pytest.fixture(autouse=True, scope='module')
def _no_closed_log_files():
    """Detach log files that finished runs closed from mmengine's loggers.

    A runner of an earlier test leaves its (closed) log file handler on the
    MMLogger instances, and mmengine writes a model's initialisation info
    straight to the current logger's file streams, which then fails (seen
    in a module fixture that built a model after other modules' runs).
    Module-scoped and autouse, so it runs before a module's own fixtures.
    """
    _detach_closed_log_files()
    yield
    _detach_closed_log_files()


@pytest.fixture
def shared_dir() -> Path:
    """The real sample data beside the checkout (skip when absent)."""
    if not (SHARED / 'data' / 'trashnet-150px').is_dir():
        pytest.skip(f'{SHARED} with the TrashNet sample data is not present '
                    '(it sits beside the checkout in CI and development)')
    return SHARED


@pytest.fixture
def folder_set(tmp_path) -> Path:
    return make_folder_set(tmp_path / 'images')


@pytest.fixture
def list_set(tmp_path) -> Path:
    """A TrashNet-like layout: images/<class>/...,
    meta/{classes,train,val}.txt."""
    return make_list_set(tmp_path / 'tiny')

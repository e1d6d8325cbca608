"""Helpers the rest of :mod:`mmext` shares, each defined once here.

- :mod:`.images`: image extensions, listing and checking image files.
- :mod:`.figures`: :func:`save_figure` (matplotlib PNG, atomic).
- :mod:`.known_warnings`: :func:`silence_known_warnings`.
- :mod:`.mim`: :func:`mim_tool`, mmpretrain's own ``tools/*.py`` as modules.
- :mod:`.arguments`: the command-line arguments many ``tools/*.py`` share
  (imported by the tools only).

(Writing files atomically is :mod:`mmext.fileio`, progress output
:mod:`mmext.progress`, errors :mod:`mmext.errors`.)
"""
from .figures import save_figure
from .images import (IMG_EXTENSIONS, image_problem, inspect_image, list_images,
                     natural_key)
from .known_warnings import silence_known_warnings
from .mim import mim_tool

__all__ = [
    'IMG_EXTENSIONS', 'image_problem', 'inspect_image', 'list_images',
    'natural_key', 'mim_tool', 'save_figure', 'silence_known_warnings'
]

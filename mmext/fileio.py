"""Atomic file writes: a crash mid-write never leaves a half-written output."""
import contextlib
import os
import tempfile
from typing import Iterator

from .errors import ConfigError


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', **open_kwargs) -> Iterator:
    """Open a temporary file beside ``path`` and move it over ``path`` on success.

    The previous file at ``path`` (if any) stays intact until the new content
    is completely written and flushed to disk.

    Args:
        path: Destination file.
        mode: ``'w'`` for text, ``'wb'`` for bytes.
        **open_kwargs: Passed to :func:`open` (e.g. ``encoding``).

    Yields:
        The open temporary file object.
    """
    path = os.path.abspath(os.path.expanduser(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ConfigError(
            f'Cannot write {path}: the folder {folder} does not exist.',
            fix=f'create it first (mkdir -p {folder}) or choose another path.',
            path=path)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{os.path.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_writable(path: str) -> None:
    """Fail early, before hours of work, if ``path`` cannot be written.

    Args:
        path: An output file that will be written later.
    """
    folder = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(folder):
        raise ConfigError(
            f'Cannot write {path}: the folder {folder} does not exist.',
            fix=f'create it first (mkdir -p {folder}) or choose another path.',
            path=path)
    if os.path.isdir(path):
        raise ConfigError(f'{path} is a folder, not a file name.',
                          fix='give a file name such as preds.csv.', path=path)
    if not os.access(folder, os.W_OK):
        raise ConfigError(f'Cannot write into {folder}.',
                          fix='choose a folder you can write to.', path=path)

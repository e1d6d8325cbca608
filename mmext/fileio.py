"""Atomic file writes: a crash mid-write never leaves a half-written output."""
import contextlib
import hashlib
import os
import tempfile
from typing import Iterator

from mmengine.fileio import LocalBackend, register_backend

from .errors import ConfigError


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', **open_kwargs) -> Iterator:
    """Open a temporary file beside ``path`` and move it over ``path`` on
    success.

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
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600
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
        raise ConfigError(
            f'{path} is a folder, not a file name.',
            fix='give a file name such as preds.csv.',
            path=path)
    if not os.access(folder, os.W_OK):
        raise ConfigError(
            f'Cannot write into {folder}.',
            fix='choose a folder you can write to.',
            path=path)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend, but ``put``/``put_text`` write atomically.

    Select it for checkpoints with
    ``default_hooks.checkpoint.backend_args=dict(backend='atomic_local')``
    (the project's default runtime does): a kill while a checkpoint is being
    written leaves the previous file intact.
    """

    def put(self, obj: bytes, filepath) -> None:
        """Write bytes to ``filepath`` atomically (creating its folder)."""
        os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
        with atomic_write(str(filepath), 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (creating its folder)."""
        os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
        with atomic_write(str(filepath), 'w', encoding=encoding) as f:
            f.write(obj)


register_backend('atomic_local', AtomicLocalBackend, force=True)


def file_hash(path: str, algorithm: str = 'sha256') -> str:
    """Hex digest of a file's bytes, read in 1 MiB blocks.

    Args:
        path: The file.
        algorithm: A :mod:`hashlib` algorithm name.

    Returns:
        The full hex digest.
    """
    h = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()

"""Clear, one-paragraph errors for the faults users actually meet."""
import functools
import os
import sys
from typing import Callable, Optional


class GarbageError(Exception):
    """An error with a message meant for the user, not a traceback.

    Args:
        message: What went wrong (name the file).
        fix: What to do about it.
        path: The file or folder at fault, if any.
    """

    def __init__(self,
                 message: str,
                 fix: Optional[str] = None,
                 path: Optional[str] = None):
        self.message = message
        self.fix = fix
        self.path = path
        text = message
        if fix:
            text = f'{text} Fix: {fix}'
        super().__init__(text)


class DataError(GarbageError):
    """Bad or missing data: folders, images, label files."""


class ConfigError(GarbageError):
    """A config key or argument that does not fit."""


class CheckpointError(GarbageError):
    """A checkpoint that cannot be (safely) loaded into this model."""


class PredictionError(GarbageError):
    """Predictions that must not be submitted (e.g. NaN scores)."""


def unwrap_worker_message(text: str, name: str) -> str:
    """The original message of an error re-raised from a loader worker.

    torch re-raises an exception of a dataloader worker process in the main
    process as ``type(e)('Caught X in DataLoader worker process N.\n'
    'Original Traceback ...\n<the traceback>')``: the message the worker
    raised is what follows ``X:`` on the traceback's last lines.

    Args:
        text: The exception's message.
        name: The exception's class name (``DataError``).

    Returns:
        The worker's own message, or ``text`` unchanged.
    """
    if 'DataLoader worker process' not in text or ('Original Traceback'
                                                   not in text):
        return text
    lines = text.rstrip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        head, sep, rest = lines[i].partition(': ')
        if sep and head.split('.')[-1] == name and not head.startswith(' '):
            return ' '.join([rest] + lines[i + 1:])
    return text


def _one_paragraph(exc: BaseException) -> str:
    """Return ``exc`` as one paragraph, unwrapping registry build errors."""
    # mmengine re-raises build errors as ``type(e)(f'class `X` in ...: {e}')``
    # and chains the original; the innermost GarbageError carries the message.
    # torch re-raises a worker's error with its traceback as the message.
    inner = exc
    seen = set()
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        if isinstance(inner, GarbageError):
            return unwrap_worker_message(str(inner), type(inner).__name__)
        inner = inner.__cause__ or inner.__context__
    msg = ' '.join(str(exc).split())
    return f'{type(exc).__name__}: {msg}'


def config_build_failure(exc: BaseException) -> Optional[str]:
    """One paragraph for an object the config could not build, if so.

    A wrong value in a config or in ``--cfg-options`` (a list where a
    transform wants a tuple, a misspelt mode) fails inside the class that
    mmengine's ``build_from_cfg`` builds from the config entry. The innermost
    such frame of the traceback names that class and holds the entry.

    Args:
        exc: The exception that stopped a tool.

    Returns:
        The paragraph, or ``None`` when the exception did not come from
        building a config entry.
    """
    tb, found = exc.__traceback__, None
    while tb is not None:
        frame = tb.tb_frame
        if (frame.f_code.co_name == 'build_from_cfg'
                and 'mmengine' in frame.f_code.co_filename
                and 'obj_cls' in frame.f_locals):
            found = frame.f_locals
        tb = tb.tb_next
    if found is None:
        return None
    name = getattr(found['obj_cls'], '__name__', str(found['obj_cls']))
    entry = dict(found.get('cfg') or {})
    shown = ', '.join(f'{k}={v!r}' for k, v in entry.items())
    msg = ' '.join(str(exc).split()) or type(exc).__name__
    return (f'The config entry dict({shown}) could not build {name}: '
            f'{type(exc).__name__}: {msg} Fix: correct that entry in the '
            'config or in --cfg-options (there, (a,b) is a tuple and [a,b] '
            'a list); tools/misc/print_config.py CONFIG shows the resolved '
            'config.')


def friendly_main(main: Callable) -> Callable:
    """Wrap a command-line ``main`` so known faults print one paragraph.

    A :class:`GarbageError` anywhere in the exception chain (including one
    raised while mmengine builds a dataset or hook), or any error raised
    while building an object from a config entry (:func:`config_build_failure`)
    is printed as a short message and the process exits with status 2.
    Ctrl-C (``KeyboardInterrupt``) prints one line, the exception's message
    if it has one (training names the checkpoint to resume from), and exits
    with status 130, as a shell does. Set ``MMEXT_DEBUG=1`` to see the full
    traceback instead.

    Args:
        main: The function to wrap.

    Returns:
        The wrapped function.
    """

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        if os.environ.get('MMEXT_DEBUG'):
            return main(*args, **kwargs)
        try:
            return main(*args, **kwargs)
        except KeyboardInterrupt as exc:  # Ctrl-C: one line, status 130
            text = ' '.join(str(exc).split()) or 'Interrupted (Ctrl-C).'
            print(f'\n{text}', file=sys.stderr)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - top-level reporter
            chain = exc
            known = False
            while chain is not None:
                if isinstance(chain, GarbageError):
                    known = True
                    break
                chain = chain.__cause__ or chain.__context__
            text = _one_paragraph(exc) if known else config_build_failure(exc)
            if text is None:
                raise
            print(
                f'\nerror: {text}\n'
                '(set MMEXT_DEBUG=1 for the full traceback)',
                file=sys.stderr)
            sys.exit(2)

    return wrapper

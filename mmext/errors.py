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


def _one_paragraph(exc: BaseException) -> str:
    """Return ``exc`` as one paragraph, unwrapping registry build errors."""
    # mmengine re-raises build errors as ``type(e)(f'class `X` in ...: {e}')``
    # and chains the original; the innermost GarbageError carries the message.
    inner = exc
    seen = set()
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        if isinstance(inner, GarbageError):
            return str(inner)
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
    is printed as a short message and the process exits with status 2. Set
    ``MMEXT_DEBUG=1`` to see the full traceback instead.

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
        except KeyboardInterrupt:
            raise
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

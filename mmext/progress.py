"""Progress bars for the long tools, quiet when output is not a terminal.

A bar is drawn on stderr with ``rich`` (an mmengine dependency) only when
stderr is a terminal, so logs, CI output and files piped from a tool stay
free of carriage-return noise. ``MMGARBAGE_PROGRESS=1`` forces bars on,
``MMGARBAGE_PROGRESS=0`` off.
"""
import os
import sys
from typing import Iterable, Iterator, Optional, TextIO, TypeVar

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

T = TypeVar('T')


def progress_enabled(stream: Optional[TextIO] = None) -> bool:
    """Whether a progress bar should be drawn on ``stream``.

    Args:
        stream: The stream (default ``sys.stderr``).

    Returns:
        ``MMGARBAGE_PROGRESS`` when set to 0/1, else whether the stream is a
        terminal.
    """
    forced = os.environ.get('MMGARBAGE_PROGRESS', '').strip().lower()
    if forced in ('0', 'false', 'no', 'off'):
        return False
    if forced in ('1', 'true', 'yes', 'on'):
        return True
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def track(iterable: Iterable[T],
          description: str = '',
          total: Optional[int] = None,
          stream: Optional[TextIO] = None) -> Iterator[T]:
    """Iterate with a progress bar (count, rate, time left) on a terminal.

    Args:
        iterable: What to iterate.
        description: Label before the bar.
        total: Number of items when ``len(iterable)`` does not work.
        stream: Where to draw (default ``sys.stderr``).

    Yields:
        The items of ``iterable``, unchanged.
    """
    stream = stream if stream is not None else sys.stderr
    if not progress_enabled(stream):
        yield from iterable
        return
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    console = Console(file=stream, force_terminal=True)
    with Progress(
            TextColumn('{task.description}'),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn('eta'),
            TimeRemainingColumn(),
            console=console,
            transient=False) as bar:
        task = bar.add_task(description, total=total)
        for item in iterable:
            yield item
            bar.advance(task)


def announce(message: str, stream: Optional[TextIO] = None) -> None:
    """Print a status line (e.g. ``k-fold run 2/5``) on a terminal only.

    For steps that log on their own (training), where a live bar would be
    torn by the log lines.

    Args:
        message: The line.
        stream: Where (default ``sys.stderr``).
    """
    stream = stream if stream is not None else sys.stderr
    if progress_enabled(stream):
        print(message, file=stream, flush=True)


def predict_files(predictor,
                  files,
                  topk: int = 1,
                  batch_size: int = 8,
                  description: str = 'predict') -> list:
    """Run a :class:`mmext.apis.inference.Predictor` with a progress bar.

    The files are scored in chunks of ``batch_size`` (one forward pass each),
    so the results are the predictor's own, in order.

    Args:
        predictor: The predictor.
        files: Image files.
        topk: Ranked classes per image.
        batch_size: Images per forward pass.
        description: Label of the bar.

    Returns:
        The predictor's results for all files.
    """
    files = list(files)
    if not progress_enabled():
        return predictor(files, topk=topk, batch_size=batch_size)
    chunks = [
        files[i:i + batch_size] for i in range(0, len(files), batch_size)
    ]
    out = []
    for chunk in track(
            chunks, f'{description} ({len(files)} images, '
            f'batches of {batch_size})'):
        out += predictor(chunk, topk=topk, batch_size=batch_size)
    return out

"""What would spoil training, graded from a scanned data set report.

:func:`find_problems` runs every check of :data:`CHECKS` on a
:class:`CheckInput`; each check is a small function returning its
:class:`Problem` list, so a check is added (or tested) on its own.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Protocol, Sequence

import numpy as np
import pandas as pd

SEVERITIES = ('error', 'warning', 'info')


@dataclass
class Problem:
    """One finding of the report.

    Args:
        severity: ``'error'`` (would spoil training: the tool exits
            non-zero), ``'warning'`` (worth fixing) or ``'info'``.
        message: What was found.
        fix: What to do about it.
        files: Example files (at most a few).
    """

    severity: str
    message: str
    fix: str = ''
    files: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f'[{self.severity.upper()}] {self.message}'
        if self.files:
            text += ' e.g. ' + ', '.join(self.files[:3])
        if self.fix:
            text += f'\n    fix: {self.fix}'
        return text


class ScannedReport(Protocol):
    """What the checks read of a report (:class:`~.dataset_report.
    DatasetReport`, which imports this module, so it is not imported here).
    """

    images: pd.DataFrame

    @property
    def splits(self) -> List[str]:
        """The split names in report order."""

    def counts(self) -> pd.DataFrame:
        """Images per class (rows) and split (columns)."""


@dataclass
class CheckInput:
    """What every check reads: the scanned images, counts and thresholds.

    Args:
        images: One row per listed image (see ``DatasetReport.images``).
        counts: Images per class (rows) and split (columns).
        splits: The split names in report order.
        train: The split the classes are counted in (``train``, else the
            first).
        root: The folder all images share (example paths are shown relative
            to it).
        tiny: Fewer training images than this makes a class "tiny".
        min_side: Images with a shorter side below this are flagged.
        imbalance: Largest/smallest training class ratio that is flagged.
    """

    images: pd.DataFrame
    counts: pd.DataFrame
    splits: List[str]
    train: str
    root: str = ''
    tiny: int = 10
    min_side: int = 32
    imbalance: float = 10.0

    def short(self, paths: Sequence[str]) -> List[str]:
        """``paths`` relative to :attr:`root` (for examples)."""
        return [osp.relpath(p, self.root) if self.root else p for p in paths]

    @property
    def readable(self) -> pd.DataFrame:
        """The decodable images, one row per file."""
        return self.images[self.images['readable']].drop_duplicates('path')


def check_input(report: ScannedReport,
                tiny: int = 10,
                min_side: int = 32,
                imbalance: float = 10.0) -> CheckInput:
    """The :class:`CheckInput` of a scanned report.

    Args:
        report: The report with ``images`` filled in.
        tiny: See :class:`CheckInput`.
        min_side: See :class:`CheckInput`.
        imbalance: See :class:`CheckInput`.

    Returns:
        What the checks read.
    """
    counts = report.counts()
    paths = report.images['path'].tolist()
    return CheckInput(
        images=report.images,
        counts=counts,
        splits=report.splits,
        train='train' if 'train' in counts.columns else counts.columns[0],
        root=osp.commonpath([osp.dirname(p) for p in paths]) if paths else '',
        tiny=tiny,
        min_side=min_side,
        imbalance=imbalance)


# ------------------------------------------------------------ class counts
def check_empty_splits(inp: CheckInput) -> List[Problem]:
    """A split without images."""
    return [
        Problem('error', f'Split {split} has no images.',
                'check its label file or folder.') for split in inp.splits
        if inp.counts[split].sum() == 0
    ]


def check_empty_classes(inp: CheckInput) -> List[Problem]:
    """Classes without training images."""
    counts, train = inp.counts, inp.train
    empty = counts.index[counts[train] == 0].tolist()
    if not empty:
        return []
    return [
        Problem(
            'error', f'{len(empty)} class(es) have no {train} images: '
            f'{empty}. The model would learn to never predict them.',
            'add images for them, or remove them from the class list and '
            'relabel (tools/prepare_data.py rewrites the lists).')
    ]


def check_tiny_classes(inp: CheckInput) -> List[Problem]:
    """Classes with fewer than ``tiny`` training images (but some)."""
    counts, train = inp.counts, inp.train
    small = counts.index[(counts[train] > 0)
                         & (counts[train] < inp.tiny)].tolist()
    if not small:
        return []
    return [
        Problem(
            'warning',
            f'{len(small)} class(es) have fewer than {inp.tiny} {train} '
            f'images: ' + ', '.join(f'{c} ({counts.at[c, train]})'
                                    for c in small) + '.',
            'collect more images, merge the class, or oversample it (e.g. '
            'ClassBalancedDataset).')
    ]


def check_classes_missing_from_splits(inp: CheckInput) -> List[Problem]:
    """Trained classes that a non-empty val/test split lacks."""
    counts, train = inp.counts, inp.train
    problems = []
    for split in inp.splits:
        if split == train:
            continue
        missing = counts.index[(counts[split] == 0)
                               & (counts[train] > 0)].tolist()
        if missing and counts[split].sum():
            problems.append(
                Problem(
                    'warning',
                    f'{len(missing)} class(es) have no {split} images: '
                    f'{missing}; their accuracy cannot be measured.',
                    f'move some images of these classes into {split}.'))
    return problems


def check_imbalance(inp: CheckInput) -> List[Problem]:
    """Largest/smallest training class above ``imbalance``."""
    counts, train = inp.counts, inp.train
    nonzero = counts[train][counts[train] > 0]
    if len(nonzero) < 2 or nonzero.max() / nonzero.min() <= inp.imbalance:
        return []
    return [
        Problem(
            'warning', f'Classes are imbalanced: {nonzero.idxmax()} has '
            f'{nonzero.max()} {train} images, {nonzero.idxmin()} only '
            f'{nonzero.min()} ({nonzero.max() / nonzero.min():.0f}x).',
            'use ClassBalancedDataset or class weights in the loss, and '
            'watch per-class recall.')
    ]


# ------------------------------------------------------------------ files
def _files_problem(inp: CheckInput,
                   rows: pd.DataFrame,
                   severity: str,
                   message: str,
                   fix: str = '') -> List[Problem]:
    """One problem naming the files of ``rows``, none when it is empty.

    Args:
        inp: The check input (for short paths).
        rows: The flagged images.
        severity: See :class:`Problem`.
        message: Its text; ``{n}`` is replaced by the number of rows.
        fix: What to do about it.

    Returns:
        ``[]`` or one :class:`Problem`.
    """
    if not len(rows):
        return []
    return [
        Problem(severity, message.replace('{n}', str(len(rows))), fix,
                inp.short(rows['path'].tolist()))
    ]


def check_unreadable(inp: CheckInput) -> List[Problem]:
    """Files that do not decode."""
    bad = inp.images[~inp.images['readable']].drop_duplicates('path')
    kinds = '; '.join(f'{n} {k}'
                      for k, n in bad['error'].value_counts().items())
    return _files_problem(
        inp, bad, 'error', f'{{n}} image(s) cannot be read ({kinds}). '
        'Training stops when it reaches one.',
        'delete or replace them and remove them from the label lists.')


def check_truncated(inp: CheckInput) -> List[Problem]:
    """JPEGs without an end marker."""
    return _files_problem(
        inp, inp.images[inp.images['truncated']].drop_duplicates('path'),
        'warning', '{n} JPEG(s) are truncated (no end marker); they decode '
        'with a grey or garbled part.', 're-download or re-export them.')


# ------------------------------------------------------------- duplicates
def check_repeated_lines(inp: CheckInput) -> List[Problem]:
    """The same path listed twice in a split."""
    problems = []
    for split in inp.splits:
        part = inp.images[inp.images['split'] == split]
        rep = part[part['path'].duplicated()]
        if len(rep):
            problems.append(
                Problem(
                    'warning',
                    f'{len(rep)} file(s) are listed more than once in '
                    f'{split}.', 'remove the repeated lines.',
                    inp.short(rep['path'].unique().tolist())))
    return problems


def _same_bytes(inp: CheckInput) -> Iterator[pd.DataFrame]:
    """Rows of each group of identical bytes under different paths."""
    hashed = inp.images[inp.images['sha1'] != ''].drop_duplicates(
        ['split', 'path'])
    for _, group in hashed.groupby('sha1'):
        if group['path'].nunique() >= 2:
            yield group


def check_duplicates_within_splits(inp: CheckInput) -> List[Problem]:
    """Identical bytes under different paths of one split."""
    within = {}
    for group in _same_bytes(inp):
        for split, part in group.groupby('split'):
            if part['path'].nunique() > 1:
                within.setdefault(split, []).append(part['path'].tolist())
    problems = []
    for split, sets in within.items():
        extra = sum(len(s) - 1 for s in sets)
        problems.append(
            Problem(
                'warning',
                f'{extra} duplicate file(s) in {split} ({len(sets)} '
                'groups of identical bytes): they weigh double in training.',
                'keep one file of each group.',
                [' = '.join(inp.short(s[:2])) for s in sets]))
    return problems


def check_duplicates_across_splits(inp: CheckInput) -> List[Problem]:
    """Identical bytes in more than one split (a leak into val/test)."""
    across = [g for g in _same_bytes(inp) if g['split'].nunique() > 1]
    if not across:
        return []
    pairs = sorted({'/'.join(sorted(g['split'].unique())) for g in across})
    return [
        Problem(
            'warning', f'{len(across)} image(s) appear in more than one split '
            f'({", ".join(pairs)}): validation/test accuracy is inflated by '
            'images the model trained on.',
            'remove them from val/test (or re-split, e.g. '
            'tools/prepare_data.py).',
            [' = '.join(inp.short(g['path'].tolist()[:2])) for g in across])
    ]


def check_conflicting_labels(inp: CheckInput) -> List[Problem]:
    """Identical bytes with different labels."""
    conflict = [
        g['path'].unique().tolist() for g in _same_bytes(inp)
        if g['label'].nunique() > 1
    ]
    if not conflict:
        return []
    return [
        Problem(
            'warning', f'{len(conflict)} image(s) carry different labels in '
            'different places.', 'decide on one label and fix the lists.',
            [' = '.join(inp.short(f[:2])) for f in conflict])
    ]


# ----------------------------------------------------------- image formats
def check_small_images(inp: CheckInput) -> List[Problem]:
    """Images with a side shorter than ``min_side``."""
    ok = inp.readable
    return _files_problem(
        inp, ok[np.minimum(ok['width'], ok['height']) < inp.min_side],
        'warning', f'{{n}} image(s) have a side shorter than {inp.min_side} '
        'px; resizing blows them up to a blur.',
        'check whether they are thumbnails or icons and drop them.')


def check_cmyk(inp: CheckInput) -> List[Problem]:
    """CMYK images."""
    ok = inp.readable
    return _files_problem(
        inp, ok[ok['mode'] == 'CMYK'], 'warning',
        '{n} CMYK image(s): some decoders invert their colours.',
        'convert them to RGB (PIL: im.convert("RGB")).')


def check_grayscale(inp: CheckInput) -> List[Problem]:
    """Grayscale images (loaded as three equal channels)."""
    ok = inp.readable
    return _files_problem(
        inp, ok[ok['mode'].isin(['L', 'LA', '1', 'I', 'I;16', 'F'])], 'info',
        '{n} grayscale image(s); they are loaded as 3 equal channels.')


def check_alpha(inp: CheckInput) -> List[Problem]:
    """Images with transparency or a palette (alpha dropped when loading)."""
    ok = inp.readable
    return _files_problem(
        inp, ok[ok['mode'].isin(['RGBA', 'LA', 'PA']) | (ok['mode'] == 'P')],
        'info', '{n} image(s) with transparency or a palette; the alpha '
        'channel is dropped when loading.')


#: every check, in report order (within one severity)
CHECKS: List[Callable[[CheckInput], List[Problem]]] = [
    check_empty_splits, check_empty_classes, check_tiny_classes,
    check_classes_missing_from_splits, check_imbalance, check_unreadable,
    check_truncated, check_repeated_lines, check_duplicates_within_splits,
    check_duplicates_across_splits, check_conflicting_labels,
    check_small_images, check_cmyk, check_grayscale, check_alpha
]


def find_problems(report: ScannedReport,
                  tiny: int = 10,
                  min_side: int = 32,
                  imbalance: float = 10.0) -> List[Problem]:
    """Grade the findings of a scanned report (see :func:`scan_dataset`).

    Args:
        report: The report with ``images`` filled in.
        tiny: Fewer training images than this makes a class "tiny".
        min_side: Images with a shorter side below this are flagged.
        imbalance: Largest/smallest training class ratio that is flagged.

    Returns:
        Problems of every check in :data:`CHECKS`, errors first.
    """
    inp = check_input(report, tiny, min_side, imbalance)
    problems = [p for check in CHECKS for p in check(inp)]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: order[p.severity])

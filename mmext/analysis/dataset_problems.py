"""What would spoil training, graded from a scanned data set report."""
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass, field
from typing import List, Protocol, Sequence

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


def _short(paths: Sequence[str], root: str = '') -> List[str]:
    out = []
    for p in paths:
        out.append(osp.relpath(p, root) if root else p)
    return out


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
        Problems, errors first.
    """
    problems: List[Problem] = []
    images = report.images
    counts = report.counts()
    train = 'train' if 'train' in counts.columns else counts.columns[0]
    paths = images['path'].tolist()
    root = osp.commonpath([osp.dirname(p) for p in paths]) if paths else ''
    short = lambda ps: _short(ps, root)  # noqa: E731

    for split in report.splits:
        if counts[split].sum() == 0:
            problems.append(
                Problem('error', f'Split {split} has no images.',
                        'check its label file or folder.'))
    empty = counts.index[counts[train] == 0].tolist()
    if empty:
        problems.append(
            Problem(
                'error', f'{len(empty)} class(es) have no {train} images: '
                f'{empty}. The model would learn to never predict them.',
                'add images for them, or remove them from the class list and '
                'relabel (tools/prepare_data.py rewrites the lists).'))
    small = counts.index[(counts[train] > 0) & (counts[train] < tiny)].tolist()
    if small:
        problems.append(
            Problem(
                'warning',
                f'{len(small)} class(es) have fewer than {tiny} {train} '
                f'images: ' + ', '.join(f'{c} ({counts.at[c, train]})'
                                        for c in small) + '.',
                'collect more images, merge the class, or oversample it (e.g. '
                'ClassBalancedDataset).'))
    for split in report.splits:
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
    nonzero = counts[train][counts[train] > 0]
    if len(nonzero) > 1 and nonzero.max() / nonzero.min() > imbalance:
        problems.append(
            Problem(
                'warning', f'Classes are imbalanced: {nonzero.idxmax()} has '
                f'{nonzero.max()} {train} images, {nonzero.idxmin()} only '
                f'{nonzero.min()} ({nonzero.max() / nonzero.min():.0f}x).',
                'use ClassBalancedDataset or class weights in the loss, and '
                'watch per-class recall.'))

    bad = images[~images['readable']].drop_duplicates('path')
    if len(bad):
        kinds = '; '.join(f'{n} {k}'
                          for k, n in bad['error'].value_counts().items())
        problems.append(
            Problem(
                'error', f'{len(bad)} image(s) cannot be read ({kinds}). '
                'Training stops when it reaches one.',
                'delete or replace them and remove them from the label lists.',
                short(bad['path'].tolist())))
    trunc = images[images['truncated']].drop_duplicates('path')
    if len(trunc):
        problems.append(
            Problem(
                'warning',
                f'{len(trunc)} JPEG(s) are truncated (no end marker); '
                'they decode with a grey or garbled part.',
                're-download or re-export them.',
                short(trunc['path'].tolist())))

    # the same path listed twice, and the same bytes under different paths
    for split in report.splits:
        part = images[images['split'] == split]
        rep = part[part['path'].duplicated()]
        if len(rep):
            problems.append(
                Problem(
                    'warning',
                    f'{len(rep)} file(s) are listed more than once in '
                    f'{split}.', 'remove the repeated lines.',
                    short(rep['path'].unique().tolist())))
    hashed = images[images['sha1'] != ''].drop_duplicates(['split', 'path'])
    within, across, conflict = defaultdict(list), [], []
    for _, group in hashed.groupby('sha1'):
        if group['path'].nunique() < 2:
            continue
        files = group['path'].unique().tolist()
        for split, part in group.groupby('split'):
            if part['path'].nunique() > 1:
                within[split].append(part['path'].tolist())
        if group['split'].nunique() > 1:
            across.append(group)
        if group['label'].nunique() > 1:
            conflict.append(files)
    for split, sets in within.items():
        extra = sum(len(s) - 1 for s in sets)
        problems.append(
            Problem(
                'warning',
                f'{extra} duplicate file(s) in {split} ({len(sets)} '
                'groups of identical bytes): they weigh double in training.',
                'keep one file of each group.',
                [' = '.join(short(s[:2])) for s in sets]))
    if across:
        pairs = sorted({'/'.join(sorted(g['split'].unique())) for g in across})
        problems.append(
            Problem(
                'warning',
                f'{len(across)} image(s) appear in more than one split '
                f'({", ".join(pairs)}): validation/test accuracy is inflated '
                'by '
                'images the model trained on.',
                'remove them from val/test (or re-split, e.g. '
                'tools/prepare_data.py).',
                [' = '.join(short(g['path'].tolist()[:2])) for g in across]))
    if conflict:
        problems.append(
            Problem(
                'warning',
                f'{len(conflict)} image(s) carry different labels in '
                'different places.', 'decide on one label and fix the lists.',
                [' = '.join(short(f[:2])) for f in conflict]))

    ok = images[images['readable']].drop_duplicates('path')
    small_img = ok[np.minimum(ok['width'], ok['height']) < min_side]
    if len(small_img):
        problems.append(
            Problem(
                'warning',
                f'{len(small_img)} image(s) have a side shorter than '
                f'{min_side} px; resizing blows them up to a blur.',
                'check whether they are thumbnails or icons and drop them.',
                short(small_img['path'].tolist())))
    cmyk = ok[ok['mode'] == 'CMYK']
    if len(cmyk):
        problems.append(
            Problem(
                'warning', f'{len(cmyk)} CMYK image(s): some decoders invert '
                'their colours.',
                'convert them to RGB (PIL: im.convert("RGB")).',
                short(cmyk['path'].tolist())))
    gray = ok[ok['mode'].isin(['L', 'LA', '1', 'I', 'I;16', 'F'])]
    if len(gray):
        problems.append(
            Problem(
                'info',
                f'{len(gray)} grayscale image(s); they are loaded as 3 '
                'equal channels.', '', short(gray['path'].tolist())))
    alpha = ok[ok['mode'].isin(['RGBA', 'LA', 'PA']) | (ok['mode'] == 'P')]
    if len(alpha):
        problems.append(
            Problem(
                'info',
                f'{len(alpha)} image(s) with transparency or a palette; '
                'the alpha channel is dropped when loading.', '',
                short(alpha['path'].tolist())))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: order[p.severity])

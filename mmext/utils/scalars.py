"""Training curves read from mmengine's scalars.json files.

They are read from ``<work_dir>/<timestamp>/vis_data/scalars.json``.

Every start of ``tools/train.py`` (including ``--resume``) writes a new
timestamp folder. :func:`read_scalars` merges them in time order; when a later
run covers an epoch again (it resumed from an earlier checkpoint), its
records replace the earlier ones from that epoch on, so no epoch repeats.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pandas as pd

from ..errors import DataError

VAL_DEFAULT = 'accuracy/top1'


@dataclass
class Curves:
    """The merged scalars of one work dir.

    Args:
        name: A label for plots and tables (the work dir's name).
        train: One row per logged training iteration (``epoch, iter, loss,
            lr, base_lr, ...``) plus ``x``, the fractional epoch.
        val: One row per validation (``epoch`` plus every metric).
        files: The scalars.json files read, oldest first.
        by_epoch: ``False`` for an iteration-based loop: ``epoch`` then
            holds the iteration.
    """

    name: str
    train: pd.DataFrame
    val: pd.DataFrame
    files: List[str]
    by_epoch: bool = True

    def train_per_epoch(self, key: str = 'loss') -> pd.Series:
        """Mean of ``key`` over the logged iterations of each epoch."""
        if self.train.empty or key not in self.train:
            return pd.Series(dtype=float)
        return self.train.groupby('epoch')[key].mean()

    def val_metric(self, key: str = VAL_DEFAULT) -> pd.Series:
        """``key`` per validated epoch."""
        if self.val.empty or key not in self.val:
            return pd.Series(dtype=float)
        return self.val.set_index('epoch')[key]

    @property
    def lr_key(self) -> Optional[str]:
        """``base_lr`` (the schedule's LR, logged when some parameter
        groups use multipliers such as a frozen backbone's ``lr_mult=0``),
        else ``lr`` (the first parameter group's LR), else ``head_lr``
        (:class:`~mmext.engine.hooks.LrByModuleHook`)."""
        for key in ('base_lr', 'lr', 'head_lr'):
            if key in self.train and self.train[key].notna().any():
                return key
        return None


def scalars_files(path: str) -> List[str]:
    """The ``scalars.json`` files of a work dir, oldest run first.

    Args:
        path: A work dir, one of its timestamp folders, or a scalars.json.

    Returns:
        Paths sorted by timestamp folder name.
    """
    if osp.isfile(path):
        return [path]
    patterns = [
        osp.join(path, '*', 'vis_data', 'scalars.json'),
        osp.join(path, 'vis_data', 'scalars.json')
    ]
    files = sorted({f
                    for p in patterns
                    for f in glob.glob(p)},
                   key=lambda f: osp.basename(osp.dirname(osp.dirname(f))))
    return files


def _read_json_lines(path: str) -> List[dict]:
    records = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                # the last line of a run killed mid-write; skip it
                continue
    return records


def read_scalars(path: str, name: Optional[str] = None) -> Curves:
    """Read and merge every run of a work dir.

    Training records carry ``epoch`` and ``iter``; validation records carry
    ``step`` (the epoch, for epoch-based loops). For an iteration-based loop
    (no ``epoch`` in the records) ``iter`` is used as the epoch.

    Args:
        path: A work dir, a timestamp folder or a scalars.json file.
        name: Label of the run (defaults to the work dir's name).

    Returns:
        :class:`Curves` with no repeated epochs.
    """
    files = scalars_files(path)
    if not files:
        raise DataError(
            f'No vis_data/scalars.json found under {path}.',
            fix='pass the work dir of a training run (mmengine writes '
            '<work_dir>/<timestamp>/vis_data/scalars.json once the first '
            'iterations are logged).',
            path=path)
    train = pd.DataFrame()
    val = pd.DataFrame()
    by_epoch = True
    for file in files:
        recs = _read_json_lines(file)
        t = pd.DataFrame([r for r in recs if 'loss' in r or 'iter' in r])
        v = pd.DataFrame([
            r for r in recs if not ('loss' in r or 'iter' in r) and 'step' in r
        ])
        if not t.empty and 'epoch' not in t:
            t['epoch'] = t['iter']
            by_epoch = False
        if not v.empty:
            v = v.rename(columns={'step': 'epoch'})
        starts = [int(df['epoch'].min()) for df in (t, v) if not df.empty]
        if not starts:
            continue
        start = min(starts)
        if not train.empty:
            train = train[train['epoch'] < start]
        if not val.empty:
            val = val[val['epoch'] < start]
        train = pd.concat([train, t], ignore_index=True)
        val = pd.concat([val, v], ignore_index=True)
    if not train.empty:
        train = train.sort_values(['epoch', 'iter']).reset_index(drop=True)
        train['x'] = train['iter'] / (
            iters_per_epoch(train) if by_epoch else 1.0)
    if not val.empty:
        val = val.drop_duplicates(
            'epoch', keep='last').sort_values('epoch').reset_index(drop=True)
    if name is None:
        base = path if osp.isdir(path) else osp.dirname(
            osp.dirname(osp.dirname(path)))
        name = osp.basename(osp.normpath(base))
    return Curves(name, train, val, files, by_epoch)


def iters_per_epoch(train: pd.DataFrame) -> float:
    """Estimate iterations per epoch from the logged (global) ``iter``.

    The first logged iteration of consecutive epochs lies one epoch apart;
    with a single epoch, its last logged iteration is the best estimate.

    Args:
        train: Training records with ``epoch`` and ``iter``.

    Returns:
        Iterations per epoch (at least 1).
    """
    firsts = train.groupby('epoch')['iter'].min()
    epochs = firsts.index.to_numpy()
    steps = np.diff(firsts.to_numpy()) / np.maximum(np.diff(epochs), 1)
    if len(steps):
        return float(max(np.median(steps), 1))
    return float(max(train['iter'].max(), 1))

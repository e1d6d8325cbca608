"""Ablation table and config diff of several runs (work dirs or config files).

Configs are resolved with :class:`mmengine.config.Config` (``_base_``
inheritance, ``mmpretrain::`` bases, ``_delete_``), flattened to dotted keys
in ``--cfg-options`` syntax (list items by index:
``train_dataloader.dataset.pipeline.1.scale``), and compared key by key.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence

import pandas as pd

from ..errors import ConfigError
from .curves import Curves, read_scalars, scalars_files

# keys that differ between any two runs without being an ablation
IGNORED_KEYS = ('work_dir', 'launcher', 'filename', 'resume')
MISSING = '<absent>'


@dataclass
class Run:
    """One run to compare.

    Args:
        name: Its label (work dir or config file name).
        config: The resolved config as a plain dict.
        curves: Training curves when ``path`` is a work dir with logs.
        test: Metrics of the last ``tools/test.py`` run in the work dir.
    """

    name: str
    config: dict
    curves: Optional[Curves] = None
    test: Dict[str, float] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """ConfigDicts to dicts and tuples to lists, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def flatten_config(cfg: Any, prefix: str = '') -> Dict[str, Any]:
    """Flatten nested dicts and lists of dicts to dotted keys.

    Lists holding dicts (pipelines, evaluators, schedulers) are flattened by
    index; lists of plain values (``topk=(1, 5)``, ``mean``) stay values.

    Args:
        cfg: A config, ``ConfigDict`` or plain dict.
        prefix: Key prefix (used in recursion).

    Returns:
        ``{dotted key: value}``.
    """
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    cfg = _plain(cfg)
    out: Dict[str, Any] = {}
    if isinstance(cfg, dict):
        items = cfg.items()
    elif isinstance(cfg, list) and any(isinstance(v, (dict, list))
                                       for v in cfg):
        items = ((str(i), v) for i, v in enumerate(cfg))
    else:
        return {prefix: cfg}
    empty = True
    for key, value in items:
        empty = False
        out.update(flatten_config(value, f'{prefix}.{key}' if prefix else
                                  str(key)))
    if empty and prefix:
        out[prefix] = cfg
    return out


def config_diff(configs: Sequence[Any],
                ignore: Sequence[str] = IGNORED_KEYS) -> pd.DataFrame:
    """The resolved config keys whose values differ between configs.

    Args:
        configs: Configs (``Config``, ``ConfigDict`` or dicts).
        ignore: Top-level keys or dotted prefixes never reported.

    Returns:
        One row per differing key (sorted), one column per config; a key a
        config lacks shows ``<absent>``.
    """
    flats = [flatten_config(c) for c in configs]
    keys = sorted(set().union(*flats)) if flats else []
    rows = {}
    for key in keys:
        if any(key == i or key.startswith(i + '.') for i in ignore):
            continue
        values = [f.get(key, MISSING) for f in flats]
        if any(v != values[0] for v in values[1:]):
            rows[key] = [repr(v) if v is not MISSING else v for v in values]
    return pd.DataFrame.from_dict(rows, orient='index',
                                  columns=list(range(len(flats))))


def find_config(work_dir: str) -> Optional[str]:
    """The config of the newest training run in a work dir.

    ``tools/test.py`` run with the same work dir overwrites
    ``<work_dir>/<name>.py``, so the config mmengine saved beside the
    training logs (``<timestamp>/vis_data/config.py`` next to a
    ``scalars.json``) comes first.

    Args:
        work_dir: The work dir.

    Returns:
        The config file; ``None`` when there is none.
    """
    dumped = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                       'config.py')))
    trained = [c for c in dumped
               if osp.isfile(osp.join(osp.dirname(c), 'scalars.json'))]
    if trained:
        return trained[-1]
    top = sorted(glob.glob(osp.join(work_dir, '*.py')), key=osp.getmtime)
    if top:
        return top[-1]
    return dumped[-1] if dumped else None


def read_test_metrics(work_dir: str) -> Dict[str, float]:
    """Metrics of the newest ``tools/test.py`` run in a work dir.

    mmengine writes them to ``<work_dir>/<timestamp>/<timestamp>.json``.

    Args:
        work_dir: The work dir.

    Returns:
        ``{metric: value}`` (empty when no test run is there).
    """
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.json')),
                       reverse=True):
        stamp = osp.basename(osp.dirname(path))
        if osp.basename(path) != f'{stamp}.json':
            continue
        try:
            with open(path, encoding='utf-8') as f:
                lines = [json.loads(ln) for ln in f if ln.strip()]
        except (OSError, json.JSONDecodeError):
            continue
        if lines:
            return {k: v for k, v in lines[-1].items()
                    if k not in ('time', 'data_time', 'step')}
    return {}


def load_run(path: str, name: Optional[str] = None) -> Run:
    """Load a work dir (config, curves, test metrics) or a config file.

    Args:
        path: A work dir or a ``.py`` config.
        name: Label (defaults to the folder or file name).

    Returns:
        The :class:`Run`.
    """
    from ..apis.config import load_config

    if osp.isdir(path):
        cfg_file = find_config(path)
        if cfg_file is None:
            raise ConfigError(
                f'{path} holds no config (a work dir has <name>.py or '
                '<timestamp>/vis_data/config.py).',
                fix='pass a work dir written by tools/train.py, or a config '
                'file.', path=path)
        name = name or osp.basename(osp.normpath(path))
        curves = read_scalars(path, name) if scalars_files(path) else None
        config = _plain(load_config(cfg_file).to_dict())
        if config.get('resume'):  # the checkpoint resumed from is no ablation
            config['load_from'] = None
        return Run(name, config, curves, read_test_metrics(path))
    if not path.endswith('.py'):
        raise ConfigError(f'{path} is neither a work dir nor a .py config.',
                          fix='pass work dirs or config files.', path=path)
    name = name or osp.splitext(osp.basename(path))[0]
    return Run(name, _plain(load_config(path).to_dict()))


def runs_table(runs: Sequence[Run],
               metrics: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Final and best validation metrics (and test metrics) per run.

    Args:
        runs: The runs.
        metrics: Validation metrics to list; default ``accuracy/top1`` and
            ``bin/accuracy`` where logged.

    Returns:
        One row per run: ``epochs``, ``<m> final``, ``<m> best``,
        ``best epoch`` (of the first metric), ``test <m>``.
    """
    if metrics is None:
        logged = set()
        for run in runs:
            if run.curves is not None:
                logged |= set(run.curves.val.columns)
            logged |= set(run.test)
        metrics = [m for m in ('accuracy/top1', 'bin/accuracy') if m in logged]
    rows = []
    for run in runs:
        row: Dict[str, Any] = {'run': run.name}
        val = run.curves.val if run.curves is not None else pd.DataFrame()
        row['epochs'] = int(val['epoch'].max()) if 'epoch' in val else None
        for i, m in enumerate(metrics):
            series = val.set_index('epoch')[m].dropna() if m in val else None
            ok = series is not None and len(series)
            row[f'{m} final'] = float(series.iloc[-1]) if ok else None
            row[f'{m} best'] = float(series.max()) if ok else None
            if i == 0:
                row['best epoch'] = int(series.idxmax()) if ok else None
        for m in metrics:
            if m in run.test:
                row[f'test {m}'] = float(run.test[m])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in ('epochs', 'best epoch'):
        if col in frame:
            frame[col] = frame[col].astype('Int64')
    return frame


def format_table(frame: pd.DataFrame, markdown: bool = False,
                 index: bool = False, digits: int = 2) -> str:
    """Format a table as aligned text or GitHub Markdown (no extra deps).

    Args:
        frame: The table.
        markdown: Markdown pipes instead of aligned text.
        index: Include the index as the first column.
        digits: Decimals for floats.

    Returns:
        The formatted table.
    """
    if index:
        frame = frame.reset_index()

    def cell(v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
            return '-'
        if isinstance(v, float):
            return f'{v:.{digits}f}'
        return str(v)

    header = [str(c) for c in frame.columns]
    body = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    if markdown:
        esc = lambda s: s.replace('|', '\\|')  # noqa: E731
        lines = ['| ' + ' | '.join(esc(h) for h in header) + ' |',
                 '|' + '|'.join('---' for _ in header) + '|']
        lines += ['| ' + ' | '.join(esc(c) for c in r) + ' |' for r in body]
        return '\n'.join(lines)
    widths = [max([len(h)] + [len(r[i]) for r in body])
              for i, h in enumerate(header)]
    fmt = lambda r: '  '.join(c.ljust(w) for c, w in zip(r, widths))  # noqa
    lines = [fmt(header), '  '.join('-' * w for w in widths)]
    lines += [fmt(r) for r in body]
    return '\n'.join(line.rstrip() for line in lines)

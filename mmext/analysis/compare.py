"""Ablation table and config diff of several runs (work dirs or config files).

Configs are resolved with :class:`mmengine.config.Config` (``_base_``
inheritance, ``mmpretrain::`` bases, ``_delete_``), flattened to dotted keys
and compared key by key. Lists of typed dicts (``custom_hooks``, pipelines,
evaluators, schedulers) are matched by ``type``, not by position:
``custom_hooks[EMAHook].momentum``, ``train_pipeline[RandomFlip].prob``
(a second entry of the same type is ``[RandomFlip#2]``), plus one
``<list>[order]`` key with the sequence of types, so adding a hook shows one
new entry instead of shifting every later index. Other lists of dicts are
flattened by index in ``--cfg-options`` syntax (``param_scheduler.0.end``).
Long values (checkpoint URLs) are shortened in the middle for the table.

The metrics table has a Δ column: each run's headline value (the k-fold
mean, else the last validation, else the test metric) minus the first
run's. Where both runs are k-fold runs (``tools/kfold.py`` work dirs with a
``kfold.json``), it also says whether the difference is within the noise,
as :func:`noise_check` defines it.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from ..errors import ConfigError
from .curves import Curves, read_scalars, scalars_files

DELTA = 'Δ'
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
        kfold: The ``kfold.json`` report of a ``tools/kfold.py`` work dir
            (``runs`` with each fold's metrics, ``folds``, ``split_seed``).
    """

    name: str
    config: dict
    curves: Optional[Curves] = None
    test: Dict[str, float] = field(default_factory=dict)
    kfold: Optional[dict] = None


def _plain(value: Any) -> Any:
    """ConfigDicts to dicts and tuples to lists, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def type_name(value: Any) -> str:
    """The short name of a ``type`` entry (a string or a class)."""
    name = getattr(value, '__name__', None) or str(value)
    return name.rsplit('.', 1)[-1]


def typed_keys(items: Sequence[Any]) -> Optional[List[str]]:
    """``['EMAHook', 'RandomFlip', 'RandomFlip#2']`` for a list of typed dicts.

    Args:
        items: A config list.

    Returns:
        One key per item, or ``None`` when not every item is a dict with a
        ``type``.
    """
    if not items or not all(
            isinstance(v, dict) and 'type' in v for v in items):
        return None
    seen: Dict[str, int] = {}
    keys = []
    for v in items:
        name = type_name(v['type'])
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f'{name}#{seen[name]}')
    return keys


def flatten_config(cfg: Any,
                   prefix: str = '',
                   by_type: bool = True) -> Dict[str, Any]:
    """Flatten nested dicts and lists of dicts to dotted keys.

    Lists of dicts that all have a ``type`` are keyed by type
    (``custom_hooks[EMAHook].momentum``) with a ``<list>[order]`` entry
    listing the types in order; other lists holding dicts are flattened by
    index; lists of plain values (``topk=(1, 5)``, ``mean``) stay values.

    Args:
        cfg: A config, ``ConfigDict`` or plain dict.
        prefix: Key prefix (used in recursion).
        by_type: Match typed list entries by type (``False``: by index).

    Returns:
        ``{dotted key: value}``.
    """
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    cfg = _plain(cfg)
    out: Dict[str, Any] = {}
    keys = typed_keys(cfg) if by_type and isinstance(cfg, list) else None
    if isinstance(cfg, dict):
        items = [(f'{prefix}.{k}' if prefix else str(k), v)
                 for k, v in cfg.items()]
    elif keys is not None:
        items = [(f'{prefix}[{k}]', v) for k, v in zip(keys, cfg)]
        out[f'{prefix}[order]'] = ' > '.join(k.split('#')[0] for k in keys)
    elif isinstance(cfg, list) and any(
            isinstance(v, (dict, list)) for v in cfg):
        items = [(f'{prefix}.{i}' if prefix else str(i), v)
                 for i, v in enumerate(cfg)]
    else:
        return {prefix: cfg}
    for key, value in items:
        out.update(flatten_config(value, key, by_type))
    if not items and prefix:
        out[prefix] = cfg
    return out


def shorten(text: str, width: int = 48) -> str:
    """Cut the middle out of a long value, keeping its start and end.

    ``'https://download.openmmlab.com/…/resnet50_8xb32_in1k_20210831.pth'``
    keeps the host and the file name.

    Args:
        text: The value as text.
        width: Longest result (``0``: no limit).

    Returns:
        ``text``, or its first and last characters around ``'…'``.
    """
    if width <= 0 or len(text) <= width:
        return text
    tail = (width - 1) * 3 // 5
    head = width - 1 - tail
    return f'{text[:head]}…{text[-tail:]}'


def config_diff(configs: Sequence[Any],
                ignore: Sequence[str] = IGNORED_KEYS,
                width: int = 0,
                by_type: bool = True) -> pd.DataFrame:
    """The resolved config keys whose values differ between configs.

    Args:
        configs: Configs (``Config``, ``ConfigDict`` or dicts).
        ignore: Top-level keys or dotted prefixes never reported.
        width: Shorten values longer than this (:func:`shorten`; 0: never).
        by_type: Match typed list entries by ``type`` (see
            :func:`flatten_config`).

    Returns:
        One row per differing key (sorted), one column per config; a key a
        config lacks shows ``<absent>``.
    """
    flats = [flatten_config(c, by_type=by_type) for c in configs]
    keys = sorted(set().union(*flats)) if flats else []
    rows = {}
    for key in keys:
        if any(key == i or key.startswith((i + '.', i + '[')) for i in ignore):
            continue
        values = [f.get(key, MISSING) for f in flats]
        if any(v != values[0] for v in values[1:]):
            # a type sequence is only useful whole: allow it twice the width
            w = 2 * width if key.endswith('[order]') else width
            rows[key] = [
                shorten(repr(v) if v is not MISSING else v, w) for v in values
            ]
    return pd.DataFrame.from_dict(
        rows, orient='index', columns=list(range(len(flats))))


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
    dumped = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'config.py')))
    trained = [
        c for c in dumped
        if osp.isfile(osp.join(osp.dirname(c), 'scalars.json'))
    ]
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
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', '*.json')), reverse=True):
        stamp = osp.basename(osp.dirname(path))
        if osp.basename(path) != f'{stamp}.json':
            continue
        try:
            with open(path, encoding='utf-8') as f:
                lines = [json.loads(ln) for ln in f if ln.strip()]
        except (OSError, json.JSONDecodeError):
            continue
        if lines:
            return {
                k: v
                for k, v in lines[-1].items()
                if k not in ('time', 'data_time', 'step')
            }
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

    report = _kfold_report(path)
    if report is not None:
        return _kfold_run(path, report, name)
    if osp.isdir(path):
        cfg_file = find_config(path)
        if cfg_file is None:
            raise ConfigError(
                f'{path} holds no config (a work dir has <name>.py or '
                '<timestamp>/vis_data/config.py).',
                fix='pass a work dir written by tools/train.py, or a config '
                'file.',
                path=path)
        name = name or osp.basename(osp.normpath(path))
        curves = read_scalars(path, name) if scalars_files(path) else None
        config = _plain(load_config(cfg_file).to_dict())
        if config.get('resume'):  # the checkpoint resumed from is no ablation
            config['load_from'] = None
        return Run(name, config, curves, read_test_metrics(path))
    if not path.endswith('.py'):
        raise ConfigError(
            f'{path} is neither a work dir nor a .py config.',
            fix='pass work dirs or config files.',
            path=path)
    name = name or osp.splitext(osp.basename(path))[0]
    return Run(name, _plain(load_config(path).to_dict()))


def _kfold_report(path: str) -> Optional[dict]:
    """The k-fold report at ``path`` (a ``kfold*.json`` or its work dir)."""
    if osp.isdir(path):
        path = osp.join(path, 'kfold.json')
    if not (path.endswith('.json') and osp.isfile(path)):
        return None
    from ..apis.kfold import load_report
    try:
        report = load_report(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f'{path} cannot be read as a k-fold report: {exc}.',
            fix='pass the kfold.json a tools/kfold.py run wrote (rerun it '
            'with --eval-only to write it again).',
            path=path) from None
    if not isinstance(report, dict) or not report.get('runs'):
        raise ConfigError(
            f'{path} is not a k-fold report (no "runs").',
            fix='pass the kfold.json a tools/kfold.py run wrote.',
            path=path)
    return report


def _kfold_run(path: str, report: dict, name: Optional[str]) -> Run:
    """A :class:`Run` of a k-fold report: the first fold's config."""
    from ..apis.config import load_config
    root = path if osp.isdir(path) else osp.dirname(path)
    name = name or osp.basename(osp.normpath(root))
    config: dict = {}
    for run in report['runs']:
        work_dir = run.get('work_dir') or ''
        if not osp.isabs(work_dir) and not osp.isdir(work_dir):
            work_dir = osp.join(root, osp.basename(work_dir))
        cfg_file = find_config(work_dir) if osp.isdir(work_dir) else None
        if cfg_file:
            config = _plain(load_config(cfg_file).to_dict())
            break
    return Run(name, config, kfold=report)


def kfold_values(run: Run, metric: str) -> Optional[Dict[Any, float]]:
    """Each fold's ``metric`` of a k-fold run, by ``(fold, seed)``.

    Args:
        run: A run.
        metric: The metric key.

    Returns:
        ``{(fold, seed): value}``; ``None`` for a run that is no k-fold run
        or did not log ``metric``.
    """
    if not run.kfold:
        return None
    values = {
        (r.get('fold'), r.get('seed')): float(r['metrics'][metric])
        for r in run.kfold['runs'] if metric in r.get('metrics', {})
    }
    return values or None


def _mean_std(values: Sequence[float]) -> Tuple[float, float]:
    import numpy as np
    arr = np.asarray(list(values), dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.


def noise_check(ref: Run, run: Run, metric: str) -> Optional[dict]:
    """Whether ``run`` differs from ``ref`` by more than the noise.

    Both must be k-fold runs. When they were made on the same folds (same
    ``folds``, ``split_seed``, ``trainval``, matched by fold and seed), the
    difference is paired: Δ is the mean of the per-fold differences and the
    spread their sample standard deviation (each fold's difficulty cancels,
    as in ``tools/kfold.py --compare``). Otherwise Δ is the difference of
    the means and the spread ``sqrt(std_ref² + std_run²)``, the two runs'
    sample standard deviations combined. Δ is within the noise when
    ``|Δ| < spread``.

    Args:
        ref: The reference run (the first one).
        run: The run compared with it.
        metric: The metric key.

    Returns:
        ``delta``, ``spread``, ``paired``, ``within``, ``n``; ``None`` when
        either is no k-fold run of ``metric``.
    """
    a, b = kfold_values(ref, metric), kfold_values(run, metric)
    if a is None or b is None:
        return None
    same = all(
        ref.kfold.get(k) == run.kfold.get(k)
        for k in ('folds', 'split_seed', 'trainval'))
    shared = sorted(set(a) & set(b), key=str) if same else []
    if len(shared) > 1:
        delta, spread = _mean_std(b[k] - a[k] for k in shared)
        paired, n = True, len(shared)
    else:
        (mean_a, std_a), (mean_b,
                          std_b) = _mean_std(a.values()), _mean_std(b.values())
        delta, spread = mean_b - mean_a, (std_a**2 + std_b**2)**0.5
        paired, n = False, min(len(a), len(b))
    return dict(
        delta=delta,
        spread=spread,
        paired=paired,
        within=abs(delta) < spread,
        n=n)


def headline(run: Run, metric: str) -> Optional[float]:
    """The value a run is compared by: k-fold mean, last val, or test.

    Args:
        run: A run.
        metric: The metric key.

    Returns:
        The value, ``None`` when the run has none.
    """
    values = kfold_values(run, metric)
    if values:
        return _mean_std(values.values())[0]
    if run.curves is not None and metric in run.curves.val:
        series = run.curves.val[metric].dropna()
        if len(series):
            return float(series.iloc[-1])
    if metric in run.test:
        return float(run.test[metric])
    return None


def _signed(value: Optional[float], digits: int = 2) -> Optional[str]:
    return None if value is None else f'{value:+.{digits}f}'


def runs_table(runs: Sequence[Run],
               metrics: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Final and best validation metrics (and test metrics) per run.

    Args:
        runs: The runs.
        metrics: Validation metrics to list; default ``accuracy/top1`` and
            ``bin/accuracy`` where logged.

    Returns:
        One row per run: ``epochs``, ``<m> final``, ``<m> best``,
        ``best epoch`` (of the first metric), ``test <m>``; for k-fold runs
        ``<m> k-fold`` (mean ± std over the folds); then ``Δ <m>`` of the
        first metric against the first run (:func:`headline`), and where
        two k-fold runs meet, ``spread`` and ``within noise``
        (:func:`noise_check`).
    """
    if metrics is None:
        logged = set()
        for run in runs:
            if run.curves is not None:
                logged |= set(run.curves.val.columns)
            logged |= set(run.test)
            for fold in (run.kfold or {}).get('runs', []):
                logged |= set(fold.get('metrics', {}))
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
        for m in metrics:
            values = kfold_values(run, m)
            if values:
                mean, std = _mean_std(values.values())
                row[f'{m} k-fold'] = (f'{mean:.2f} ± {std:.2f} '
                                      f'(n={len(values)})')
        rows.append(row)
    if metrics and len(runs) > 1:
        _add_deltas(rows, runs, metrics[0])
    frame = pd.DataFrame(rows)
    for col in ('epochs', 'best epoch'):
        if col in frame:
            frame[col] = frame[col].astype('Int64')
    return frame


def _add_deltas(rows: List[dict], runs: Sequence[Run], metric: str) -> None:
    """Add ``Δ <metric>`` (and the noise columns) against the first run."""
    ref = headline(runs[0], metric)
    checks = [noise_check(runs[0], run, metric) for run in runs]
    for i, (row, run, check) in enumerate(zip(rows, runs, checks)):
        value = headline(run, metric)
        if check is not None and i:
            delta = check['delta']
        else:
            delta = None if (i == 0 or value is None
                             or ref is None) else value - ref
        row[f'{DELTA} {metric}'] = 'ref' if i == 0 else _signed(delta)
        if any(c is not None for c in checks[1:]):
            row['spread'] = (None if check is None or i == 0 else
                             f'{check["spread"]:.2f}' +
                             (' paired' if check['paired'] else ''))
            row['within noise'] = (None if check is None or i == 0 else
                                   'yes' if check['within'] else 'no')


def format_table(frame: pd.DataFrame,
                 markdown: bool = False,
                 index: bool = False,
                 digits: int = 2) -> str:
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
        lines = [
            '| ' + ' | '.join(esc(h) for h in header) + ' |',
            '|' + '|'.join('---' for _ in header) + '|'
        ]
        lines += ['| ' + ' | '.join(esc(c) for c in r) + ' |' for r in body]
        return '\n'.join(lines)
    widths = [
        max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)
    ]
    fmt = lambda r: '  '.join(c.ljust(w) for c, w in zip(r, widths))  # noqa
    lines = [fmt(header), '  '.join('-' * w for w in widths)]
    lines += [fmt(r) for r in body]
    return '\n'.join(line.rstrip() for line in lines)


def compare_text(runs: Sequence[Run],
                 metrics: Optional[Sequence[str]] = None,
                 markdown: bool = False,
                 width: int = 48,
                 by_type: bool = True) -> str:
    """The metrics table and the config diff of runs, as text or Markdown.

    Args:
        runs: The runs.
        metrics: Validation metrics for :func:`runs_table`.
        markdown: Markdown tables instead of aligned text.
        width: Shorten longer values (0: full values).
        by_type: Match typed list entries by ``type``.

    Returns:
        The text.
    """
    parts = []
    if any(r.curves is not None or r.test or r.kfold for r in runs):
        parts += [
            '## Metrics' if markdown else 'Metrics:',
            format_table(runs_table(runs, metrics), markdown=markdown), ''
        ]
    diff = config_diff([r.config for r in runs], width=width, by_type=by_type)
    diff.columns = [r.name for r in runs]
    parts.append('## Config keys that differ'
                 if markdown else 'Config keys that differ:')
    parts.append(
        format_table(diff.rename_axis('key'), markdown=markdown, index=True)
        if len(diff) else 'none (the resolved configs are identical)')
    return '\n'.join(parts)


def write_report(runs: Sequence[Run],
                 path: str,
                 metrics: Optional[Sequence[str]] = None,
                 width: int = 60,
                 val_key: Optional[str] = None) -> List[str]:
    """A Markdown or HTML report: metrics, curves side by side, config diff.

    The curves of all runs share each panel (train loss, val metric, LR), so
    they compare at a glance. ``.md`` writes ``<name>_curves.png`` beside the
    report; ``.html`` embeds the figure, so the page is one file.

    Args:
        runs: The runs (work dirs for curves).
        path: ``report.md`` or ``report.html`` (written atomically).
        metrics: Validation metrics for the table.
        width: Shorten longer config values (0: full values).
        val_key: Metric to plot (default the first of the table's).

    Returns:
        The written files.
    """
    import base64
    import html as html_lib
    import os

    from ..fileio import atomic_write
    from .curves import VAL_DEFAULT, plot_curves
    html = path.lower().endswith(('.html', '.htm'))
    if not html and not path.lower().endswith('.md'):
        raise ConfigError(
            f'{path}: a report is .md or .html.',
            fix='name it report.md or report.html.',
            path=path)
    written = []
    curves = [r.curves for r in runs if r.curves is not None]
    png = None
    if curves:
        key = val_key or (list(metrics)[0] if metrics else VAL_DEFAULT)
        if html:  # embedded: draw into a temporary file
            import tempfile
            fd, png = tempfile.mkstemp(suffix='.png')
            os.close(fd)
        else:
            png = osp.splitext(path)[0] + '_curves.png'
        plot_curves(curves, png, key)
    title = 'Run comparison: ' + ', '.join(r.name for r in runs)
    if not html:
        text = [f'# {title}', '']
        if png:
            text += ['## Curves', '', f'![curves]({osp.basename(png)})', '']
            written.append(png)
        text.append(compare_text(runs, metrics, True, width))
        with atomic_write(path, encoding='utf-8') as f:
            f.write('\n'.join(text) + '\n')
        return [path] + written
    esc = html_lib.escape
    body = [f'<h1>{esc(title)}</h1>']
    if png:
        with open(png, 'rb') as f:
            data = base64.b64encode(f.read()).decode()
        os.remove(png)
        body += [
            '<h2>Curves</h2>', f'<img alt="curves" style="max-width:100%" '
            f'src="data:image/png;base64,{data}">'
        ]
    if any(r.curves is not None or r.test or r.kfold for r in runs):
        body += [
            '<h2>Metrics</h2>',
            runs_table(runs, metrics).to_html(
                index=False, na_rep='-', float_format='%.2f')
        ]
    diff = config_diff([r.config for r in runs], width=width)
    diff.columns = [r.name for r in runs]
    body.append('<h2>Config keys that differ</h2>')
    body.append(
        diff.rename_axis('key').to_html(
        ) if len(diff) else '<p>none (the resolved configs are identical)</p>')
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<title>{esc(title)}</title><style>body{{font-family:sans-serif;'
            'margin:2em}table{border-collapse:collapse}td,th{border:1px solid'
            ' #ccc;padding:2px 8px;text-align:left;font-size:0.9em}'
            '</style></head><body>' + '\n'.join(body) + '</body></html>\n')
    with atomic_write(path, encoding='utf-8') as f:
        f.write(page)
    return [path]

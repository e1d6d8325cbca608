"""Statistics and reports of k-fold runs: mean +- std, paired differences."""
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ...errors import ConfigError


def paired_differences(results_a: Sequence[dict], results_b: Sequence[dict],
                       metric: str) -> Tuple[List[dict], Dict[str, float]]:
    """Per-fold ``b - a`` of two k-fold runs over the same folds.

    Two recipes trained on the same folds share each fold's difficulty, so
    the spread of their per-fold differences is much smaller than the spread
    of either; a recipe wins when the mean difference clearly exceeds that
    spread.

    Args:
        results_a: Runs of recipe A (``fold``, ``seed``, ``metrics``).
        results_b: Runs of recipe B.
        metric: The metric key.

    Returns:
        The per-run differences (``name``, ``a``, ``b``, ``diff``) and their
        :func:`summarize`-style statistics.
    """
    b_by_key = {(r['fold'], r.get('seed')): r for r in results_b}
    rows = []
    for ra in results_a:
        rb = b_by_key.get((ra['fold'], ra.get('seed')))
        if rb is None:
            continue
        a, b = (summarize([r], metric)['mean'] for r in (ra, rb))  # checked
        rows.append(dict(name=ra['name'], a=a, b=b, diff=b - a))
    if not rows:
        raise ConfigError(
            'The two k-fold runs share no fold (matched by fold and seed).',
            fix='compare runs made with the same --folds, --split-seed and '
            '--seeds.')
    stats = summarize([dict(metrics={metric: r['diff']}) for r in rows],
                      metric)
    return rows, stats


def load_report(path: str) -> dict:
    """A ``kfold*.json`` report of ``tools/kfold.py`` (or a work dir's
    ``kfold.json``)."""
    if osp.isdir(path):
        path = osp.join(path, 'kfold.json')
    if not osp.isfile(path):
        raise ConfigError(
            f'{path} does not exist.',
            fix='pass the kfold.json (or kfold_<tag>.json) a tools/kfold.py '
            'run wrote, or its work dir.',
            path=path)
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def compare_reports(report_a: dict,
                    report_b: dict,
                    metric: str,
                    name_a: str = 'A',
                    name_b: str = 'B') -> Tuple[List[dict], Dict[str, float]]:
    """:func:`paired_differences` of two reports made on the same folds.

    Args:
        report_a: A :func:`load_report` report.
        report_b: Another.
        metric: The metric key.
        name_a: What to call ``report_a`` in an error (its path).
        name_b: The same for ``report_b``.

    Returns:
        What :func:`paired_differences` returns.
    """
    for key in ('folds', 'split_seed', 'trainval'):
        if report_a.get(key) != report_b.get(key):
            raise ConfigError(
                f'The two reports were made on different folds: {key} is '
                f'{report_a.get(key)!r} in {name_a} and '
                f'{report_b.get(key)!r} in {name_b}.',
                fix='compare runs made with the same --folds, --split-seed '
                'and --trainval.')
    return paired_differences(report_a['runs'], report_b['runs'], metric)


def format_paired(rows: Sequence[dict], stats: Dict[str, float], label_a: str,
                  label_b: str) -> str:
    """A Markdown table of :func:`paired_differences`."""
    lines = [
        f'| run | A: {label_a} | B: {label_b} | B - A |', '|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f'| {r["name"]} | {r["a"]:.2f} | {r["b"]:.2f} | '
                     f'{r["diff"]:+.2f} |')
    lines.append(f'| **mean +- std** (n={stats["n"]}) | | | '
                 f'**{stats["mean"]:+.2f} +- {stats["std"]:.2f}** |')
    return '\n'.join(lines)


def summarize(results: Sequence[dict], metric: str) -> Dict[str, float]:
    """Mean and sample standard deviation of ``metric`` over runs.

    Args:
        results: Dicts with ``metrics``.
        metric: The metric key (e.g. ``accuracy/top1``).

    Returns:
        ``mean``, ``std`` (ddof=1; 0 for one run), ``min``, ``max``, ``n``.
    """
    values = []
    for r in results:
        if metric not in r['metrics']:
            raise ConfigError(
                f'Metric {metric!r} was not logged; logged: '
                f'{sorted(r["metrics"])}.',
                fix='choose --metric from those.')
        values.append(float(r['metrics'][metric]))
    arr = np.asarray(values)
    return dict(
        mean=float(arr.mean()),
        std=float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
        min=float(arr.min()),
        max=float(arr.max()),
        n=len(arr))


def format_report(results: Sequence[dict], metric: str) -> str:
    """A Markdown table: one row per run, then mean +- std."""
    stats = summarize(results, metric)
    lines = [f'| run | {metric} | work dir |', '|---|---|---|']
    for r in results:
        lines.append(f'| {r["name"]} | {r["metrics"][metric]:.2f} | '
                     f'{r["work_dir"]} |')
    lines.append(f'| **mean +- std** (n={stats["n"]}) | '
                 f'**{stats["mean"]:.2f} +- {stats["std"]:.2f}** | '
                 f'min {stats["min"]:.2f}, max {stats["max"]:.2f} |')
    return '\n'.join(lines)

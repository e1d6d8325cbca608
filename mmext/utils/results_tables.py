"""Results tables of the docs, written from the metafiles.

The metafiles (``configs/**/metafile.yml``, listed by ``model-index.yml``)
are the one place where a config's figures live. Each doc that shows
results holds a table between two marker comments::

    <!-- results-table: NAME -->
    ... generated ...
    <!-- /results-table -->

and :func:`update_docs` rewrites what lies between them from the
metafiles, so that a figure changes in one place only. ``NAME`` picks the
table: ``headline`` (the README's few rows), ``family:<folder>`` (every
config of ``configs/<folder>/``, ``family:.`` for ``configs/`` itself), or
``baseline:<model name>`` (the variants measured against one model, with
their per-fold difference).
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

import yaml

from ..errors import ConfigError
from ..fileio import atomic_write

PREFIX = 'mobilenet-v2_in1k-pre-'
TOP1 = 'Top 1 Accuracy'
TTA = 'Top 1 Accuracy (4-flip TTA)'
MARKER = re.compile(
    r'(<!-- results-table: (?P<name>[^>]+?) -->\n)(?P<body>.*?)'
    r'(<!-- /results-table -->)', re.S)
# The README's rows: the fast baseline, the README job, the recipe's steps.
HEADLINE = (
    'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet',
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet',
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-16e_trashnet-192px',
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-256px',
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px',
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-40e_trashnet-256px-test288',
)
# Where each generated table goes (relative to the repository).
DOCS = ('README.md', 'configs/README.md', 'configs/recipe/README.md',
        'configs/ablations/README.md', 'configs/tta/README.md',
        'configs/feature_cache/README.md', 'configs/lenet/README.md',
        'configs/course/README.md')


def load_models(repo: str) -> List[dict]:
    """Read every model of the metafiles that ``model-index.yml`` imports.

    Args:
        repo: the repository root.

    Returns:
        The metafiles' ``Models`` entries, in the index's order, each with
        ``Folder`` added (the config's folder below ``configs/``, ``.`` for
        ``configs/`` itself).

    Raises:
        ConfigError: a metafile that is not valid YAML, named.
    """
    with open(osp.join(repo, 'model-index.yml'), encoding='utf-8') as f:
        index = yaml.safe_load(f)
    models = []
    for rel in index['Import']:
        with open(osp.join(repo, rel), encoding='utf-8') as f:
            try:
                doc = yaml.safe_load(f)
            except yaml.YAMLError as e:
                raise ConfigError(
                    f'{rel} is not valid YAML ({str(e).splitlines()[0]}, '
                    f'{getattr(e, "problem_mark", "")}). Fix the metafile; '
                    'a value holding ": " needs quotes.') from None
            for model in doc.get('Models') or []:
                folder = osp.dirname(osp.relpath(model['Config'], 'configs'))
                models.append(dict(model, Folder=folder or '.'))
    return models


def _metrics(model: dict) -> Dict[str, float]:
    """The metrics of a model's first result (empty if it has none)."""
    results = model.get('Results') or []
    return dict(results[0]['Metrics']) if results else {}


def _figure(metrics: Dict[str, float], key: str) -> str:
    """``mean +- std`` of a metric, ``mean`` without a std, ``''`` absent."""
    if key not in metrics:
        return ''
    std = metrics.get(f'{key} Std')
    mean = f'{metrics[key]:.2f}'
    return f'{mean} +- {std:.2f}' if std is not None else mean


def _delta(metrics: Dict[str, float]) -> str:
    """The per-fold difference against the baseline, with its metric."""
    for key in sorted(metrics):
        if key.startswith('Delta per Fold') and not key.endswith(' Std'):
            std = metrics.get(f'{key} Std')
            what = key[len('Delta per Fold'):].strip(' ()')
            text = f'{metrics[key]:+.2f}'
            if std is not None:
                text += f' +- {std:.2f}'
            what = what.replace('4-flip TTA', '--tta')
            return f'{text} ({what})' if what else text
    return ''


def short_model_name(name: str) -> str:
    """A model name without the common MobileNetV2 prefix."""
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def _link(model: dict, doc: str) -> str:
    """A Markdown link from ``doc`` to the model's config file."""
    target = osp.relpath(model['Config'], osp.dirname(doc) or '.')
    name = short_model_name(model['Name'])
    return f'[`{name}`]({target.replace(os.sep, "/")})'


def _minutes(model: dict) -> str:
    """Training minutes of one run, as the metafile states them."""
    value = model['Metadata'].get('Training Minutes')
    return '' if value is None else f'{value:g}'


def _table(header: Tuple[str, ...], rows: List[List[str]]) -> str:
    """A Markdown table as mdformat (with mdformat-tables) writes it.

    Columns are padded to their widest cell, so the lint's formatter leaves
    the generated text as it is; blank lines set the table off from the
    marker comments.
    """
    cells = [list(header)] + [list(row) for row in rows]
    widths = [
        max(3, max(len(row[i]) for row in cells)) for i in range(len(header))
    ]

    def line(row: List[str]) -> str:
        return '| ' + ' | '.join(
            cell.ljust(width) for cell, width in zip(row, widths)) + ' |'

    lines = [line(cells[0]), line(['-' * w for w in widths])]
    lines += [line(row) for row in cells[1:]]
    return '\n' + '\n'.join(lines) + '\n\n'


def _summary_row(model: dict, doc: str) -> List[str]:
    """Config, protocol, top-1, with ``--tta``, minutes, verdict."""
    metrics = _metrics(model)
    return [
        _link(model, doc), model['Metadata']['Results Protocol'],
        _figure(metrics, TOP1),
        _figure(metrics, TTA),
        _minutes(model), model['Metadata'].get('Verdict', '')
    ]


def render(name: str, models: List[dict], doc: str) -> str:
    """The Markdown of one named table.

    Args:
        name: ``headline``, ``family:<folder>`` or ``baseline:<model>``.
        models: :func:`load_models`' result.
        doc: the doc the table goes in (links are relative to it).

    Returns:
        The table, ending with a newline.

    Raises:
        ValueError: an unknown table name, or one that selects no model.
    """
    by_name = {m['Name']: m for m in models}
    if name == 'headline':
        header = ('config', 'protocol', 'top-1', 'with `--tta`',
                  'training min', 'what it is')
        chosen = [by_name[n] for n in HEADLINE]
        return _table(header, [_summary_row(m, doc) for m in chosen])
    kind, _, arg = name.partition(':')
    if kind == 'family':
        header = ('config', 'protocol', 'top-1', 'with `--tta`',
                  'training min', 'verdict')
        chosen = [
            m for m in models
            if m['Folder'] == arg and m['Metadata'].get('Results Protocol')
        ]
        rows = [_summary_row(m, doc) for m in chosen]
    elif kind == 'baseline':
        header = ('variant', 'what changed', '5-fold top-1', 'with `--tta`',
                  'per fold vs base', 'training min', 'verdict')
        base = by_name.get(arg)
        chosen = ([base] if base else []) + [
            m for m in models if m['Metadata'].get('Baseline') == arg
        ]
        rows = [[
            _link(m, doc),
            ('base: ' if m is base else '') + m['Metadata'].get('Change', ''),
            _figure(_metrics(m), TOP1),
            _figure(_metrics(m),
                    TTA), '' if m is base else _delta(_metrics(m)),
            _minutes(m), m['Metadata'].get('Verdict', '')
        ] for m in chosen]
    else:
        raise ValueError(f'unknown results table {name!r}: use headline, '
                         'family:<folder> or baseline:<model name>')
    if not chosen:
        raise ValueError(f'results table {name!r} selects no model')
    return _table(header, rows)


def update_text(text: str, models: List[dict], doc: str) -> str:
    """Rewrite every marked table of a doc.

    Args:
        text: the doc's Markdown.
        models: :func:`load_models`' result.
        doc: the doc's path relative to the repository.

    Returns:
        The Markdown with each table regenerated.
    """

    def replace(m: re.Match) -> str:
        body = render(m.group('name').strip(), models, doc)
        return m.group(1) + body + m.group(4)

    return MARKER.sub(replace, text)


def update_docs(repo: str,
                check: bool = False,
                docs: Optional[Tuple[str, ...]] = None) -> List[str]:
    """Regenerate (or check) the results tables of the docs.

    Args:
        repo: the repository root.
        check: only report the docs whose tables differ; write nothing.
        docs: the docs to treat, relative to ``repo`` (default: every doc
            that holds results).

    Returns:
        The docs whose tables differed from the metafiles (rewritten unless
        ``check``).
    """
    models = load_models(repo)
    stale = []
    for doc in docs or DOCS:
        path = osp.join(repo, doc)
        if not osp.isfile(path):
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        new = update_text(text, models, doc)
        if new != text:
            stale.append(doc)
            if not check:
                with atomic_write(path, 'w', encoding='utf-8') as f:
                    f.write(new)
    return stale

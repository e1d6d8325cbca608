"""The docs' results tables and plot are what the metafiles say.

Every results table of the docs sits between ``results-table`` marker
comments and is written by ``tools/misc/results_tables.py`` from the
metafiles; these tests fail when a table or docs/results.png is stale, and
check that a changed figure would be caught.
"""
import os.path as osp
import re
import shutil
from collections import defaultdict

import pytest

from mmext.utils.results_plot import (draw, inputs_hash, pareto_front,
                                      plot_points, png_hash)
from mmext.utils.results_tables import (DOCS, MARKER, load_models, render,
                                        update_docs)

REPO = osp.dirname(osp.abspath(__file__)).rsplit(osp.sep, 1)[0]
FIX = 'run python tools/misc/results_tables.py'


def test_docs_tables_match_metafiles():
    """No doc's generated table differs from the metafiles."""
    stale = update_docs(REPO, check=True)
    assert not stale, f'stale results tables in {stale}: {FIX}'


def test_docs_hold_tables():
    """The README, configs/README.md and the recipe README have tables."""
    for doc in ('README.md', 'configs/README.md', 'configs/recipe/README.md'):
        with open(osp.join(REPO, doc), encoding='utf-8') as f:
            assert MARKER.search(f.read()), doc


def _copy_repo(tmp_path):
    """The metafiles, the model index and the docs, copied to tmp_path."""
    shutil.copy(osp.join(REPO, 'model-index.yml'), tmp_path)
    for model in load_models(REPO):
        meta = osp.join(osp.dirname(model['Config']), 'metafile.yml')
        dst = tmp_path / meta
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(osp.join(REPO, meta), dst)
    for doc in DOCS:
        if osp.isfile(osp.join(REPO, doc)):
            dst = tmp_path / doc
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(osp.join(REPO, doc), dst)
    return tmp_path


def test_changed_figure_is_caught(tmp_path):
    """Edit one figure in a metafile: the check names the docs, a rewrite
    puts the new figure in them."""
    root = _copy_repo(tmp_path)
    meta = root / 'configs' / 'metafile.yml'
    text = meta.read_text(encoding='utf-8')
    new = text.replace('Top 1 Accuracy (4-flip TTA): 92.22',
                       'Top 1 Accuracy (4-flip TTA): 12.34', 1)
    assert new != text
    meta.write_text(new, encoding='utf-8')
    stale = update_docs(str(root), check=True)
    assert 'README.md' in stale and 'configs/README.md' in stale
    update_docs(str(root))
    assert '12.34 +- 0.85' in (root / 'README.md').read_text(encoding='utf-8')
    assert not update_docs(str(root), check=True)


def test_bad_metafile_is_named(tmp_path):
    """A metafile that is not YAML gives one error naming it."""
    from mmext.errors import ConfigError
    root = _copy_repo(tmp_path)
    (root / 'configs' / 'metafile.yml').write_text(
        'Models:\n  - Name: x\n    Notes: a: b: c\n', encoding='utf-8')
    with pytest.raises(ConfigError, match='configs/metafile.yml'):
        load_models(str(root))


def test_unknown_table_is_an_error():
    """A misspelt table name is refused, not rendered empty."""
    models = load_models(REPO)
    with pytest.raises(ValueError, match='unknown'):
        render('headlines', models, 'README.md')
    with pytest.raises(ValueError, match='selects no model'):
        render('family:no-such-folder', models, 'README.md')


def test_plot_is_current():
    """docs/results.png was drawn from the metafiles as they are."""
    png = osp.join(REPO, 'docs', 'results.png')
    assert osp.isfile(png) and osp.isfile(png[:-3] + 'svg')
    assert png_hash(png) == inputs_hash(plot_points(load_models(REPO))), \
        f'docs/results.png is stale: {FIX}'


def test_plot_hash_follows_figures(tmp_path):
    """Changing one plotted figure changes the hash; the drawn PNG stores
    it; the Pareto front keeps only points nothing beats."""
    models = load_models(REPO)
    points = plot_points(models)
    assert len(points) >= 10
    labelled = {p[5] for p in points}
    assert {'the README job', 'the cheaper recipe',
            'the best recipe'} <= labelled
    changed = [list(p) for p in points]
    changed[0][2] += 0.01
    assert inputs_hash(changed) != inputs_hash(points)
    front = pareto_front([(n, m, a, 0, True, '')
                          for n, m, a in [('a', 1, 90), ('b', 2,
                                                         89), ('c', 3, 92)]])
    assert [p[0] for p in front] == ['a', 'c']
    digest = draw(models[:], str(tmp_path / 'r.png'), str(tmp_path / 'r.svg'))
    assert png_hash(str(tmp_path / 'r.png')) == digest


# The figure rule of CONTRIBUTING.md: an accuracy figure (two digits, two
# decimals) stands in at most two docs/config files outside the generated
# tables and the dated logs of benchmarks/logs/ (and, as the before-stop
# check counts it, in fewer than four with the generated tables).
FIGURE = re.compile(r'\b\d{2}\.\d{2}\b')


def _figure_files(strip_generated: bool):
    """Map each figure to the tracked docs/configs that state it."""
    import subprocess
    files = subprocess.run(
        ['git', 'ls-files', '*.md', 'configs/*.py', 'configs/**/*.py'],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True).stdout.split()
    where = defaultdict(set)
    for rel in files:
        if rel.startswith('benchmarks/logs/') or not osp.isfile(
                osp.join(REPO, rel)):
            continue
        with open(osp.join(REPO, rel), encoding='utf-8') as f:
            text = f.read()
        if rel.endswith('.py'):  # a config's comments; its code holds
            text = '\n'.join(  # constants such as the ImageNet std 57.12
                line.split('#', 1)[1] for line in text.splitlines()
                if '#' in line)
        if strip_generated:
            text = MARKER.sub('', text)
        for fig in set(FIGURE.findall(text)):
            where[fig].add(rel)
    return where


def test_a_figure_is_stated_once():
    """Outside generated tables and benchmarks/logs/, no figure is in more
    than two files; with the generated tables, in fewer than four."""
    hand = {f: sorted(w) for f, w in _figure_files(True).items() if len(w) > 2}
    assert not hand, f'figures copied into 3+ files: {hand}'
    every = {
        f: sorted(w)
        for f, w in _figure_files(False).items() if len(w) >= 4
    }
    assert not every, f'figures in 4+ files: {every}'

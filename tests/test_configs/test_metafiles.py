"""model-index.yml and the per-family metafiles list every config, and only
configs that exist, in OpenMMLab's model-index format."""
import glob
import numbers
import os.path as osp

import pytest
import yaml

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _load(rel: str):
    with open(osp.join(REPO, rel), encoding='utf-8') as f:
        return yaml.safe_load(f)


def _metafiles():
    """The metafiles that model-index.yml imports (relative paths)."""
    return _load('model-index.yml')['Import']


def _models():
    """``(metafile, model dict)`` for every model of every metafile."""
    return [(mf, m) for mf in _metafiles() for m in _load(mf)['Models']]


def _configs_on_disk():
    """Every config under configs/ except the ``_base_`` folders."""
    found = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    rels = [osp.relpath(p, REPO).replace(osp.sep, '/') for p in found]
    return sorted(r for r in rels if '_base_' not in r.split('/'))


def test_model_index_imports_every_metafile():
    """Each metafile.yml under configs/ is imported, and each import exists."""
    imported = _metafiles()
    assert len(imported) == len(set(imported)), 'a metafile imported twice'
    for rel in imported:
        assert osp.isfile(osp.join(REPO, rel)), f'{rel} does not exist'
    on_disk = sorted(
        osp.relpath(p, REPO).replace(osp.sep, '/') for p in glob.glob(
            osp.join(REPO, 'configs', '**', 'metafile.yml'), recursive=True))
    assert sorted(imported) == on_disk


def test_every_metafile_config_exists():
    """A metafile never names a config that is not there."""
    missing = [(mf, m['Config']) for mf, m in _models()
               if not osp.isfile(osp.join(REPO, m['Config']))]
    assert not missing, f'metafiles name missing configs: {missing}'


def test_every_config_is_listed():
    """Every config under configs/ (not ``_base_``) is in some metafile."""
    listed = {m['Config'] for _, m in _models()}
    unlisted = [c for c in _configs_on_disk() if c not in listed]
    assert not unlisted, (
        f'configs missing from every metafile: {unlisted}; add them to the '
        'metafile.yml of their folder (see CONTRIBUTING.md)')
    assert len(_configs_on_disk()) > 0


def test_each_family_lists_its_own_configs():
    """A metafile lists the configs of its own folder, named after them."""
    for mf, m in _models():
        assert osp.dirname(m['Config']) == osp.dirname(mf), (mf, m['Config'])
        stem = osp.splitext(osp.basename(m['Config']))[0]
        assert m['Name'] == stem, (mf, m['Name'], stem)


@pytest.mark.parametrize('metafile', _metafiles())
def test_metafile_format(metafile):
    """Collections and Models carry the fields OpenMMLab's model index has."""
    data = _load(metafile)
    assert set(data) <= {'Collections', 'Models'}, metafile
    collections = {c['Name']: c for c in data['Collections']}
    for c in collections.values():
        readme = c.get('README')
        assert readme and osp.isfile(osp.join(REPO, readme)), (metafile, c)
    names = [m['Name'] for m in data['Models']]
    assert len(names) == len(set(names)), f'duplicate names in {metafile}'
    for m in data['Models']:
        assert m['In Collection'] in collections, (metafile, m['Name'])
        assert isinstance(m.get('Metadata'), dict), (metafile, m['Name'])
        assert isinstance(m['Metadata'].get('Epochs'), int), m['Name']
        for result in m.get('Results') or []:
            assert result['Task'] == 'Image Classification', m['Name']
            assert isinstance(result['Dataset'], str), m['Name']
            assert result['Metrics'], m['Name']
            for key, value in result['Metrics'].items():
                assert isinstance(value, numbers.Real), (m['Name'], key)
                # a per-fold difference against the baseline may be < 0
                low = -100 if key.startswith('Delta per Fold') else 0
                assert low <= value <= 100, (m['Name'], key, value)
            protocol = m['Metadata'].get('Results Protocol', '')
            assert len(protocol) <= 40, (m['Name'], 'a short protocol name; '
                                         'prose goes to Notes')
        if m.get('Results'):
            # a number needs the split and protocol it was measured with
            assert m['Metadata'].get('Results Protocol'), m['Name']


def test_model_names_are_unique_across_metafiles():
    """One name per config in the whole index."""
    names = [m['Name'] for _, m in _models()]
    assert len(names) == len(set(names))

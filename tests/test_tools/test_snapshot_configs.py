"""tools/misc/snapshot_configs.py: resolved configs written and compared."""
import importlib.util
import os.path as osp

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    path = osp.join(REPO, 'tools', 'misc', 'snapshot_configs.py')
    spec = importlib.util.spec_from_file_location('snapshot_configs', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _configs(root, lr='0.1'):
    _write(root / '_base_' / 'schedule.py',
           f'optim_wrapper = dict(optimizer=dict(type="SGD", lr={lr}))\n')
    _write(
        root / 'a_1xb8_x.py',
        "_base_ = './_base_/schedule.py'\ntrain_cfg = dict(max_epochs=3)\n")
    _write(root / 'family' / 'b_1xb8_x.py',
           "_base_ = '../a_1xb8_x.py'\ntrain_cfg = dict(max_epochs=5)\n")
    _write(root / 'family' / 'broken.py', "_base_ = './missing.py'\n")


def test_snapshot_resolves_inheritance_and_records_errors(tmp_path):
    """Each config's resolved text lands at its relative path."""
    tool = _tool()
    _configs(tmp_path / 'configs')
    texts = tool.write_snapshot(str(tmp_path / 'configs'), str(tmp_path / 's'))
    assert sorted(texts) == [
        'a_1xb8_x.py', 'family/b_1xb8_x.py', 'family/broken.py'
    ]  # no _base_ by default
    b = (tmp_path / 's' / 'family' / 'b_1xb8_x.py').read_text()
    assert 'max_epochs=5' in b and 'lr=0.1' in b  # inherited through a
    assert texts['family/broken.py'].startswith('# ERROR')
    with_bases = tool.write_snapshot(
        str(tmp_path / 'configs'), str(tmp_path / 's2'), include_bases=True)
    assert '_base_/schedule.py' in with_bases


def test_compare_finds_a_changed_resolved_config(tmp_path):
    """A change in a base shows in every config that inherits it."""
    tool = _tool()
    _configs(tmp_path / 'old_cfg')
    _configs(tmp_path / 'same_cfg')
    _configs(tmp_path / 'new_cfg', lr='0.2')
    # a refactor that only moves text around resolves to the same configs
    _write(
        tmp_path / 'same_cfg' / '_base_' / 'schedule.py',
        'lr = 0.1\noptim_wrapper = dict(optimizer=dict(type="SGD"))\n'
        'optim_wrapper["optimizer"]["lr"] = lr\ndel lr\n')
    for name in ('old', 'same', 'new'):
        tool.write_snapshot(
            str(tmp_path / f'{name}_cfg'), str(tmp_path / f'{name}_snap'))
    same = tool.compare_snapshots(
        str(tmp_path / 'old_snap'), str(tmp_path / 'same_snap'))
    assert same == dict(changed=[], only_old=[], only_new=[])
    diff = tool.compare_snapshots(
        str(tmp_path / 'old_snap'), str(tmp_path / 'new_snap'))
    assert diff['changed'] == ['a_1xb8_x.py', 'family/b_1xb8_x.py']
    assert tool.main([
        str(tmp_path / 'again'), '--configs-dir',
        str(tmp_path / 'new_cfg'), '--compare',
        str(tmp_path / 'old_snap')
    ]) == 1
    assert tool.main([
        str(tmp_path / 'again2'), '--configs-dir',
        str(tmp_path / 'old_cfg'), '--compare',
        str(tmp_path / 'old_snap')
    ]) == 0


def test_removed_and_added_configs_are_reported(tmp_path):
    """A renamed config is one file only in the old and one only in the new
    snapshot."""
    tool = _tool()
    _configs(tmp_path / 'old_cfg')
    _configs(tmp_path / 'new_cfg')
    (tmp_path / 'new_cfg' / 'a_1xb8_x.py').rename(tmp_path / 'new_cfg' /
                                                  'a_1xb8_y.py')
    (tmp_path / 'new_cfg' / 'family' / 'b_1xb8_x.py').write_text(
        "_base_ = '../a_1xb8_y.py'\ntrain_cfg = dict(max_epochs=5)\n")
    tool.write_snapshot(str(tmp_path / 'old_cfg'), str(tmp_path / 'o'))
    tool.write_snapshot(str(tmp_path / 'new_cfg'), str(tmp_path / 'n'))
    diff = tool.compare_snapshots(str(tmp_path / 'o'), str(tmp_path / 'n'))
    assert diff == dict(
        changed=[], only_old=['a_1xb8_x.py'], only_new=['a_1xb8_y.py'])

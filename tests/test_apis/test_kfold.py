"""k-fold: the K validation parts are disjoint, cover the training set, and
each fold trains on exactly the rest; a 2-fold tiny run reports mean +- std;
``--eval-only`` re-tests the trained folds (the same numbers with the same
pipeline, other numbers with TTA or another pipeline), ``--soup-with`` tests
each fold as the weight average of two recipes' checkpoints,
``--ensemble-with`` by the mean of their class scores, ``--teacher``
distils trained folds into a student's same folds, and ``--compare`` gives
paired per-fold differences."""
import copy
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from mmengine.config import Config

from helpers import REPO, kfold_runs, write_tiny_config


def image_paths(dataset):
    return [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]


@pytest.mark.parametrize('wrapped', [False, True])
def test_folds_partition_the_training_set(list_set, tmp_path, wrapped):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS

    from mmext.apis.kfold import kfold_configs
    extra = ''
    if wrapped:
        extra = (
            'train_dataloader = dict(dataset=dict(_delete_=True, '
            "type='RepeatDataset', times=2, dataset=dict("
            "type='GarbageDataset', data_root='{root}', "
            "ann_file='meta/train.txt', data_prefix='images', "
            "classes='meta/classes.txt', pipeline=train_pipeline)))\n").format(
                root=list_set)
    cfg = Config.fromfile(write_tiny_config(tmp_path, list_set, extra))
    init_default_scope('mmpretrain')
    base = image_paths(
        DATASETS.build(
            dict(
                type='GarbageDataset',
                data_root=str(list_set),
                ann_file='meta/train.txt',
                data_prefix='images',
                classes='meta/classes.txt')))
    assert len(base) == 15
    k = 4
    folds = kfold_configs(cfg, k, seed=3)
    assert len(folds) == k
    vals = []
    for i, fold in enumerate(folds):
        tr_cfg = fold.train_dataloader.dataset
        va_cfg = fold.val_dataloader.dataset
        assert va_cfg.type == 'KFoldDataset' and va_cfg.test_mode
        assert va_cfg.fold == i and va_cfg.num_splits == k and va_cfg.seed == 3
        # the val side keeps the test pipeline, the train side its own
        assert [t['type'] for t in va_cfg.dataset.pipeline][-2] == 'CenterCrop'
        inner = tr_cfg.dataset if wrapped else tr_cfg
        assert tr_cfg.type == ('RepeatDataset' if wrapped else 'KFoldDataset')
        assert inner.type == 'KFoldDataset' and not inner.test_mode
        assert inner.dataset.pipeline[1]['type'] == 'RandomResizedCrop'
        assert fold.test_dataloader.dataset == fold.val_dataloader.dataset
        val = image_paths(DATASETS.build(va_cfg))
        train = image_paths(DATASETS.build(tr_cfg))
        if wrapped:
            assert len(train) == 2 * (15 - len(val))
        assert not set(val) & set(train)
        assert set(val) | set(train) == set(base)
        assert len(val) in (3, 4)
        vals.append(val)
    flat = [p for v in vals for p in v]
    assert len(flat) == len(set(flat)) == 15  # disjoint and covering
    # shuffled: the first part is not simply the first lines of train.txt
    assert vals[0] != base[:len(vals[0])]
    # the config itself is untouched
    assert cfg.val_dataloader.dataset.type == 'GarbageDataset'


def test_heldout_test_config_is_the_folds_validation_set(list_set, tmp_path):
    """The plain data set with ``indices`` holds the images KFoldDataset
    validates on, in the same order, and carries a pipeline of its own (for
    --tta)."""
    from mmpretrain.datasets import build_dataset

    from mmext.apis.kfold import heldout_test_config, kfold_configs
    cfg = Config.fromfile(write_tiny_config(tmp_path, list_set))
    folds = kfold_configs(cfg, 3, seed=1)
    seen = []
    for fold_cfg in folds:
        test_cfg = heldout_test_config(fold_cfg)
        ds = test_cfg.test_dataloader.dataset
        assert ds.type == 'GarbageDataset' and ds.test_mode
        assert [t['type'] for t in ds.pipeline][-2] == 'CenterCrop'
        want = build_dataset(fold_cfg.val_dataloader.dataset)
        got = build_dataset(ds)
        assert image_paths(got) == image_paths(want)
        assert [got.get_data_info(i)['gt_label'] for i in range(len(got))] == [
            want.get_data_info(i)['gt_label'] for i in range(len(want))
        ]
        # the fold's config is untouched
        assert fold_cfg.test_dataloader.dataset.type == 'KFoldDataset'
        seen += image_paths(got)
    assert len(seen) == len(set(seen)) == 15


def test_paired_differences():
    from mmext.apis.kfold import format_paired, paired_differences
    from mmext.errors import ConfigError
    runs = kfold_runs
    a, b = runs([80., 90., 70.]), runs([82., 91., 73.])
    rows, stats = paired_differences(a, b[::-1], 'accuracy/top1')
    assert [r['diff'] for r in rows] == pytest.approx([2., 1., 3.])
    assert stats['mean'] == pytest.approx(2.) and stats['n'] == 3
    assert stats['std'] == pytest.approx(1.)  # ddof=1
    assert '**+2.00 +- 1.00**' in format_paired(rows, stats, 'a', 'b')
    with pytest.raises(ConfigError, match='share no fold'):
        paired_differences(a, runs([1., 2., 3.], seed=5), 'accuracy/top1')


def test_eval_only_needs_trained_folds(list_set, tmp_path):
    from mmext.apis.kfold import evaluate_folds
    from mmext.errors import ConfigError
    cfg = Config.fromfile(write_tiny_config(tmp_path, list_set))
    with pytest.raises(ConfigError, match='holds no trained checkpoint') as e:
        evaluate_folds(cfg, str(tmp_path / 'never_trained'), 2)
    assert 'without --eval-only' in str(e.value)
    # a soup and an ensemble at once, or an ensemble under another metric
    with pytest.raises(ConfigError, match='not both'):
        evaluate_folds(
            cfg, str(tmp_path), 2, soup_with=['a'], ensemble_with=['b'])
    with pytest.raises(ConfigError, match='reports accuracy/top1 only'):
        evaluate_folds(
            cfg, str(tmp_path), 2, ensemble_with=['b'], metric='bin/accuracy')


def test_kfold_refuses_bad_input(list_set, tmp_path):
    from mmext.apis.kfold import kfold_configs
    from mmext.errors import ConfigError
    cfg = Config.fromfile(write_tiny_config(tmp_path, list_set))
    with pytest.raises(ConfigError, match='at least 2 folds'):
        kfold_configs(cfg, 1)


def test_trainval_folds_cover_train_and_val(list_set, tmp_path):
    from mmpretrain.datasets import build_dataset

    from mmext.apis.kfold import kfold_configs, use_trainval
    from mmext.errors import ConfigError
    cfg = Config.fromfile(write_tiny_config(tmp_path, list_set))
    node = cfg.train_dataloader.dataset
    with pytest.raises(ConfigError, match='trainval.txt does not exist'):
        use_trainval(cfg)
    meta = osp.join(node.data_root, 'meta')
    lines = []
    for split in ('train', 'val'):
        with open(osp.join(meta, f'{split}.txt')) as f:
            lines += f.read().splitlines()
    with open(osp.join(meta, 'trainval.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    use_trainval(cfg)
    folds = kfold_configs(cfg, 2)
    val_parts = [
        image_paths(build_dataset(f.val_dataloader.dataset)) for f in folds
    ]
    assert sorted(val_parts[0] + val_parts[1]) == sorted(
        osp.join(node.data_root, node.data_prefix,
                 ln.split()[0]) for ln in lines)


@pytest.mark.slow
@pytest.mark.e2e
def test_two_fold_training_end_to_end(list_set, tmp_path, monkeypatch, capsys):
    cfg = write_tiny_config(tmp_path, list_set)  # 2 epochs
    work = tmp_path / 'kfold'
    tool = osp.join(REPO, 'tools', 'kfold.py')
    monkeypatch.setattr(sys, 'argv',
                        [tool, cfg, '--folds', '2', '--work-dir',
                         str(work)])
    runpy.run_path(tool, run_name='__main__')
    out = capsys.readouterr().out
    report = json.loads((work / 'kfold.json').read_text())
    runs = report['runs']
    assert [r['fold'] for r in runs] == [0, 1]
    top1 = [r['metrics']['accuracy/top1'] for r in runs]
    for i in range(2):
        assert (work / f'fold_{i}' / 'epoch_2.pth').is_file()
    # the fold's top-1 is a fraction of its 7 or 8 validation images
    for acc in top1:
        assert any(
            abs(acc - 100 * c / n) < 1e-3 for n in (7, 8)
            for c in range(n + 1))
    assert report['summary']['mean'] == pytest.approx(np.mean(top1))
    assert report['summary']['std'] == pytest.approx(np.std(top1, ddof=1))
    assert '**mean +- std** (n=2)' in (work / 'kfold.md').read_text()
    assert 'mean +- std' in out

    # --eval-only with the training pipeline reproduces each fold's score
    def kfold(*extra):
        monkeypatch.setattr(sys, 'argv', [tool, *extra])
        runpy.run_path(tool, run_name='__main__')
        return capsys.readouterr().out

    kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only')
    again = json.loads((work / 'kfold_eval.json').read_text())
    assert [r['metrics']['accuracy/top1']
            for r in again['runs']] == pytest.approx(top1)
    assert '**+0.00 +- 0.00**' in (work / 'kfold_eval.md').read_text()
    for i, n in enumerate((7, 8)):  # out-of-fold predictions, every image
        rows = (work / f'fold_{i}' / 'eval' / 'preds.csv').read_text()
        assert len(rows.strip().splitlines()) == n + 1
    # TTA and another test pipeline are real evaluations of the same folds
    kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only', '--tta')
    tta = json.loads((work / 'kfold_eval-tta.json').read_text())
    assert tta['tta'] and len(tta['runs']) == 2
    out = kfold('--compare', str(work), str(work / 'kfold_eval-tta.json'))
    assert 'tiny_cfg (TTA)' in out and '(n=2)' in out
    with pytest.raises(SystemExit):  # a report of other folds: refused
        bad = dict(again, folds=3)
        (tmp_path / 'bad.json').write_text(json.dumps(bad))
        kfold('--compare', str(work), str(tmp_path / 'bad.json'))
    assert 'different folds' in capsys.readouterr().err

    # --soup-with: each fold tested as the weight average of its checkpoint
    # and the same fold's checkpoint of another recipe's work dir
    import torch
    other = tmp_path / 'other'
    for i in range(2):
        ckpt = torch.load(
            work / f'fold_{i}' / 'epoch_2.pth', weights_only=False)
        state = {
            k: v + 1 if v.is_floating_point() else v
            for k, v in ckpt['state_dict'].items()
        }
        (other / f'fold_{i}').mkdir(parents=True)
        torch.save(
            dict(ckpt, state_dict=state), other / f'fold_{i}' / 'epoch_2.pth')
        (other / f'fold_{i}' / 'last_checkpoint').write_text(
            str(other / f'fold_{i}' / 'epoch_2.pth'))
    kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only',
          '--soup-with', str(other))
    soup_report = json.loads((work / 'kfold_soup.json').read_text())
    assert soup_report['soup_with'] == [str(other)]
    for i in range(2):
        own = torch.load(
            work / f'fold_{i}' / 'epoch_2.pth',
            weights_only=False)['state_dict']
        soup = torch.load(
            work / f'fold_{i}' / 'soup' / 'soup.pth', weights_only=False)
        assert len(soup['meta']['soup']['sources']) == 2
        for k, v in own.items():
            if v.is_floating_point():
                torch.testing.assert_close(soup['state_dict'][k], v + 0.5)
        assert (work / f'fold_{i}' / 'soup' / 'preds.csv').is_file()

    # --ensemble-with: the class scores of the members averaged per fold
    from mmext.apis.ensemble import frame_scores
    from mmext.evaluation.submission import read_predictions
    kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only',
          '--ensemble-with', str(work), '--tag', 'self')
    self_ens = json.loads((work / 'kfold_self.json').read_text())
    assert [r['metrics']['accuracy/top1']
            for r in self_ens['runs']] == pytest.approx(top1)
    with pytest.raises(SystemExit):  # the members' configs are needed
        kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only',
              '--ensemble-with', str(other))
    assert 'dumped' in capsys.readouterr().err
    for i in range(2):
        dumped = list((work / f'fold_{i}').glob('*.py'))
        (other / f'fold_{i}' / dumped[0].name).write_text(
            dumped[0].read_text())
    kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only',
          '--ensemble-with', str(other))
    ens_report = json.loads((work / 'kfold_ensemble.json').read_text())
    for i, run in enumerate(ens_report['runs']):
        folder = work / f'fold_{i}' / 'ensemble'
        members = [
            frame_scores(read_predictions(str(folder / f'member_{j}.csv')))[0]
            for j in range(2)
        ]
        assert not np.allclose(members[0], members[1])  # other weights
        ens = read_predictions(str(folder / 'preds.csv'), labelled=True)
        mean = (members[0] + members[1]) / 2
        assert ens['pred_label'].tolist() == mean.argmax(1).tolist()
        np.testing.assert_allclose(ens['score'], mean.max(1), atol=2e-6)
        assert run['metrics']['accuracy/top1'] == pytest.approx(
            100 * (ens['pred_label'] == ens['gt_label']).mean())

    with pytest.raises(SystemExit):  # a recipe without trained folds
        kfold(cfg, '--folds', '2', '--work-dir', str(work), '--eval-only',
              '--soup-with', str(tmp_path / 'never_trained'))
    assert 'holds no trained checkpoint' in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a soup needs trained folds
        kfold(cfg, '--folds', '2', '--work-dir', str(work), '--soup-with',
              str(other))
    assert 'needs --eval-only' in capsys.readouterr().err

    # --teacher (distillation): before a student's fold trains, the same
    # fold's teacher models score its training images, never its held-out
    # ones, and the student's LoadTeacherScores reads those scores
    student = tmp_path / 'student.py'
    student.write_text(
        f"_base_ = ['{cfg}']\n"
        'train_pipeline = _base_.train_pipeline[:-1] + [dict(\n'
        "    type='LoadTeacherScores', scores='unset.csv', weight=0.5,\n"
        "    temperature=2.0), dict(type='PackInputs')]\n"
        'train_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n')
    students = tmp_path / 'students'
    kfold(
        str(student), '--folds', '2', '--work-dir', str(students), '--teacher',
        str(work), str(other))
    assert json.loads(
        (students /
         'kfold.json').read_text())['teacher'] == [str(work),
                                                   str(other)]
    for i in range(2):
        folder = students / f'fold_{i}' / 'teacher'
        scores = read_predictions(str(folder / 'scores.csv'), labelled=True)
        held = read_predictions(
            str(work / f'fold_{i}' / 'eval' / 'preds.csv'), labelled=True)
        assert not set(scores['file_name']) & set(held['file_name'])
        assert len(scores) + len(held) == 15  # the fold's training part
        members = [
            frame_scores(read_predictions(str(folder / f'teacher_{j}.csv')))[0]
            for j in range(2)
        ]
        assert not np.allclose(members[0], members[1])  # two teachers
        np.testing.assert_allclose(
            frame_scores(scores)[0], (members[0] + members[1]) / 2, atol=2e-6)
        dumped = Config.fromfile(
            str(next((students / f'fold_{i}').glob('*.py'))))
        pipeline = dumped.train_dataloader.dataset.dataset.pipeline
        assert [t.scores for t in pipeline if t.type == 'LoadTeacherScores'
                ] == [str(folder / 'scores.csv')]
        assert (students / f'fold_{i}' / 'epoch_2.pth').is_file()
    with pytest.raises(SystemExit):  # teachers of other folds: refused
        kfold(
            str(student), '--folds', '2', '--split-seed', '1', '--work-dir',
            str(tmp_path / 'other_split'), '--teacher', str(work))
    assert 'not trained on the folds' in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a student without the transform
        kfold(cfg, '--folds', '2', '--work-dir', str(tmp_path / 'plain'),
              '--teacher', str(work))
    assert 'LoadTeacherScores' in capsys.readouterr().err
    assert not list((tmp_path / 'plain').glob('fold_*/*.pth'))  # early
    with pytest.raises(SystemExit):
        kfold(
            str(student), '--folds', '2', '--work-dir', str(students),
            '--teacher', str(work), '--eval-only')
    assert 'cannot go with --eval-only' in capsys.readouterr().err


def test_a_fold_trains_as_tools_train_py(list_set, tmp_path, monkeypatch):
    """Each fold gets the loaders ``tools/train.py`` gives the same config
    (persistent workers, batched collate: forking the workers again every
    epoch and every validation made 5-fold runs fault in their whole
    working set each time), and stops its workers before the next fold."""
    import multiprocessing

    from mmext.apis import kfold as kfold_api
    from mmext.apis import train as train_api
    from mmext.apis.config import load_config

    cfg_file = write_tiny_config(
        tmp_path,
        list_set,
        extra='train_dataloader.update(num_workers=1)\n'
        'val_dataloader.update(num_workers=1)\n'
        'train_cfg = dict(max_epochs=2, val_interval=1)\n')
    built = []
    real_build = train_api.build_runner

    def record(cfg):
        built.append(copy.deepcopy(cfg))
        return real_build(cfg)

    monkeypatch.setattr(train_api, 'build_runner', record)
    runner = train_api.run_train(train_api.train_parser().parse_args(
        [cfg_file, '--work-dir',
         str(tmp_path / 'alone')]))
    train_api.release_dataloader_workers(runner)
    assert multiprocessing.active_children() == []
    fold_cfg = kfold_api.kfold_configs(load_config(cfg_file), 2)[0]
    metrics = kfold_api.train_fold(fold_cfg, str(tmp_path / 'fold_0'), 'fold0')
    assert 'accuracy/top1' in metrics
    alone, fold = built
    for field in ('train_dataloader', 'val_dataloader'):
        a = {k: v for k, v in alone[field].items() if k != 'dataset'}
        f = {k: v for k, v in fold[field].items() if k != 'dataset'}
        assert f == a
        assert f['persistent_workers'] is True and f['num_workers'] == 1
    assert fold.work_dir == str(tmp_path / 'fold_0')
    # the fold's persistent workers are gone once it returns
    assert multiprocessing.active_children() == []

"""The best TrashNet config (``..._40e_trashnet-256px-test288.py``) changes
the test view of the 40-epoch recipe and nothing else, and its train+val twin
(the submission model) trains on every labelled image and tests the same way.

The figures behind it are in configs/recipe/README.md: what is checked here is
that the config is what those figures measured (the 40-epoch training, tested
at resize 320 / crop 288) and that the submission path sees the same view.
"""
import pytest

from mmext.apis.config import load_config
from helpers import REPO

RECIPE = 'configs/recipe/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-'
TRAINING_KEYS = ('model', 'data_preprocessor', 'optim_wrapper',
                 'param_scheduler', 'train_cfg', 'custom_hooks', 'randomness')


def _cfg(name: str):
    return load_config(str(REPO / f'{RECIPE}{name}.py'))


def _without_pipeline(loader) -> dict:
    return {k: v for k, v in loader.dataset.items() if k != 'pipeline'}


@pytest.mark.parametrize('loader', ['val_dataloader', 'test_dataloader'])
def test_test288_changes_the_test_view_only(loader):
    base = _cfg('40e_trashnet-256px')
    best = _cfg('40e_trashnet-256px-test288')
    steps = best[loader].dataset.pipeline
    base_steps = base[loader].dataset.pipeline
    assert [t['type'] for t in steps] == [t['type'] for t in base_steps]
    for step, base_step in zip(steps, base_steps):
        if step['type'] == 'ResizeEdge':
            assert (base_step['scale'], step['scale']) == (292, 320)
            assert step['edge'] == base_step['edge'] == 'short'
        elif step['type'] == 'CenterCrop':
            assert (base_step['crop_size'], step['crop_size']) == (256, 288)
        else:
            assert step == base_step
    # the rest of the data set (files, classes) as in the 40-epoch config
    assert _without_pipeline(best[loader]) == _without_pipeline(base[loader])


def test_test288_trains_as_the_40_epoch_config():
    base = _cfg('40e_trashnet-256px')
    best = _cfg('40e_trashnet-256px-test288')
    assert best.train_cfg.max_epochs == 40
    assert best.train_dataloader == base.train_dataloader
    for key in TRAINING_KEYS:
        assert best.get(key) == base.get(key), key


def test_trainval_twin_trains_on_every_image_and_tests_the_same_view():
    best = _cfg('40e_trashnet-256px-test288')
    final = _cfg('40e_trashnet-trainval-256px-test288')
    assert final.train_dataloader.dataset.ann_file == 'meta/trainval.txt'
    assert best.train_dataloader.dataset.ann_file == 'meta/train.txt'
    assert final.val_dataloader is None and final.val_cfg is None
    # tools/test.py and single-image inference read test_dataloader
    assert (final.test_dataloader.dataset.pipeline ==
            best.test_dataloader.dataset.pipeline)
    assert (final.train_dataloader.dataset.pipeline ==
            best.train_dataloader.dataset.pipeline)
    for key in TRAINING_KEYS:
        assert final.get(key) == best.get(key), key

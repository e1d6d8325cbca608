"""LoadTeacherScores: the distillation target of each image is the mix of
its one-hot label and its row of the teacher's predictions CSV (found by the
end of the image's path, softened by the temperature), packed as
``gt_score``; bad files, missing images and class mismatches are refused
with the file named."""
import numpy as np
import pytest
from mmpretrain.datasets.transforms import PackInputs

from mmext.apis.ensemble import scores_frame
from mmext.errors import ConfigError, DataError
from mmext.transforms import LoadTeacherScores
from mmext.transforms.teacher_scores import soften

CLASSES = ['glass', 'paper', 'trash']
NAMES = ['glass/g1.jpg', 'paper/p1.jpg', 'trash/t1.jpg']
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.25, 0.25, 0.5]])


@pytest.fixture
def scores_csv(tmp_path):
    """A teacher CSV in tools/test.py's layout, every class ranked."""
    frame = scores_frame(NAMES, PROBS, CLASSES, topk=3, class_to_bin={})
    path = tmp_path / 'teacher.csv'
    frame.to_csv(path, index=False)
    return str(path)


def _load(t, name, label):
    return t(dict(img_path=f'/data/trashnet/images/{name}', gt_label=label))


def test_target_mixes_label_and_teacher(scores_csv):
    t = LoadTeacherScores(scores_csv, weight=0.4)
    out = _load(t, 'paper/p1.jpg', 1)
    np.testing.assert_allclose(
        out['gt_score'], 0.6 * np.eye(3)[1] + 0.4 * PROBS[1], atol=1e-6)
    assert out['gt_score'].dtype == np.float32
    assert out['gt_score'].sum() == pytest.approx(1)
    # the teacher's row follows the image, not the label: a "wrong" label
    # keeps its one-hot part
    out = _load(t, 'trash/t1.jpg', 0)
    np.testing.assert_allclose(
        out['gt_score'], 0.6 * np.eye(3)[0] + 0.4 * PROBS[2], atol=1e-6)
    # weight 0: the labels alone; weight 1: the teacher alone
    np.testing.assert_allclose(
        _load(LoadTeacherScores(scores_csv, weight=0), 'glass/g1.jpg',
              0)['gt_score'], [1, 0, 0])
    np.testing.assert_allclose(
        _load(LoadTeacherScores(scores_csv, weight=1), 'glass/g1.jpg',
              2)['gt_score'],
        PROBS[0],
        atol=1e-6)


def test_temperature_softens_the_teacher(scores_csv):
    hot = _load(
        LoadTeacherScores(scores_csv, weight=1, temperature=2), 'glass/g1.jpg',
        0)['gt_score']
    expected = np.sqrt(PROBS[0]) / np.sqrt(PROBS[0]).sum()
    np.testing.assert_allclose(hot, expected, atol=1e-6)
    assert hot.max() < PROBS[0].max()  # flatter than the teacher
    np.testing.assert_allclose(
        soften(PROBS, 0.5),
        PROBS**2 / (PROBS**2).sum(1, keepdims=True),
        atol=1e-12)
    np.testing.assert_allclose(soften(PROBS, 1), PROBS)


def test_packed_as_gt_score(scores_csv):
    """PackInputs hands it to the model as the soft target ClsHead uses."""
    img = np.zeros((8, 8, 3), np.uint8)
    results = LoadTeacherScores(
        scores_csv, weight=0.5)(
            dict(
                img=img,
                img_path='x/images/paper/p1.jpg',
                gt_label=1,
                img_shape=(8, 8),
                ori_shape=(8, 8)))
    sample = PackInputs()(results)['data_samples']
    np.testing.assert_allclose(
        sample.gt_score.numpy(),
        0.5 * np.eye(3)[1] + 0.5 * PROBS[1],
        atol=1e-6)
    assert int(sample.gt_label) == 1


def test_refuses_bad_input(scores_csv, tmp_path):
    with pytest.raises(DataError, match='does not exist'):
        _load(LoadTeacherScores(str(tmp_path / 'none.csv')), 'g', 0)
    with pytest.raises(DataError, match='no row in the teacher scores'):
        _load(LoadTeacherScores(scores_csv), 'glass/other.jpg', 0)
    with pytest.raises(DataError, match='cover 3 classes'):
        _load(LoadTeacherScores(scores_csv), 'glass/g1.jpg', 5)
    top1 = tmp_path / 'top1.csv'  # not every class ranked: no full scores
    scores_frame(
        NAMES, PROBS, CLASSES, topk=1, class_to_bin={}).to_csv(
            top1, index=False)
    with pytest.raises(DataError, match='--topk'):
        _load(LoadTeacherScores(str(top1)), 'glass/g1.jpg', 0)
    for kwargs in (dict(weight=1.5), dict(temperature=0), dict(weight=True)):
        with pytest.raises(ConfigError):
            LoadTeacherScores(scores_csv, **kwargs)
    with pytest.raises(ConfigError, match='scores='):
        LoadTeacherScores(None)

"""``LoadTeacherScores``: distillation targets from a teacher-score cache.

Knowledge distillation (Hinton et al. 2015) trains a student on a mix of the
true label and a teacher's class scores. Here the teacher is run once, ahead
of training, over the training images (``tools/test.py ... --topk C`` for one
model, ``tools/ensemble.py ... --topk C`` for an ensemble, or ``tools/
kfold.py --teacher`` per fold), and its CSV is the cache: this transform
looks each training image up in it and sets ``gt_score``, which mmpretrain
already trains on (``PackInputs`` packs it, ``ClsHead`` takes it instead of
``gt_label``, ``Mixup``/``CutMix`` mix it)::

    train_pipeline = [
        ...,
        dict(type='LoadTeacherScores', scores='work_dirs/teacher.csv',
             weight=0.5, temperature=2.0),
        dict(type='PackInputs'),
    ]

The student pays nothing per step for its teachers, so an ensemble teaches
as cheaply as one model. The teacher saw the whole (centre-cropped) image,
not the student's random crop, so the targets are per image ("soft labels"),
not per view.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ..errors import ConfigError, DataError
from ..evaluation.scores import frame_scores
from ..evaluation.submission import read_predictions

_FIX = ('write the teacher scores over the same training images with '
        'tools/test.py TEACHER_CONFIG CHECKPOINT --out FILE --topk <number '
        'of classes> (tools/ensemble.py --csv A B --topk <number of classes> '
        'for several teachers; tools/kfold.py --teacher does it per fold).')


def soften(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities at another softmax temperature.

    ``softmax(log(p) / T)``: T > 1 flattens the teacher's distribution
    (more weight on its second choices), T < 1 sharpens it, T = 1 keeps it.

    Args:
        scores: Rows of class probabilities.
        temperature: T > 0.

    Returns:
        Rows that sum to 1.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if temperature == 1:
        out = scores
    else:
        out = np.power(np.clip(scores, 0, None), 1.0 / temperature)
    sums = out.sum(axis=-1, keepdims=True)
    return out / np.where(sums > 0, sums, 1)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _suffix(path: str, depth: int) -> str:
    parts = path.replace('\\', '/').split('/')
    return '/'.join(parts[-depth:])


@TRANSFORMS.register_module()
class LoadTeacherScores(BaseTransform):
    """Set ``gt_score`` to a mix of the one-hot label and teacher scores.

    ``gt_score = (1 - weight) * one_hot(gt_label) + weight * teacher`` where
    ``teacher`` is the image's row of the scores CSV at ``temperature``. An
    image is found by its ``file_name`` in the CSV, which ``tools/test.py``
    writes relative to the folder all images share (``glass/glass1.jpg``),
    matched against the end of the image's path.

    Required keys: ``img_path``, ``gt_label``. Added key: ``gt_score``
    (float32, one entry per class).

    Args:
        scores: The teacher's predictions CSV, every class ranked
            (``--topk`` = number of classes).
        weight: Share of the teacher in the target, in [0, 1] (0 trains on
            the labels alone). Defaults to 0.5.
        temperature: Softmax temperature applied to the teacher's
            probabilities. Defaults to 1.0.
    """

    def __init__(self,
                 scores: str,
                 weight: float = 0.5,
                 temperature: float = 1.0) -> None:
        if not isinstance(scores, str) or not scores:
            raise ConfigError(
                'LoadTeacherScores needs scores=<the teacher scores CSV>, '
                f'got {scores!r}.',
                fix=_FIX)
        if not _is_number(weight) or not 0 <= weight <= 1:
            raise ConfigError(
                f'LoadTeacherScores weight must be in [0, 1], got {weight!r}.')
        if not _is_number(temperature) or not temperature > 0:
            raise ConfigError('LoadTeacherScores temperature must be > 0, '
                              f'got {temperature!r}.')
        self.scores = scores
        self.weight = float(weight)
        self.temperature = float(temperature)
        self._cache: Optional[Tuple[Dict[str, int], List[int],
                                    np.ndarray]] = None

    def _load(self) -> Tuple[Dict[str, int], List[int], np.ndarray]:
        """Read the CSV once per process (each dataloader worker too)."""
        if not osp.isfile(self.scores):
            raise DataError(
                f'The teacher scores file {self.scores} does not exist.',
                fix=_FIX,
                path=self.scores)
        frame = read_predictions(self.scores)
        probs, _, _ = frame_scores(frame, self.scores)
        names = [str(f).replace('\\', '/') for f in frame['file_name']]
        index = {}
        for i, name in enumerate(names):
            if name in index:
                raise DataError(
                    f'{self.scores} lists {name} more than once.',
                    fix=_FIX,
                    path=self.scores)
            index[name] = i
        depths = sorted({n.count('/') + 1 for n in names}, reverse=True)
        self._cache = (index, depths, soften(probs, self.temperature))
        return self._cache

    def transform(self, results: dict) -> dict:
        """Add ``gt_score``.

        Args:
            results: The pipeline's dict with ``img_path`` and ``gt_label``.

        Returns:
            The same dict with ``gt_score``.
        """
        index, depths, probs = self._cache or self._load()
        path = str(results['img_path'])
        keys = [_suffix(path, d) for d in depths]
        row = next((index[k] for k in keys if k in index), None)
        if row is None:
            raise DataError(
                f'{path} has no row in the teacher scores {self.scores} '
                f'({len(index)} images there).',
                fix=_FIX,
                path=self.scores)
        num_classes = probs.shape[1]
        label = int(np.asarray(results['gt_label']).reshape(-1)[0])
        if not 0 <= label < num_classes:
            raise DataError(
                f'{path} has label {label}, but the teacher scores '
                f'{self.scores} cover {num_classes} classes.',
                fix='use a teacher trained on the same classes.',
                path=self.scores)
        target = probs[row] * self.weight
        target[label] += 1 - self.weight
        results['gt_score'] = target.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scores={self.scores!r}, '
                f'weight={self.weight}, temperature={self.temperature})')

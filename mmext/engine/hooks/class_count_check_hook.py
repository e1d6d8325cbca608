"""``ClassCountCheckHook``: class counts that disagree stop the run at once.

mmpretrain's ``ClassNumCheckHook`` compares every module's ``num_classes``
with the data set's classes, by ``assert``. This one also skips an unset
``num_classes`` (``None``), compares the val/test classes with the training
classes and the bins, and stops with one paragraph giving the
``--cfg-options`` that fix it, before the first iteration: a 40-way head on a
6-class data set otherwise trains an epoch and then dies in validation.
"""
from typing import List, Optional

from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import HOOKS

from ...errors import ConfigError

# where a model's num_classes is set in a config, by module name
_OPTION = {
    'head': 'model.head.num_classes',
    'data_preprocessor': 'data_preprocessor.num_classes'
}


def class_count_problems(model, classes) -> List[str]:
    """The modules whose ``num_classes`` differs from ``len(classes)``.

    Args:
        model: The (unwrapped) model.
        classes: The data set's class names.

    Returns:
        One phrase per disagreeing module (empty when all agree).
    """
    problems = []
    for name, module in model.named_modules():
        count = getattr(module, 'num_classes', None)
        if isinstance(count, int) and count != len(classes):
            where = _OPTION.get(name, f'{name or "model"}.num_classes')
            problems.append(f'{where} is {count}')
    return problems


@HOOKS.register_module()
class ClassCountCheckHook(ClassNumCheckHook):
    """Check head, preprocessor and bins against the data set's classes.

    Args:
        train_classes: The training set's class names, to check the val set
            against (set by :meth:`before_train`; ``None``: not checked).
    """

    priority = 'VERY_HIGH'

    def __init__(self, train_classes: Optional[list] = None):
        self.train_classes = train_classes

    def _check_head(self, runner, dataset) -> None:
        classes = getattr(dataset, 'CLASSES', None) or getattr(
            dataset, 'metainfo', {}).get('classes')
        if not classes:
            return  # an unlabeled set without names: nothing to compare
        model = getattr(runner.model, 'module', runner.model)
        name = type(dataset).__name__
        problems = class_count_problems(model, classes)
        bins = dataset.metainfo.get('class_to_bin')
        if bins is not None and len(bins) != len(classes):
            problems.append(f'the class bins cover {len(bins)} classes')
        if (self.train_classes is not None
                and list(classes) != list(self.train_classes)):
            problems.append(
                f'the training set has {len(self.train_classes)} other '
                'classes')
        if problems:
            root = getattr(dataset, 'data_root', '') or ''
            n = len(classes)
            raise ConfigError(
                f'Class count mismatch: the data set {root} ({name}) has {n} '
                f'classes ({", ".join(map(str, list(classes)[:6]))}'
                f'{", ..." if n > 6 else ""}), but ' + '; '.join(problems) +
                '. Nothing was trained.',
                fix=f'pass --cfg-options model.head.num_classes={n} '
                f'data_preprocessor.num_classes={n} (or num_classes=\'auto\' '
                'in the config to take the count from the data set); if '
                'val/test use another class list, point their classes at '
                'the training one.')

    def before_train(self, runner) -> None:
        """Check the training set, then the val set against it."""
        dataset = runner.train_dataloader.dataset
        self._check_head(runner, dataset)
        self.train_classes = list(
            getattr(dataset, 'metainfo', {}).get('classes') or []) or None
        if runner.val_loop is not None:
            self._check_head(runner, runner.val_dataloader.dataset)

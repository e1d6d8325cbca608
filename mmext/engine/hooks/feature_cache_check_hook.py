"""``FeatureCacheCheckHook``: refuse features of another model before
training."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...feature_cache.cache import check_model
from ...feature_cache.dataset import FeatureCacheDataset
from ...feature_cache.extract import model_identity


@HOOKS.register_module()
class FeatureCacheCheckHook(Hook):
    """Check every feature cache a run reads against the model's backbone.

    Runs after the weights are final (init, ``load_from`` and ``--resume``
    happen before ``before_train``), and compares the backbone/neck config
    hash and weights hash with the cache headers. A cache from another
    checkpoint or architecture raises :class:`CheckpointError` naming the
    file and how to re-extract it. (Pipeline and image-list identity are
    checked by :class:`FeatureCacheDataset` itself when it is built.)
    """

    priority = 'VERY_HIGH'

    def _check(self, runner, loops) -> None:
        digests = None
        for loop in loops:
            loader = getattr(loop, 'dataloader', None)
            dataset = getattr(loader, 'dataset', None)
            if not isinstance(dataset, FeatureCacheDataset):
                continue
            if digests is None:
                digests = model_identity(runner.model, runner.cfg)
            check_model(dataset.cache_file, dataset.header, *digests)

    def before_train(self, runner) -> None:
        """Check the train and val caches."""
        loops = [runner.train_loop]
        if not isinstance(runner._val_loop, dict) and runner._val_loop:
            loops.append(runner._val_loop)
        self._check(runner, loops)

    def before_test(self, runner) -> None:
        """Check the test cache (if the test split reads one)."""
        self._check(runner, [runner.test_loop])

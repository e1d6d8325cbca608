"""The data set under its wrappers (``RepeatDataset``, ``KFoldDataset``...)."""
from collections.abc import Mapping
from typing import Any


def innermost_dataset(dataset: Any) -> Any:
    """The innermost data set under its wrappers.

    A wrapper holds the data set it wraps in ``dataset``: mmengine's
    ``RepeatDataset`` and ``ClassBalancedDataset``, mmpretrain's
    ``KFoldDataset``, and the image set of a ``FeatureCacheDataset`` config.

    Args:
        dataset: A data set config (a dict) or a built data set.

    Returns:
        The innermost config (the same object, not a copy) or data set;
        ``dataset`` itself when it wraps nothing.
    """
    while True:
        if isinstance(dataset, Mapping):
            inner = dataset.get('dataset')
            if not isinstance(inner, Mapping):
                return dataset
        else:
            inner = getattr(dataset, 'dataset', None)
            if inner is None:
                return dataset
        dataset = inner

"""Accuracy at the level of the four waste bins."""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS


@METRICS.register_module()
class BinAccuracy(BaseMetric):
    """Top-1 accuracy after mapping classes to their bin (recyclable, ...).

    A prediction of the wrong item in the right bin still sorts the waste
    correctly, which is what the bin accuracy measures. The mapping comes
    from ``dataset_meta['class_to_bin']`` (see :class:`GarbageDataset`); a
    data set without bins yields no metric and a single warning.

    Args:
        collect_device: ``'cpu'`` or ``'gpu'``, as for any metric.
        prefix: Metric name prefix. Defaults to ``'bin'``.
    """

    default_prefix: Optional[str] = 'bin'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the predicted and true label of each sample."""
        for sample in data_samples:
            if 'gt_label' not in sample:
                continue
            self.results.append((int(sample['pred_score'].argmax()),
                                 int(sample['gt_label'][0])))

    def compute_metrics(self, results: List) -> dict:
        """Return ``{'accuracy': percent}`` at bin level, plus per-bin
        recall."""
        meta = self.dataset_meta or {}
        class_to_bin = meta.get('class_to_bin')
        if class_to_bin is None or not results:
            MMLogger.get_current_instance().warning(
                'BinAccuracy: the data set defines no bins (class names '
                'without "<bin>/<item>" and no class_bins); skipped.')
            return {}
        mapping = np.asarray(class_to_bin)
        pred, gt = np.asarray(results).T
        pred_bin, gt_bin = mapping[pred], mapping[gt]
        metrics = {'accuracy': float((pred_bin == gt_bin).mean() * 100)}
        for i, name in enumerate(meta.get('bins', ())):
            mask = gt_bin == i
            if mask.any():
                metrics[f'recall_{name}'] = float(
                    (pred_bin[mask] == i).mean() * 100)
        return metrics

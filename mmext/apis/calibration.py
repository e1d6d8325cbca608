"""Fit a temperature on a config's labelled split and store it with the
checkpoint (``tools/analysis/calibrate.py``); the maths is
:mod:`mmext.evaluation.calibration`."""
import copy
from typing import Optional

import numpy as np
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

from ..datasets.wrappers import innermost_dataset
from ..errors import DataError
from ..evaluation.calibration import (calibration_summary, fit_temperature,
                                      scale_scores)
from ..evaluation.temperature import detach_temperature, write_calibration
from ..visualization.reliability import plot_reliability
from .config import load_config
from .inference import Predictor


def labelled_split(cfg, split: str = 'val'):
    """Image paths, labels and metainfo of a config's val/test data set.

    Args:
        cfg: A loaded config.
        split: ``'val'`` or ``'test'``.

    Returns:
        ``(paths, labels, metainfo)``.
    """

    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise DataError(
            f'The config has no {split}_dataloader to fit the '
            'temperature on.',
            fix='use --split val or test.')
    init_default_scope('mmpretrain')
    ds_cfg = copy.deepcopy(innermost_dataset(loader['dataset']))
    dataset = DATASETS.build(dict(ds_cfg, pipeline=[]))
    paths, labels = [], []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        label = info.get('gt_label')
        if label is None or int(np.asarray(label).reshape(-1)[0]) < 0:
            raise DataError(
                f'The {split} set has unlabelled images '
                f'({info.get("img_path")}); a temperature is '
                'fitted on labelled images.',
                fix='fit on the labelled val split.')
        paths.append(info['img_path'])
        labels.append(int(np.asarray(label).reshape(-1)[0]))
    if not paths:
        raise DataError(f'The {split} set is empty.')
    return paths, labels, dict(dataset.metainfo)


def calibrate_checkpoint(config: str,
                         checkpoint: str,
                         split: str = 'val',
                         out: Optional[str] = None,
                         device: Optional[str] = None,
                         batch_size: int = 8,
                         n_bins: int = 15,
                         plot: Optional[str] = None,
                         cfg_options: Optional[dict] = None,
                         write: bool = True) -> dict:
    """Fit a temperature on a labelled split and store it with the checkpoint.

    The images go through :class:`mmext.apis.inference.Predictor` (the test
    preprocessing) with any stored temperature removed, so refitting starts
    from the raw scores.

    Args:
        config: The config the checkpoint was trained with.
        checkpoint: The checkpoint.
        split: ``'val'`` (default) or ``'test'``; never fit on the images you
            report ECE for.
        out: Write the calibrated checkpoint here (default: in place).
        device: ``'cpu'``/``'cuda'``.
        batch_size: Images per forward pass.
        n_bins: ECE bins.
        plot: Optional PNG for the before/after reliability diagram.
        cfg_options: Config overrides.
        write: Store the temperature (``False``: only report).

    Returns:
        :func:`calibration_summary` plus ``checkpoint`` (the written file).
    """
    cfg = load_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    paths, labels, _ = labelled_split(cfg, split)
    predictor = Predictor(config, checkpoint, device, cfg_options)
    detach_temperature(predictor.inferencer.model)
    results = predictor(paths, topk=1, batch_size=batch_size)
    scores = np.stack([r['scores_all'] for r in results])
    if scores.shape[1] <= max(labels):
        raise DataError(
            f'The {split} set has label {max(labels)} but the '
            f'model predicts {scores.shape[1]} classes.',
            fix='use the config the checkpoint was trained with.')
    t = fit_temperature(scores, labels)
    summary = calibration_summary(scores, labels, t, n_bins)
    summary.update(split=split, bins=n_bins)
    if plot:
        q = scale_scores(scores, t)
        y = np.asarray(labels)
        plot_reliability(
            plot,
            scores.max(1),
            scores.argmax(1) == y,
            n_bins,
            title=f'Reliability on {split} '
            f'({len(y)} images)',
            after=(q.max(1), q.argmax(1) == y, f'temperature {t:.2f}'))
    if write:
        info = {
            k: summary[k]
            for k in ('temperature', 'ece', 'ece_scaled', 'nll', 'nll_scaled',
                      'images', 'split', 'bins')
        }
        summary['checkpoint'] = write_calibration(checkpoint, info, out)
    return summary

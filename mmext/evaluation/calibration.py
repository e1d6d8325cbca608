"""Calibration: expected calibration error, reliability, temperature scaling.

A classifier is *calibrated* when, of the images it labels with score 0.9,
about 90 % are right. Fine-tuned networks are usually over-confident (the
"plastic bottle is glass with score 1.00" mistakes). Temperature scaling
(Guo et al., 2017, "On Calibration of Modern Neural Networks") divides the
logits by one scalar ``T`` fitted on the validation set by minimising the
negative log-likelihood; the ranking of classes, hence accuracy, is unchanged.

The fitted ``T`` is stored with the checkpoint, in
``checkpoint['meta']['calibration']``, and applied wherever scores are shown
or thresholded (``tools/test.py``, ``tools/predict.py``, the demo,
pseudo-labelling) by :func:`attach_temperature`, a forward hook on the
model's head that divides ``cls_score`` by ``T``.

Temperature scaling works from softmax scores as well as from logits:
``softmax(log(softmax(z)) / T) == softmax(z / T)``, since ``log softmax``
only shifts each row of logits by a constant. So it can be fitted on and
applied to the scores the tools already produce.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import pandas as pd

from ..errors import CheckpointError, DataError

#: where the temperature lives in a checkpoint's ``meta``
META_KEY = 'calibration'
_TINY = np.finfo(np.float64).tiny


def _check(confidences, correct):
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    ok = np.asarray(correct, dtype=bool).reshape(-1)
    if conf.shape != ok.shape:
        raise DataError(f'{len(conf)} confidences but {len(ok)} '
                        'correctness flags.')
    if len(conf) and (np.nanmin(conf) < 0 or np.nanmax(conf) > 1 + 1e-6):
        raise DataError(
            'Confidences must be probabilities in [0, 1].',
            fix='pass softmax scores, not logits.')
    return conf, ok


def reliability_bins(confidences: Sequence[float],
                     correct: Sequence[bool],
                     n_bins: int = 15) -> pd.DataFrame:
    """Accuracy against confidence in equal-width confidence bins.

    Args:
        confidences: Top-1 score per image, in ``[0, 1]``.
        correct: Whether the top-1 prediction is right, per image.
        n_bins: Number of bins over ``[0, 1]``.

    Returns:
        One row per bin: ``lower, upper, count, confidence`` (mean score in
        the bin), ``accuracy`` (fraction right) and ``gap``
        (``confidence - accuracy``, positive = over-confident); empty bins
        have ``count`` 0 and NaN means.
    """
    conf, ok = _check(confidences, correct)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin (lower, upper]; a score of exactly 0 goes to the first bin
    idx = np.clip(np.searchsorted(edges, conf, side='left') - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = idx == b
        n = int(mask.sum())
        c = float(conf[mask].mean()) if n else np.nan
        a = float(ok[mask].mean()) if n else np.nan
        rows.append(
            dict(
                lower=edges[b],
                upper=edges[b + 1],
                count=n,
                confidence=c,
                accuracy=a,
                gap=c - a))
    return pd.DataFrame(rows)


def expected_calibration_error(confidences: Sequence[float],
                               correct: Sequence[bool],
                               n_bins: int = 15) -> float:
    """Expected calibration error (ECE) of the top-1 scores.

    ``sum_b |B_b| / N * |accuracy(B_b) - confidence(B_b)|`` over equal-width
    confidence bins (the definition of Guo et al. 2017).

    Args:
        confidences: Top-1 score per image, in ``[0, 1]``.
        correct: Whether the top-1 prediction is right.
        n_bins: Number of bins.

    Returns:
        The ECE as a fraction in ``[0, 1]`` (``nan`` for no images).
    """
    bins = reliability_bins(confidences, correct, n_bins)
    total = bins['count'].sum()
    if total == 0:
        return float('nan')
    used = bins[bins['count'] > 0]
    return float((used['count'] * used['gap'].abs()).sum() / total)


def scale_scores(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Apply temperature scaling to softmax scores.

    Args:
        scores: ``(N, C)`` (or ``(C,)``) softmax scores.
        temperature: ``T > 0``; ``T > 1`` softens, ``T < 1`` sharpens.

    Returns:
        ``softmax(log(scores) / T)`` row-wise, float64, same shape.
    """
    if not temperature > 0:
        raise DataError(f'The temperature must be positive, got '
                        f'{temperature}.')
    p = np.asarray(scores, dtype=np.float64)
    z = np.log(np.clip(p, _TINY, None)) / float(temperature)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nll(scores: np.ndarray, labels: Sequence[int]) -> float:
    """Mean negative log-likelihood of the true labels.

    Args:
        scores: ``(N, C)`` softmax scores.
        labels: True label per row.

    Returns:
        The mean NLL (natural log).
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], _TINY, None)).mean())


def fit_temperature(scores: np.ndarray,
                    labels: Sequence[int],
                    bounds=(0.05, 20.0),
                    iters: int = 80) -> float:
    """Fit the temperature that minimises the NLL of ``labels``.

    The NLL is convex in ``1 / T`` (a log-sum-exp of a linear function), so
    a golden-section search over ``1 / T`` finds the optimum.

    Args:
        scores: ``(N, C)`` softmax scores of a held-out (validation) set.
        labels: True label per row.
        bounds: Smallest and largest temperature considered.
        iters: Golden-section steps (80 gives ~1e-15 relative precision).

    Returns:
        The fitted temperature.
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if p.ndim != 2 or len(p) != len(y) or len(y) == 0:
        raise DataError(f'Need (N, C) scores and N labels to fit a '
                        f'temperature, got {p.shape} and {y.shape}.')
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise DataError(f'Labels must lie in 0..{p.shape[1] - 1}.')
    logp = np.log(np.clip(p, _TINY, None))
    logp_true = logp[np.arange(len(y)), y]

    def loss(beta: float) -> float:  # beta = 1 / T
        z = beta * logp
        m = z.max(axis=1)
        lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
        return float((lse - beta * logp_true).mean())

    lo, hi = 1.0 / bounds[1], 1.0 / bounds[0]
    g = (np.sqrt(5) - 1) / 2
    a, b = lo + (1 - g) * (hi - lo), lo + g * (hi - lo)
    fa, fb = loss(a), loss(b)
    for _ in range(iters):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = lo + (1 - g) * (hi - lo)
            fa = loss(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = loss(b)
    return float(1.0 / ((lo + hi) / 2))


def calibration_summary(scores: np.ndarray,
                        labels: Sequence[int],
                        temperature: float = 1.0,
                        n_bins: int = 15) -> Dict[str, float]:
    """Accuracy, ECE and NLL of scores before/after a temperature.

    Args:
        scores: ``(N, C)`` softmax scores.
        labels: True labels.
        temperature: The temperature to apply.
        n_bins: ECE bins.

    Returns:
        ``accuracy`` (percent), ``ece`` and ``nll`` of the raw scores,
        ``ece_scaled``, ``nll_scaled`` and ``temperature``.
    """
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    q = scale_scores(p, temperature)
    ok = p.argmax(1) == y
    return dict(
        accuracy=float(ok.mean() * 100),
        temperature=float(temperature),
        ece=expected_calibration_error(p.max(1), ok, n_bins),
        nll=nll(p, y),
        ece_scaled=expected_calibration_error(
            q.max(1),
            q.argmax(1) == y, n_bins),
        nll_scaled=nll(q, y),
        images=int(len(y)))


def plot_reliability(path: str,
                     confidences: Sequence[float],
                     correct: Sequence[bool],
                     n_bins: int = 15,
                     title: str = 'Reliability diagram',
                     after: Optional[tuple] = None) -> float:
    """Save a reliability diagram (accuracy vs confidence per bin) as a PNG.

    Args:
        path: The PNG to write (atomically).
        confidences: Top-1 scores.
        correct: Whether each top-1 prediction is right.
        n_bins: Confidence bins.
        title: Figure title.
        after: Optional ``(confidences, correct, label)`` of calibrated
            scores, drawn as a second series.

    Returns:
        The ECE of ``confidences``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from ..utils.figures import save_figure
    from ..visualization.fonts import use_cjk_font
    use_cjk_font()
    series = [(confidences, correct, 'scores')]
    if after is not None:
        series.append(after)
    fig, (ax, axh) = plt.subplots(
        2,
        1,
        figsize=(5.2, 6.2),
        sharex=True,
        gridspec_kw=dict(height_ratios=[3, 1]))
    ax.plot([0, 1], [0, 1], ls='--', c='grey', lw=1, label='perfect')
    width = 1.0 / n_bins
    colours = ['tab:blue', 'tab:orange']
    ece0 = float('nan')
    for k, (conf, ok, label) in enumerate(series):
        bins = reliability_bins(conf, ok, n_bins)
        ece = expected_calibration_error(conf, ok, n_bins)
        if k == 0:
            ece0 = ece
        used = bins[bins['count'] > 0]
        shift = (k - (len(series) - 1) / 2) * width * 0.4
        ax.bar(
            used['lower'] + width / 2 + shift,
            used['accuracy'],
            width=width * (0.8 / len(series)),
            color=colours[k],
            alpha=0.8,
            label=f'{label} (ECE {ece * 100:.1f}%)')
        axh.bar(
            used['lower'] + width / 2 + shift,
            used['count'],
            width=width * (0.8 / len(series)),
            color=colours[k],
            alpha=0.8)
    ax.set_ylabel('accuracy in bin')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=11)
    ax.legend(loc='upper left', fontsize=9)
    axh.set_xlabel('confidence (top-1 score)')
    axh.set_ylabel('images')
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    return ece0


# ---------------------------------------------------------------- checkpoint
def read_calibration(checkpoint: str) -> Optional[dict]:
    """The calibration stored in a checkpoint, if any.

    Args:
        checkpoint: A checkpoint file.

    Returns:
        ``checkpoint['meta']['calibration']`` (``temperature`` and how it was
        fitted), or ``None``.
    """
    from ..checkpoint import safe_torch_load
    ckpt = safe_torch_load(checkpoint, 'cpu')
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    info = (meta or {}).get(META_KEY)
    if info is None:
        return None
    t = info.get('temperature') if isinstance(info, dict) else None
    if not isinstance(t, (int, float)) or not t > 0:
        raise CheckpointError(
            f'{checkpoint} holds a malformed calibration entry {info!r}.',
            fix='re-run tools/analysis/calibrate.py CONFIG CKPT, or remove it '
            'with --remove.',
            path=checkpoint)
    return dict(info)


def write_calibration(checkpoint: str,
                      info: Optional[dict],
                      out: Optional[str] = None) -> str:
    """Store (or with ``info=None`` remove) the calibration in a checkpoint.

    The file is rewritten atomically: a crash leaves the old one intact.

    Args:
        checkpoint: The checkpoint to read.
        info: ``dict(temperature=..., ...)``, or ``None`` to remove.
        out: Where to write (default: over ``checkpoint``).

    Returns:
        The written path.
    """
    import torch

    from ..checkpoint import safe_torch_load
    from ..fileio import atomic_write
    ckpt = safe_torch_load(checkpoint, 'cpu')
    if not isinstance(ckpt, dict):
        raise CheckpointError(
            f'{checkpoint} is not a checkpoint dict.', path=checkpoint)
    if 'state_dict' not in ckpt:  # a bare state dict: wrap it as mmengine does
        ckpt = dict(state_dict=ckpt)
    meta = dict(ckpt.get('meta') or {})
    if info is None:
        meta.pop(META_KEY, None)
    else:
        meta[META_KEY] = dict(info)
    ckpt['meta'] = meta
    out = out or checkpoint
    with atomic_write(out, 'wb') as f:
        torch.save(ckpt, f)
    return out


def _head(model):
    model = getattr(model, 'module', model)  # TTA / DDP wrappers
    head = getattr(model, 'head', None)
    if head is None:
        raise CheckpointError(
            f'{type(model).__name__} has no classification head to scale.')
    return head


def attach_temperature(model, source, log: bool = False) -> Optional[float]:
    """Divide the model head's logits by the stored temperature.

    One call wherever a model makes scores (test, predict, demo); it does
    nothing when the checkpoint holds no calibration.

    Args:
        model: An mmpretrain classifier (or a TTA/DDP wrapper of one).
        source: A checkpoint path (its stored temperature is used), a
            temperature, or ``None``.
        log: Say so in mmengine's current logger when a temperature is
            applied.

    Returns:
        The temperature applied, or ``None``.
    """
    if source is None:
        return None
    if isinstance(source, (int, float)):
        t = float(source)
    else:
        info = read_calibration(source) if osp.isfile(str(source)) else None
        if info is None:
            return None
        t = float(info['temperature'])
    if not t > 0:
        raise DataError(f'The temperature must be positive, got {t}.')
    head = _head(model)
    detach_temperature(model)

    def hook(module, args, output):
        if isinstance(output, (tuple, list)):
            return type(output)(o / t for o in output)
        return output / t

    head._mmext_temperature = (t, head.register_forward_hook(hook))
    if log:
        from mmengine.logging import print_log
        print_log(
            f'Calibrated scores: logits divided by temperature {t:.3f} '
            f'(stored in {source} by tools/analysis/calibrate.py).',
            logger='current')
    return t


def detach_temperature(model) -> Optional[float]:
    """Undo :func:`attach_temperature` (raw scores again).

    Args:
        model: The model given to :func:`attach_temperature`.

    Returns:
        The temperature that was applied, or ``None``.
    """
    head = _head(model)
    entry = getattr(head, '_mmext_temperature', None)
    if entry is None:
        return None
    entry[1].remove()
    del head._mmext_temperature
    return entry[0]


# ------------------------------------------------------------------ fitting
def labelled_split(cfg, split: str = 'val'):
    """Image paths, labels and metainfo of a config's val/test data set.

    Args:
        cfg: A loaded config.
        split: ``'val'`` or ``'test'``.

    Returns:
        ``(paths, labels, metainfo)``.
    """
    import copy

    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise DataError(
            f'The config has no {split}_dataloader to fit the '
            'temperature on.',
            fix='use --split val or test.')
    init_default_scope('mmpretrain')
    ds_cfg = copy.deepcopy(loader['dataset'])
    while ds_cfg.get('dataset') is not None:
        ds_cfg = ds_cfg['dataset']
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
    from ..apis.config import load_config
    from ..apis.inference import Predictor
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

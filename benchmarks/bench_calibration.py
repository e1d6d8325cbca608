"""Calibration before/after temperature scaling on a trained checkpoint.

Scores the val split once (the predictor's test preprocessing, raw scores),
then reports top-1, ECE and NLL of the raw scores, after a temperature
fitted on the whole split (what tools/analysis/calibrate.py stores; in-sample
for the one parameter), and cross-fitted: the split is halved at random
(``--folds`` halvings), a temperature fitted on each half is evaluated on the
other half, so the "after" figure is measured on images the temperature
never saw.

    python benchmarks/bench_calibration.py CONFIG CKPT [--cfg-options ...]
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def main():
    from mmengine.config import DictAction

    from mmext.apis.calibration import labelled_split
    from mmext.apis.config import load_config
    from mmext.apis.inference import Predictor
    from mmext.evaluation.calibration import (calibration_summary,
                                              expected_calibration_error,
                                              fit_temperature, nll,
                                              scale_scores)
    from mmext.evaluation.temperature import detach_temperature
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', default='val')
    parser.add_argument(
        '--folds',
        type=int,
        default=10,
        help='random halvings for the cross-fitted figure')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    paths, labels, _ = labelled_split(cfg, args.split)
    predictor = Predictor(args.config, args.checkpoint, 'cpu',
                          args.cfg_options)
    detach_temperature(predictor.inferencer.model)
    t0 = time.time()
    scores = np.stack(
        [r['scores_all'] for r in predictor(paths, topk=1, batch_size=16)])
    y = np.asarray(labels)
    print(f'{len(y)} {args.split} images scored in {time.time() - t0:.0f} s')
    full = calibration_summary(scores, y, fit_temperature(scores, y))
    rng = np.random.default_rng(0)
    eces, nlls, temps = [], [], []
    for _ in range(args.folds):
        idx = rng.permutation(len(y))
        a, b = idx[:len(y) // 2], idx[len(y) // 2:]
        for fit, ev in ((a, b), (b, a)):
            t = fit_temperature(scores[fit], y[fit])
            q = scale_scores(scores[ev], t)
            eces.append(
                expected_calibration_error(q.max(1),
                                           q.argmax(1) == y[ev]))
            nlls.append(nll(q, y[ev]))
            temps.append(t)
    print(f'top-1 {full["accuracy"]:.2f}% (unchanged by scaling)')
    print('| scores | temperature | ECE (15 bins) | NLL |')
    print('|---|---|---|---|')
    print(
        f'| raw softmax | 1 | {full["ece"] * 100:.2f} % | {full["nll"]:.4f} |')
    print(f'| fitted on all {len(y)} (stored) | {full["temperature"]:.3f} | '
          f'{full["ece_scaled"] * 100:.2f} % | {full["nll_scaled"]:.4f} |')
    print(f'| cross-fitted halves ({2 * args.folds} fits) | '
          f'{np.mean(temps):.3f} ± {np.std(temps):.3f} | '
          f'{np.mean(eces) * 100:.2f} ± {np.std(eces) * 100:.2f} % | '
          f'{np.mean(nlls):.4f} |')
    conf = scores.max(1)
    ok = scores.argmax(1) == y
    cal = scale_scores(scores, full['temperature']).max(1)
    print(f'mean top-1 score {conf.mean():.3f} vs accuracy {ok.mean():.3f}; '
          f'wrong with score >= 0.9: {int(((conf >= 0.9) & ~ok).sum())} raw, '
          f'{int(((cal >= 0.9) & ~ok).sum())} calibrated')


if __name__ == '__main__':
    main()

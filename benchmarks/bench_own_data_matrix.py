"""The main config on own data of other sizes: EMA against its no-EMA twin.

Trains ``configs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py``
unchanged (only the data set, its class count, top-1 only and one
validation at the end instead of two: training is the same) on subsets of
TrashNet's train list (``../shared``) of 50, 300 and 2,000 photos (all
1,768 where the pool is smaller) with 2, 6 and 40 classes, and scores
every model on the photos of TrashNet's val list (unseen in training):

- 6 classes: TrashNet's own;
- 2 classes: glass/plastic/metal ("container") against paper/cardboard/trash;
- 40 classes: generated splits, TrashNet class x 7 colour casts (identity,
  red, green, blue, grey, inverted, dark), the first 40 pairs; a val photo
  gets one cast, so unseen photos stay unseen.

Each training subset is drawn per class with a seed (``--folds`` draws per
cell, 1 for the largest). One training run gives both columns: the EMA's
weights (what the config validates and saves) and the raw weights, which
are the no-EMA twin's (EMA does not change training; ``--check-twin`` runs
the twin once to show it). A probe hook also scores other EMA forms on the
same run: today's fixed ``momentum=0.01``, ``MomentumAnnealingEMA``
(``gamma=100``) and a window of 10 % of the run.

    python benchmarks/bench_own_data_matrix.py --out matrix.json
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / 'shared'
MAIN = (
    REPO / 'configs' /
    'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py')
WEIGHTS = SHARED / 'weights/mobilenet-v2_imagenet-backbone_mmpretrain.pth'
TRASHNET = SHARED / 'data/trashnet'
CASTS = ['plain', 'red', 'green', 'blue', 'grey', 'inverted', 'dark']
TWO = {0: 0, 3: 0, 4: 0, 1: 1, 2: 1, 5: 1}  # glass plastic metal | rest

try:  # the probe is registered when mmext is there (the run subprocess)
    import torch
    from mmengine.hooks import Hook
    from mmpretrain.registry import HOOKS, MODELS

    @HOOKS.register_module(force=True)
    class EMAProbeHook(Hook):
        """Score other EMA forms of the same run on the val set at the end.

        Args:
            out: JSON file for the results.
        """

        priority = 'LOW'

        def __init__(self, out: str):
            self.out = out
            self.metrics = {}

        def before_train(self, runner) -> None:
            model = runner.model
            forms = {
                'fixed_0.01': dict(momentum=0.01),
                'anneal_g100': dict(type='MomentumAnnealingEMA', gamma=100),
                'window_0.1': dict(momentum=min(1., 10. / runner.max_iters)),
            }
            self.avgs = {
                k:
                MODELS.build(
                    dict(dict(type='ExponentialMovingAverage'), **v),
                    default_args=dict(model=model))
                for k, v in forms.items()
            }

        def after_train_iter(self,
                             runner,
                             batch_idx,
                             data_batch=None,
                             outputs=None) -> None:
            for avg in self.avgs.values():
                avg.update_parameters(runner.model)

        def after_val_epoch(self, runner, metrics=None) -> None:
            self.metrics = dict(metrics or {})

        @torch.no_grad()
        def _top1(self, runner) -> float:
            runner.model.eval()
            right = total = 0
            for batch in runner.val_dataloader:
                for s in runner.model.val_step(batch):
                    right += int(s.pred_label.item() == s.gt_label.item())
                    total += 1
            return 100. * right / total

        def after_train(self, runner) -> None:
            params = list(runner.model.parameters())
            raw = [p.detach().clone() for p in params]
            res = {
                'ema':
                self.metrics.get('accuracy/top1'),
                'raw':
                self.metrics.get('accuracy/top1_origin',
                                 self.metrics.get('accuracy/top1')),
                'max_iters':
                runner.max_iters,
                'ema_momentum':
                next((h.ema_model.momentum
                      for h in runner.hooks if hasattr(h, 'ema_model')), None)
            }
            for name, avg in self.avgs.items():
                for p, a in zip(params, avg.module.parameters()):
                    p.data.copy_(a.data)
                res[name] = self._top1(runner)
            for p, r in zip(params, raw):
                p.data.copy_(r)
            with open(self.out, 'w') as f:
                json.dump(res, f)
except ImportError:  # pragma: no cover - only the driver runs without it
    pass


def read_list(path: Path):
    rows = [line.split() for line in path.read_text().splitlines() if line]
    return [(p, int(lab)) for p, lab in rows]


def cast(img: np.ndarray, k: int) -> np.ndarray:
    """Colour cast ``k`` of a BGR image."""
    f = img.astype(np.float32)
    if k in (1, 2, 3):  # red, green, blue in BGR order
        gain = np.full(3, 0.75, np.float32)
        gain[3 - k] = 1.35
        f = f * gain
    elif k == 4:
        f = np.repeat(f.mean(2, keepdims=True), 3, 2)
    elif k == 5:
        f = 255. - f
    elif k == 6:
        f = f * 0.5
    return np.clip(f, 0, 255).astype(np.uint8)


def build_cell(root: Path, n: int, k: int, seed: int) -> int:
    """Write ``root/{images,meta}`` for one cell; return the train size."""
    import cv2
    rng = np.random.default_rng(seed)
    pool = read_list(TRASHNET / 'meta/train.txt')
    unseen = read_list(TRASHNET / 'meta/val.txt')
    (root / 'meta').mkdir(parents=True, exist_ok=True)
    if k == 40:
        pairs = [(c, t) for c in range(6) for t in range(7)][:40]
        classes = [f'{c}_{CASTS[t]}' for c, t in pairs]
        by_class = {
            i: [p for p, lab in pool if lab == c]
            for i, (c, t) in enumerate(pairs)
        }
        val = []
        for j, (p, lab) in enumerate(unseen):
            ts = [t for c, t in pairs if c == lab]
            val.append((p, pairs.index((lab, ts[j % len(ts)]))))
    else:
        names = open(TRASHNET / 'meta/classes.txt').read().split()
        label = (lambda x: x) if k == 6 else TWO.__getitem__
        classes = names if k == 6 else ['container', 'paper_trash']
        by_class = {
            i: [p for p, lab in pool if label(lab) == i]
            for i in range(k)
        }
        val = [(p, label(lab)) for p, lab in unseen]
    quota = [n // k + (i < n % k) for i in range(k)]
    train = []
    for i in range(k):
        photos = by_class[i]
        take = rng.permutation(len(photos))[:quota[i]]
        train += [(photos[j], i) for j in take]
    images = root / 'images'
    if k == 40:
        for p, i in train + val:
            dst = images / f'{i}' / osp.basename(p)
            if not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                img = cv2.imread(str(TRASHNET / 'images' / p))
                cv2.imwrite(str(dst), cast(img, pairs[i][1]))
        train = [(f'{i}/{osp.basename(p)}', i) for p, i in train]
        val = [(f'{i}/{osp.basename(p)}', i) for p, i in val]
    elif not images.exists():
        images.symlink_to(TRASHNET / 'images')
    (root / 'meta/classes.txt').write_text('\n'.join(classes) + '\n')
    for name, rows in (('train', train), ('val', val)):
        (root / f'meta/{name}.txt').write_text(''.join(f'{p} {lab}\n'
                                                       for p, lab in rows))
    return len(train)


CELL_CONFIG = """_base_ = '{main}'
custom_imports = dict(imports=['mmext', 'bench_own_data_matrix'],
                      allow_failed_imports=False)
ds = dict(data_root='{root}', data_prefix='images', class_bins=None,
          classes='meta/classes.txt')
train_dataloader = dict(dataset=dict(ds, ann_file='meta/train.txt'))
val_dataloader = dict(dataset=dict(ds, ann_file='meta/val.txt'))
test_dataloader = val_dataloader
model = dict(head=dict(num_classes={k}))
data_preprocessor = dict(num_classes={k})
val_evaluator = [dict(type='Accuracy', topk=(1, ))]
train_cfg = dict(val_interval=8)  # validate once, at the end
custom_hooks = [h for h in _base_.custom_hooks
                if {keep} or not h['type'].endswith('EMAHook')] + [
    dict(type='EMAProbeHook', out='{probe}')]
"""


def run_cell(root: Path, k: int, ema: bool = True) -> dict:
    """Train the main config on ``root``; return the probe's results."""
    tag = 'ema' if ema else 'twin'
    work = root / f'work_{tag}'
    probe = root / f'probe_{tag}.json'
    cfg = root / f'cell_{tag}.py'
    cfg.write_text(
        CELL_CONFIG.format(main=MAIN, root=root, k=k, probe=probe, keep=ema))
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([
            str(REPO),
            str(REPO / 'benchmarks'),
            os.environ.get('PYTHONPATH', '')
        ]))
    start = time.time()
    with open(root / f'train_{tag}.log', 'w') as log:
        rc = subprocess.call([
            sys.executable,
            str(REPO / 'tools/train.py'),
            str(cfg), '--work-dir',
            str(work), '--cfg-options',
            f'model.backbone.init_cfg.checkpoint={WEIGHTS}'
        ],
                             stdout=log,
                             stderr=subprocess.STDOUT,
                             env=env)
    res = json.loads(probe.read_text()) if probe.exists() else {}
    res.update(rc=rc, seconds=round(time.time() - start, 1))
    return res


def table(results: list) -> str:
    """Markdown table: one row per cell, mean +- std over draws."""
    keys = ['ema', 'raw', 'fixed_0.01', 'anneal_g100', 'window_0.1']
    lines = [
        '| photos | classes | draws | iters | EMA (shipped) | raw = no-EMA '
        '| EMA - raw | fixed 0.01 | anneal g100 | window 0.1 | crashes |',
        '|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    cells = {}
    for r in results:
        cells.setdefault((r['n'], r['k']), []).append(r)
    for (n, k), rs in cells.items():
        ok = [r for r in rs if r.get('rc') == 0 and r.get('ema') is not None]

        def ms(vals):
            return (f'{np.mean(vals):.1f} +- {np.std(vals):.1f}'
                    if len(vals) > 1 else f'{vals[0]:.1f}') if vals else '-'

        cols = [ms([r[key] for r in ok]) for key in keys]
        diff = ms([r['ema'] - r['raw'] for r in ok])
        lines.append(
            f'| {rs[0]["n_train"]} | {k} | {len(ok)} | '
            f'{ok[0]["max_iters"] if ok else "-"} | {cols[0]} | {cols[1]} | '
            f'{diff} | {cols[2]} | {cols[3]} | {cols[4]} | '
            f'{len(rs) - len(ok)} |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='300,50,2000')
    parser.add_argument('--classes', default='6,2,40')
    parser.add_argument(
        '--folds',
        type=int,
        default=3,
        help='draws per cell below 2,000 photos')
    parser.add_argument('--work', default='/tmp/own_data_matrix')
    parser.add_argument('--out', default='own_data_matrix.json')
    parser.add_argument(
        '--check-twin',
        action='store_true',
        help='also train the no-EMA twin of the first cell')
    args = parser.parse_args()
    if not TRASHNET.is_dir() or not WEIGHTS.is_file():
        sys.exit(f'needs {TRASHNET} and {WEIGHTS}')
    results = json.loads(Path(args.out).read_text()) if osp.isfile(
        args.out) else []
    done = {(r['n'], r['k'], r['fold']) for r in results}
    order = [(n, k) for n in map(int, args.sizes.split(','))
             for k in map(int, args.classes.split(','))]
    for n, k in order:
        for fold in range(1 if n >= 2000 else args.folds):
            if (n, k, fold) in done:
                continue
            root = Path(args.work) / f'n{n}_k{k}_f{fold}'
            n_train = build_cell(root, n, k, seed=fold)
            res = run_cell(root, k)
            if args.check_twin and not any('twin' in r for r in results):
                res['twin'] = run_cell(root, k, ema=False)
            results.append(dict(res, n=n, k=k, fold=fold, n_train=n_train))
            Path(args.out).write_text(json.dumps(results, indent=1))
            print(n, k, fold, res, flush=True)
    print(table(results))


if __name__ == '__main__':
    main()

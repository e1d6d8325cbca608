"""Run the augmentation ablations of configs/ablations/ on real TrashNet.

Each row is one config of ``configs/ablations/`` (the baseline plus one
augmentation), trained with a short CPU schedule (small input, few epochs,
validation only at the end) for each seed on the official train/val split;
the script prints a table of val top-1 (mean and spread over seeds, and the
difference to the baseline measured in the same run) and keeps every finished
run in ``<work-dir>/runs.jsonl``, so an interrupted sweep resumes where it
stopped and partial tables can be printed with ``--table-only``.

Example (what benchmarks/results/augmentations.md reports: one process per
seed, one thread each, then the table of both)::

    for s in 0 1; do nice -n 10 python benchmarks/ablation_augment.py \
        --epochs 3 --size 64 --seeds $s & done; wait
    python benchmarks/ablation_augment.py --epochs 3 --size 64 --seeds 0 1 \
        --table-only
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / 'shared'
ABLATIONS = REPO / 'configs' / 'ablations'
PREFIX = 'mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet'
ROWS = {
    'baseline': f'{PREFIX}.py',
    '+RandAugment': f'{PREFIX}_randaug.py',
    '+SamplePairing': f'{PREFIX}_samplepairing.py',
    '+Mixup': f'{PREFIX}_mixup.py',
    '+CutMix': f'{PREFIX}_cutmix.py',
    '+label smoothing': f'{PREFIX}_labelsmooth.py',
    '+RandomErasing': f'{PREFIX}_randerase.py',
    '+class-balanced': f'{PREFIX}_classbalanced.py',
    '+repeat x4': f'{PREFIX}_repeat4.py',
    '+photometric/geometric': f'{PREFIX}_photogeo.py',
}
FAMILY = ['baseline', '+RandAugment', '+SamplePairing', '+Mixup', '+CutMix']


def shrink_pipeline(pipeline: List[dict], size: int) -> None:
    """Set the crop sizes of a pipeline to ``size`` (in place).

    Args:
        pipeline: Transform configs.
        size: Train crop / test crop size; the test resize is ``size*256/224``.
    """
    for t in pipeline:
        if t['type'] == 'RandomResizedCrop':
            t['scale'] = size
        elif t['type'] == 'ResizeEdge':
            t['scale'] = round(size * 256 / 224)
        elif t['type'] == 'CenterCrop':
            t['crop_size'] = size


def innermost(dataset: dict) -> dict:
    """The GarbageDataset config under Repeat/ClassBalanced wrappers."""
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


def short_config(config: str, seed: int, args: argparse.Namespace):
    """Load an ablation config and turn it into the short CPU schedule.

    Args:
        config: Config file name in configs/ablations/.
        seed: Random seed of the run.
        args: Command-line arguments.

    Returns:
        The modified mmengine Config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(str(ABLATIONS / config))
    cfg.model.backbone.init_cfg.checkpoint = str(args.weights)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
        ds = innermost(loader.dataset)
        ds.data_root = str(args.data_root)
        shrink_pipeline(ds.pipeline, args.size)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.max_epochs = args.epochs
    cfg.train_cfg.val_interval = args.epochs + 1  # validate once, at the end
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'SamplePairingHook':
            # the paper's shape at this length: off in the first and the last
            # epoch, on in between
            hook.update(start_epoch=1, end_epoch=-1)
    return cfg


def run_one(row: str, seed: int, args: argparse.Namespace) -> Dict:
    """Train one row with one seed and validate it.

    Args:
        row: Row name (a key of ROWS).
        seed: Random seed.
        args: Command-line arguments.

    Returns:
        A record with the row, seed, top-1 and seconds taken.
    """
    from mmengine.runner import Runner
    cfg = short_config(ROWS[row], seed, args)
    slug = ROWS[row][len(PREFIX):-3].strip('_') or 'baseline'
    cfg.work_dir = str(Path(args.work_dir) / f'{slug}_seed{seed}')
    cfg.experiment_name = f'{slug}_seed{seed}'
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val()
    return dict(
        row=row,
        seed=seed,
        top1=float(metrics['accuracy/top1']),
        seconds=round(time.time() - start, 1),
        epochs=args.epochs,
        size=args.size)


def load_runs(path: Path) -> List[Dict]:
    """Records of the runs finished so far."""
    if not path.exists():
        return []
    return [
        json.loads(line) for line in path.read_text().splitlines()
        if line.strip()
    ]


def table(runs: List[Dict], rows: List[str]) -> str:
    """A markdown table: mean/min/max top-1 per row and delta to baseline."""
    by_row: Dict[str, List[Dict]] = {}
    for r in runs:
        by_row.setdefault(r['row'], []).append(r)
    base = by_row.get('baseline')
    base_mean = statistics.mean(r['top1'] for r in base) if base else None
    lines = [
        '| row | seeds | val top-1 mean | min - max | vs baseline | '
        'min/run |', '|---|---|---|---|---|---|'
    ]
    for row in rows:
        rs = sorted(by_row.get(row, []), key=lambda r: r['seed'])
        if not rs:
            lines.append(f'| {row} | - | not run | | | |')
            continue
        tops = [r['top1'] for r in rs]
        mean = statistics.mean(tops)
        delta = '' if base_mean is None or row == 'baseline' \
            else f'{mean - base_mean:+.2f}'
        minutes = statistics.mean(r['seconds'] for r in rs) / 60
        lines.append(
            f'| {row} | {",".join(str(r["seed"]) for r in rs)} | {mean:.2f} '
            f'| {min(tops):.2f} - {max(tops):.2f} | {delta} | '
            f'{minutes:.1f} |')
    return '\n'.join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--rows',
        nargs='+',
        default=FAMILY,
        choices=list(ROWS),
        help='rows to run (default: the '
        'family baseline, +RandAugment, +SamplePairing, '
        '+Mixup, +CutMix)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument(
        '--size', type=int, default=64, help='train/test crop size')
    parser.add_argument(
        '--data-root', type=Path, default=SHARED / 'data' / 'trashnet-150px')
    parser.add_argument(
        '--weights',
        type=Path,
        default=SHARED / 'weights' /
        'mobilenet-v2_imagenet-backbone_mmpretrain.pth')
    parser.add_argument('--work-dir', default='work_dirs/ablation_augment')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads (1 is fastest on a busy 2-core '
        'machine; run one process per seed in parallel)')
    parser.add_argument(
        '--table-only',
        action='store_true',
        help='print the table of the finished runs and exit')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    log = Path(args.work_dir) / 'runs.jsonl'
    if not args.table_only:
        if not args.data_root.is_dir() or not args.weights.is_file():
            sys.exit(f'Need the data {args.data_root} and the weights '
                     f'{args.weights} (see ../shared/README.md).')
        import torch
        torch.set_num_threads(args.threads)
        import mmext  # noqa: F401  (registers SamplePairing etc.)
        log.parent.mkdir(parents=True, exist_ok=True)
        # seed-major order: a cut-short sweep still has every row once
        for seed in args.seeds:
            for row in args.rows:
                done = {(r['row'], r['seed'], r['epochs'], r['size'])
                        for r in load_runs(log)}
                if (row, seed, args.epochs, args.size) in done:
                    continue
                record = run_one(row, seed, args)
                with open(log, 'a') as f:
                    f.write(json.dumps(record) + '\n')
                print(json.dumps(record), flush=True)
    runs = [
        r for r in load_runs(log)
        if r['epochs'] == args.epochs and r['size'] == args.size
    ]
    print(f'\nval top-1 (%), TrashNet official val split (328 images), '
          f'{args.epochs} epochs at {args.size}px, seeds {args.seeds}:')
    print(table(runs, args.rows))


if __name__ == '__main__':
    main()

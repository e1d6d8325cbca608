"""Page faults and kernel time of one k-fold fold, per epoch and validation.

Runs ``tools/kfold.py CONFIG --trainval --only 0`` for a few epochs in a
fresh process per setting and prints, for each training epoch and each
validation, the minor page faults of the main process, then the run's
user/system CPU time (workers included) and wall time, as ratios to the
first setting measured in the same run:

- ``fresh-workers``: the dataloader workers are forked anew for every epoch
  and every validation (``persistent_workers=False``: how ``tools/kfold.py``
  trained its folds until 2026-11-30, and what ``Runner.from_cfg`` does
  without mmpretrain's ``tools/train.py`` defaults);
- ``persistent``: what ``tools/train.py`` and ``tools/kfold.py`` do now
  (mmpretrain's ``persistent_workers=True``): the workers are forked once
  per loader and run.

Every fork write-protects the parent's memory, so after it the main process
faults once per page it writes again: its whole working set, every time.

    python benchmarks/bench_kfold_faults.py [CONFIG] [--epochs 3]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / 'shared'
WEIGHTS = SHARED / 'weights' / 'mobilenet-v2_imagenet-backbone_mmpretrain.pth'
DEFAULT_CONFIG = ('configs/recipe/'
                  'mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-'
                  '256px.py')
SETTINGS = {
    'fresh-workers': [
        'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False'
    ],
    'persistent': [],
}

CHILD = r'''
import functools, json, resource, runpy, sys, time
from mmengine.runner import loops
phases = []

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def wrap(cls, name, label):
    orig = getattr(cls, name)

    @functools.wraps(orig)
    def run(self, *args, **kwargs):
        f0, t0 = faults(), time.time()
        out = orig(self, *args, **kwargs)
        phases.append((label, faults() - f0, time.time() - t0))
        return out
    setattr(cls, name, run)

wrap(loops.EpochBasedTrainLoop, 'run_epoch', 'train')
wrap(loops.ValLoop, 'run', 'val')
tool = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(tool, run_name='__main__')
print('PHASES ' + json.dumps(phases))
'''


def run_setting(config: str, epochs: int, extra: list, work: Path) -> dict:
    """One fold in a fresh process; its phases and CPU times."""
    options = [
        f'model.backbone.init_cfg.checkpoint={WEIGHTS}',
        f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1000'
    ] + extra
    cmd = [
        sys.executable, '-c', CHILD, 'tools/kfold.py', config, '--folds', '5',
        '--only', '0', '--trainval', '--work-dir',
        str(work), '--cfg-options'
    ] + options
    env = dict(os.environ, PYTHONPATH=str(REPO))
    before = os.times()
    t0 = time.time()
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    after = os.times()
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])
    line = [x for x in proc.stdout.splitlines() if x.startswith('PHASES ')]
    phases = json.loads(line[-1][len('PHASES '):])
    return dict(
        phases=phases,
        wall=wall,
        user=after.children_user - before.children_user,
        sys=after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG)
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--work-dir', default='work_dirs/bench_kfold_faults')
    parser.add_argument(
        '--settings', nargs='+', default=list(SETTINGS), choices=SETTINGS)
    args = parser.parse_args()
    if not WEIGHTS.is_file():
        sys.exit(f'{WEIGHTS} is missing: this benchmark needs ../shared '
                 '(TrashNet and the ImageNet MobileNetV2 weights).')
    results = {}
    for name in args.settings:
        results[name] = run_setting(args.config, args.epochs, SETTINGS[name],
                                    Path(args.work_dir) / name)
        print(f'{name}: ' + json.dumps(results[name]), flush=True)
    base = results[args.settings[0]]
    print(f'\n{args.config}, fold 0 of 5 (train + val), {args.epochs} '
          'epochs, validation after each; main-process minor faults:\n')
    print('| setting | ' +
          ' | '.join(f'{label} {i // 2 + 1}'
                     for i, (label, _, _) in enumerate(base['phases'])) +
          ' | user s | sys s | wall s | sys vs first |')
    print('|---' * (len(base['phases']) + 5) + '|')
    for name, res in results.items():
        cells = [f'{f:,}' for _, f, _ in res['phases']]
        print(f'| {name} | ' + ' | '.join(cells) +
              f' | {res["user"]:.0f} | {res["sys"]:.1f} | {res["wall"]:.0f} '
              f'| {res["sys"] / max(base["sys"], 1e-9):.2f}x |')


if __name__ == '__main__':
    main()

"""This project vs stock mmpretrain 1.2 on the CPU, same images, same job.

What a user would pick instead of this project is mmpretrain's own
``tools/train.py`` / ``tools/test.py`` with a plain ``CustomDataset`` config
over the same TrashNet lists, written the way an mmpretrain user writes it
(mmpretrain's ImageNet bases with the data set swapped). Both sides run the
same job here, one after the other on the same machine:

- training: full fine-tuning of MobileNetV2 from the same ImageNet weights,
  224 px RandomResizedCrop + flip, batch 32, SGD, ``--epochs`` epochs;
- testing: the val split (resize 256, crop 224, batch 64) with the checkpoint
  the run wrote.

Printed per side: ms per training iteration (mmengine's own ``time``, data
loading included; the first logged window is dropped as warm-up), training
wall time, user / system CPU time and minor page faults of the whole process
tree (``getrusage`` of the children), and test throughput; then the ratios
project / stock. Stock mmpretrain needs ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``
on torch >= 2.6 to test its own checkpoints (see ../shared/STACK.md); that is
set for the stock side only.

    python benchmarks/bench_cpu_training.py [--epochs 1] [--data data/trashnet]
        [--weights PTH]

``--weights`` defaults to
../shared/weights/mobilenet-v2_imagenet-backbone_mmpretrain.pth.
"""
import argparse
import glob
import json
import os
import os.path as osp
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
WEIGHTS = osp.join(
    osp.dirname(REPO), 'shared', 'weights',
    'mobilenet-v2_imagenet-backbone_mmpretrain.pth')

STOCK_CONFIG = '''
_base_ = [
    'mmpretrain::_base_/models/mobilenet_v2_1x.py',
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint={weights!r},
                                prefix='backbone')),
    head=dict(num_classes=6, topk=(1, )))
data_preprocessor = dict(num_classes=6)
train_dataloader = dict(dataset=dict(
    _delete_=True, type='CustomDataset', data_root={data!r},
    ann_file='meta/train.txt', data_prefix='images',
    classes={data!r} + '/meta/classes.txt',
    pipeline={{{{_base_.train_pipeline}}}}))
val_dataloader = dict(batch_size=64, dataset=dict(
    _delete_=True, type='CustomDataset', data_root={data!r},
    ann_file='meta/val.txt', data_prefix='images',
    classes={data!r} + '/meta/classes.txt',
    pipeline={{{{_base_.test_pipeline}}}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval={epochs}))
'''

PROJECT_CONFIG = '''
_base_ = [
    {repo!r} + '/configs/_base_/models/mobilenet-v2_in1k-pre.py',
    {repo!r} + '/configs/_base_/datasets/trashnet_bs32.py',
    {repo!r} + '/configs/_base_/default_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(checkpoint={weights!r})),
    head=dict(num_classes=6, topk=(1, )))
train_dataloader = dict(dataset=dict(data_root={data!r}))
val_dataloader = dict(batch_size=64, dataset=dict(data_root={data!r}))
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, ))]
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                    weight_decay=1e-4))
train_cfg = dict(by_epoch=True, max_epochs={epochs}, val_interval={epochs})
val_cfg = dict()
test_cfg = dict()
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval={epochs}, save_best=None))
custom_hooks = [dict(type='BadImageReportHook'), dict(type='ChannelsLastHook')]
'''


def mmpretrain_tool(name: str) -> str:
    """Path of mmpretrain's own ``tools/<name>.py`` shipped in its wheel."""
    import mmpretrain
    path = osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'tools', f'{name}.py')
    if not osp.isfile(path):
        sys.exit(f'{path} not found: is mmpretrain 1.2 installed?')
    return path


def run(cmd, env) -> dict:
    """Run a command; wall time and the CPU use of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f'{" ".join(cmd)} failed:\n{proc.stderr[-3000:]}')
    return dict(
        wall=wall,
        user=after.ru_utime - before.ru_utime,
        sys=after.ru_stime - before.ru_stime,
        faults=after.ru_minflt - before.ru_minflt,
        stdout=proc.stdout + proc.stderr)


def iter_times(work_dir: str, mode: str = 'train') -> list:
    """mmengine's ``time`` values of a run.

    Training: one per logged window (``<ts>/vis_data/<ts>.json``). Testing:
    the mean over the test loop, which mmengine writes at its end (also to
    ``<ts>/<ts>.json`` for a test-only run).
    """
    logs = sorted(
        set(
            glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')) +
            glob.glob(osp.join(work_dir, '*', '*.json'))))
    values = []
    for path in logs:
        if osp.basename(path) == 'scalars.json':
            continue
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'time' not in rec:
                    continue
                # lr, base_lr, head_lr (LrByModuleHook): a training record
                is_train = any(k.endswith('lr') for k in rec)
                if (mode == 'train') == is_train:
                    values.append(rec['time'])
        if values and mode != 'train':
            break  # the same summary is in both files of a test run
    return values


def side(name: str, config: str, work: str, args, stock: bool) -> dict:
    """Train, then test, one side; return its measurements."""
    env = dict(os.environ)
    env.pop('GLIBC_TUNABLES', None)
    if stock:
        env['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'
        train = [sys.executable, mmpretrain_tool('train'), config]
        test_tool = [sys.executable, mmpretrain_tool('test')]
    else:
        train = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config]
        test_tool = [sys.executable, osp.join(REPO, 'tools', 'test.py')]
    wd = osp.join(work, name)
    tr = run(train + ['--work-dir', wd], env)
    ckpt = osp.join(wd, f'epoch_{args.epochs}.pth')
    twd = osp.join(work, name + '_test')
    test_run = run(test_tool + [config, ckpt, '--work-dir', twd], env)
    times = iter_times(wd, 'train')
    test_times = iter_times(twd, 'test')
    n_val = sum(1 for _ in open(osp.join(args.data, 'meta', 'val.txt')))
    test_iter = statistics.mean(test_times)
    return dict(
        ms_per_iter=1000 * statistics.mean(times[1:] or times),
        train_wall=tr['wall'],
        train_user=tr['user'],
        train_sys=tr['sys'],
        train_faults=tr['faults'],
        test_wall=test_run['wall'],
        test_img_s=64 / test_iter,
        test_img_s_wall=n_val / test_run['wall'])


def main() -> None:
    """Run both sides and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--data', default=osp.join(REPO, 'data', 'trashnet'))
    parser.add_argument('--weights', default=WEIGHTS)
    parser.add_argument('--keep', help='keep work dirs here')
    args = parser.parse_args()
    args.data = osp.abspath(args.data)
    if not osp.isfile(osp.join(args.data, 'meta', 'train.txt')):
        sys.exit(f'{args.data} has no meta/train.txt: run tools/prepare_data.'
                 'py trashnet --src ../shared/data/trashnet first')
    work = args.keep or tempfile.mkdtemp(prefix='bench_cpu_')
    os.makedirs(work, exist_ok=True)
    fmt = dict(
        weights=osp.abspath(args.weights),
        data=args.data,
        epochs=args.epochs,
        repo=REPO)
    configs = {}
    for name, text in (('stock', STOCK_CONFIG), ('project', PROJECT_CONFIG)):
        configs[name] = osp.join(work, f'{name}_cfg.py')
        with open(configs[name], 'w') as f:
            f.write(text.format(**fmt))
    res = {
        n: side(n, configs[n], work, args, n == 'stock')
        for n in ('stock', 'project')
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    s, p = res['stock'], res['project']
    print(f'MobileNetV2 full fine-tuning on TrashNet, 224 px, batch 32, '
          f'{args.epochs} epoch(s); {os.cpu_count()} CPUs')
    print('| measure | stock mmpretrain 1.2 | this project | project vs '
          'stock |')
    print('|---|---|---|---|')
    rows = [('ms / training iteration (data incl.)', 'ms_per_iter', '.0f',
             'speed'), ('training wall s', 'train_wall', '.1f', 'speed'),
            ('training user CPU s', 'train_user', '.1f', 'ratio'),
            ('training system CPU s', 'train_sys', '.1f', 'ratio'),
            ('training minor page faults', 'train_faults', ',.0f', 'ratio'),
            ('test images/s (test loop)', 'test_img_s', '.1f', 'inv'),
            ('test images/s (whole command)', 'test_img_s_wall', '.1f', 'inv'),
            ('test wall s', 'test_wall', '.1f', 'speed')]
    for label, key, f, kind in rows:
        if kind == 'speed':
            ratio = f'{s[key] / p[key]:.2f}x faster'
        elif kind == 'inv':
            ratio = f'{p[key] / s[key]:.2f}x faster'
        else:
            ratio = f'{p[key] / max(s[key], 1e-9):.2f}x'
        print(f'| {label} | {s[key]:{f}} | {p[key]:{f}} | {ratio} |')


if __name__ == '__main__':
    main()

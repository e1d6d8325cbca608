"""Head-only training on images vs. on cached backbone features.

Trains the same linear head (same init, optimizer, schedule, seed, sample
order) of ImageNet MobileNetV2 for the same epochs on TrashNet twice:

1. uncached: the stock image config
   (configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py), the
   frozen backbone runs on every image every epoch;
2. cached:
   configs/feature_cache/mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet.py
   after a one-time extraction of the pooled features.

Both use the same deterministic pipeline (ResizeEdge + CenterCrop) for
training, as the cache with repeat=1 does. Prints per-epoch training time of
each path, the ratio, the extraction time and both top-1 figures.

Usage (CPU-sized defaults: the 150px set, 112px crops, all 1768 training
and 328 val images, 3 epochs, validation after the last epoch, 1 thread):
    nice python benchmarks/bench_feature_cache.py [--train-images N]
"""
import argparse
import os.path as osp
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402

IMAGE_CFG = osp.join(
    ROOT, 'configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
CACHED_CFG = osp.join(
    ROOT, 'configs/feature_cache/'
    'mobilenet-v2_in1k-pre-headonly-cached_1xb32-cos-10e_trashnet.py')
SHARED = osp.join(osp.dirname(ROOT), 'shared')


class EpochTimer(Hook):
    """Wall time of every training epoch (data loading included), last
    metrics."""

    priority = 'VERY_LOW'

    def __init__(self):
        self.times = []
        self.metrics = {}
        self._start = 0.

    def before_train_epoch(self, runner):
        self._start = time.perf_counter()

    def after_train_epoch(self, runner):
        self.times.append(time.perf_counter() - self._start)

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = dict(metrics or {})


def common(cfg: Config, args, work_dir: str) -> Config:
    cfg.work_dir = work_dir
    cfg.model.backbone.init_cfg.checkpoint = args.weights
    cfg.train_cfg.max_epochs = args.epochs
    cfg.train_cfg.val_interval = args.epochs  # top-1 once, after training
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
        cfg[loader].pin_memory = False
    return cfg


def image_source(cfg: Config, args, ann: str, test_mode: bool) -> dict:
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=args.resize, edge='short'),
        dict(type='CenterCrop', crop_size=args.crop),
        dict(type='PackInputs'),
    ]
    ds = dict(cfg.val_dataloader.dataset if 'cache_file' not in cfg.
              val_dataloader.dataset else cfg.val_dataloader.dataset.dataset)
    ds.update(
        data_root=args.data_root,
        ann_file=ann,
        pipeline=pipeline,
        test_mode=test_mode)
    return ds


def run(cfg: Config):
    from mmengine.runner import Runner
    timer = EpochTimer()
    runner = Runner.from_cfg(cfg)
    runner.register_hook(timer)
    runner.train()
    return timer.times, timer.metrics['accuracy/top1']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--data-root', default=osp.join(SHARED, 'data/trashnet-150px'))
    parser.add_argument(
        '--weights',
        default=osp.join(
            SHARED, 'weights/mobilenet-v2_imagenet-backbone_mmpretrain.pth'))
    parser.add_argument(
        '--train-images',
        type=int,
        default=0,
        help='first N lines of meta/train.txt (0: all)')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--resize', type=int, default=128)
    parser.add_argument('--crop', type=int, default=112)
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads; on a shared, oversubscribed CPU '
        '1 is far faster than 2 (OpenMP spin-waiting)')
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    for path in (args.data_root, args.weights):
        if not osp.exists(path):
            sys.exit(f'missing {path}: this benchmark needs ../shared')

    import mmext  # noqa: F401  (registers everything)
    from mmext.feature_cache.extract import extract_caches

    tmp = tempfile.mkdtemp(prefix='bench_feature_cache_')
    with open(osp.join(args.data_root, 'meta/train.txt')) as f:
        lines = [ln for ln in f if ln.strip()]
    if args.train_images:
        lines = lines[:args.train_images]
    train_ann = osp.join(tmp, 'train.txt')
    with open(train_ann, 'w') as f:
        f.writelines(lines)
    val_ann = osp.join(args.data_root, 'meta/val.txt')
    with open(val_ann) as f:
        n_val = sum(1 for ln in f if ln.strip())

    # 1. uncached (stock image config)
    cfg = common(Config.fromfile(IMAGE_CFG), args, osp.join(tmp, 'images'))
    cfg.train_dataloader.dataset = image_source(cfg, args, train_ann, False)
    cfg.val_dataloader.dataset = image_source(cfg, args, val_ann, True)
    img_times, img_top1 = run(cfg)

    # 2. cached: one-time extraction, then the same training on features
    cfg = common(Config.fromfile(CACHED_CFG), args, osp.join(tmp, 'cached'))
    for split, ann in (('train', train_ann), ('val', val_ann)):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.cache_file = osp.join(tmp, f'{split}.pth')
        ds.dataset = image_source(cfg, args, ann, split == 'val')
    start = time.perf_counter()
    extract_caches(cfg, force=True)
    extract_s = time.perf_counter() - start
    feat_times, feat_top1 = run(cfg)

    img_epoch = sum(img_times) / len(img_times)
    feat_epoch = sum(feat_times) / len(feat_times)
    print('\n=== feature cache benchmark ===')
    print(f'data: {args.data_root}, {len(lines)} train / {n_val} val images, '
          f'{args.crop}px crops, {args.epochs} epochs, MobileNetV2 + linear '
          f'head, batch 32, {args.threads} torch thread(s)')
    print('uncached train epochs (s): ' + ', '.join(f'{t:.2f}'
                                                    for t in img_times))
    print('cached   train epochs (s): ' + ', '.join(f'{t:.3f}'
                                                    for t in feat_times))
    print(f'per-epoch time: uncached {img_epoch:.2f} s, cached '
          f'{feat_epoch:.3f} s, ratio {img_epoch / feat_epoch:.1f}x')
    print(f'one-time extraction (train + val): {extract_s:.1f} s '
          f'(= {extract_s / img_epoch:.2f} uncached epochs)')
    print(f'top-1: uncached {img_top1:.2f}, cached {feat_top1:.2f} '
          f'(difference {feat_top1 - img_top1:+.2f} points)')
    print(f'work files: {tmp}')


if __name__ == '__main__':
    main()

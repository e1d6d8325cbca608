"""Training-step time of a classifier in NCHW vs channels-last (NHWC) format.

Builds the model of a config (random init: the speed does not depend on the
weights), runs ``--steps`` SGD steps on a random batch in each format,
alternating the two so both see the same machine load, and prints the median
step time of each and their ratio. ``ChannelsLastHook`` is the switch this
measures. On a GPU add ``--amp`` for float16 autocast.

    python benchmarks/bench_channels_last.py \
        configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py \
        --size 160 --threads 1
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.engine.hooks.channels_last_hook import \
    apply_channels_last  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument(
        '--steps',
        type=int,
        default=4,
        help='timed steps per format and round')
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument(
        '--amp', action='store_true', help='float16 autocast (GPU)')
    return parser.parse_args()


def build_model(config: str) -> torch.nn.Module:
    """The config's model, trainable end to end, without pretrained weights."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mmext  # noqa: F401
    cfg = Config.fromfile(config)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.pop('init_cfg', None)
    if 'frozen_stages' in model_cfg.backbone:
        model_cfg.backbone.frozen_stages = -1
    model_cfg.backbone.norm_eval = False
    return MODELS.build(model_cfg)


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)
    base = build_model(args.config).to(device).train()
    models = {
        'NCHW': base,
        'channels_last': apply_channels_last(copy.deepcopy(base))
    }
    num_classes = base.head.num_classes
    x = torch.randn(args.batch, 3, args.size, args.size, device=device)
    y = torch.randint(0, num_classes, (args.batch, ), device=device)
    times = {k: [] for k in models}
    optims = {
        k: torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)
        for k, m in models.items()
    }

    def step(name):
        with torch.autocast(device, enabled=args.amp):
            logits = models[name](x, mode='tensor')
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
        optims[name].zero_grad()
        loss.backward()
        optims[name].step()
        if device == 'cuda':
            torch.cuda.synchronize()

    for name in models:  # warm-up
        step(name)
    for _ in range(args.rounds):
        for name in models:
            for _ in range(args.steps):
                start = time.perf_counter()
                step(name)
                times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'{osp.basename(args.config)}: {device}, batch {args.batch}, '
          f'{args.size}px, threads {torch.get_num_threads()}, amp {args.amp}')
    for name, t in med.items():
        print(f'{name:>14}: {t:.3f} s/step  {args.batch / t:.1f} img/s')
    print('ratio NCHW / channels_last: '
          f'{med["NCHW"] / med["channels_last"]:.2f}x')


if __name__ == '__main__':
    main()

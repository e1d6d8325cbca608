"""Training-step speed with the frozen prefix as an inference graph.

The ft-stage5 recipes' model (MobileNetV2 1.0, channels-last, random
weights: speed does not depend on them) in its two states:

- ``stage2``: stages 5-7 learn (``frozen_stages=4``, ``norm_eval=False``:
  the stem's BatchNorm on batch statistics, stages 1-4 in eval mode);
- ``head-only``: ``UnfreezeHook``'s first epoch, the backbone frozen.

Each step is forward, backward and an SGD step of the trainable part on a
random batch (no data loading). Variants: ``today`` (the eager model) and
:class:`~mmext.engine.frozen_prefix.FrozenPrefix` in each ``--modes``.
They run interleaved (A, B, C, A, B, C, ...) so that all see the same load
on a shared machine; the script prints median seconds per step, images per
second, the ratio to ``today`` and the user and system CPU seconds per step
(``getrusage``). ``--jpeg DIR`` also times JPEG decoding at full and half
size (OpenCV ``IMREAD_REDUCED_COLOR_2``, PIL ``draft``) per image.

    python benchmarks/bench_frozen_prefix.py --sizes 256 160 --batches 32 64 \
        --jpeg ../shared/data/trashnet/images
"""
import argparse
import copy
import os.path as osp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.engine.frozen_prefix import install_frozen_prefix  # noqa: E402
from mmext.engine.hooks.channels_last_hook import \
    apply_channels_last  # noqa: E402

CONFIG = 'configs/mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--sizes', type=int, nargs='+', default=[256, 160])
    parser.add_argument('--batches', type=int, nargs='+', default=[32])
    parser.add_argument('--states', nargs='+', default=['stage2', 'head-only'])
    parser.add_argument(
        '--modes', nargs='+', default=['freeze', 'eager', 'optimize'])
    parser.add_argument(
        '--steps', type=int, default=2, help='timed steps per block')
    parser.add_argument(
        '--rounds', type=int, default=5, help='interleaved blocks')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--jpeg', help='a folder of JPEGs to time decoding')
    return parser.parse_args()


def build_model(config: str, state: str) -> torch.nn.Module:
    """The config's classifier (random weights) in a training state."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mmext  # noqa: F401
    cfg = Config.fromfile(config)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.pop('init_cfg', None)
    model_cfg.backbone.update(frozen_stages=4, norm_eval=False)
    model = MODELS.build(model_cfg)
    model.train()
    if state == 'head-only':  # as UnfreezeHook before unfreeze_epoch
        for param in model.backbone.parameters():
            param.requires_grad = False
        model.backbone.eval()
    return apply_channels_last(model)


def make_step(model: torch.nn.Module, batch: int,
              size: int) -> Callable[[], None]:
    """One SGD step of the model's trainable part on a random batch."""
    x = torch.randn(batch, 3, size,
                    size).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, model.head.num_classes, (batch, ))
    optim = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                            lr=1e-3,
                            momentum=0.9,
                            weight_decay=1e-4)

    def step() -> None:
        logits = model(x, mode='tensor')
        loss = torch.nn.functional.cross_entropy(logits, y)
        optim.zero_grad()
        loss.backward()
        optim.step()

    return step


def time_case(args, state: str, size: int, batch: int) -> Dict[str, dict]:
    """Interleaved timings of the variants of one case."""
    base = build_model(args.config, state)
    steps = {'today': make_step(base, batch, size)}
    for mode in args.modes:
        model = copy.deepcopy(base)
        install_frozen_prefix(model.backbone, mode)
        steps[mode] = make_step(model, batch, size)
    for step in steps.values():  # warm-up, graph builds
        step()
    times: Dict[str, List[float]] = {k: [] for k in steps}
    cpu_times: Dict[str, List[float]] = {k: [] for k in steps}
    cpu = {k: [0., 0.] for k in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            before = resource.getrusage(resource.RUSAGE_SELF)
            for _ in range(args.steps):
                start, start_cpu = time.perf_counter(), time.process_time()
                step()
                times[name].append(time.perf_counter() - start)
                cpu_times[name].append(time.process_time() - start_cpu)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu[name][0] += after.ru_utime - before.ru_utime
            cpu[name][1] += after.ru_stime - before.ru_stime
    runs = args.rounds * args.steps
    return {
        name:
        dict(
            median=statistics.median(t),
            cpu=statistics.median(cpu_times[name]),
            user=cpu[name][0] / runs,
            sys=cpu[name][1] / runs)
        for name, t in times.items()
    }


def time_jpeg(folder: str, size: int, count: int = 60) -> None:
    """Per-image decoding time: full size against half size."""
    import cv2
    import numpy as np
    from PIL import Image
    files = sorted(Path(folder).rglob('*.jpg'))[::50][:count]
    if not files:
        print(f'no JPEGs under {folder}')
        return

    def _bytes(path):
        return np.frombuffer(path.read_bytes(), np.uint8)

    def cv2_full(path):
        return cv2.imdecode(_bytes(path), cv2.IMREAD_COLOR)

    def cv2_half(path):
        return cv2.imdecode(_bytes(path), cv2.IMREAD_REDUCED_COLOR_2)

    def pil_full(path):
        with Image.open(path) as img:
            return img.convert('RGB').size

    def pil_draft(path):
        with Image.open(path) as img:
            img.draft('RGB', (img.width // 2, img.height // 2))
            return img.convert('RGB').size

    shapes = {
        'cv2 full': cv2_full(files[0]).shape[:2],
        'cv2 half': cv2_half(files[0]).shape[:2]
    }
    results = {}
    for _ in range(3):  # interleaved rounds
        for name, fn in (('cv2 full', cv2_full), ('cv2 half', cv2_half),
                         ('PIL full', pil_full), ('PIL draft', pil_draft)):
            start = time.perf_counter()
            for path in files:
                fn(path)
            results.setdefault(name, []).append(
                (time.perf_counter() - start) / len(files))
    print(f'\nJPEG decoding, {len(files)} images of {folder} '
          f'(full {shapes["cv2 full"]}, half {shapes["cv2 half"]}; the '
          f'{size} px crop is taken after):')
    full = statistics.median(results['cv2 full'])
    for name, t in results.items():
        med = statistics.median(t)
        print(f'  {name:>10}: {med * 1e3:6.2f} ms/image  '
              f'({full / med:.2f}x of cv2 full)')


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    flags = sorted({
        f
        for line in open('/proc/cpuinfo') if line.startswith('flags')
        for f in line.split() if f.startswith(('avx512', 'avx2', 'amx'))
    }) if osp.exists('/proc/cpuinfo') else []
    print(f'torch {torch.__version__}, {args.threads} threads, CPU flags: '
          f'{" ".join(flags) or "n/a"}; {args.rounds} interleaved rounds '
          f'x {args.steps} steps per variant')
    print('s/step: median wall seconds per step; cpu s: median CPU seconds '
          'per step (all threads); ratios against today; user s, sys s: '
          'means per step')
    print(f'{"state":>9} {"px":>4} {"batch":>5} {"variant":>9} '
          f'{"s/step":>7} {"img/s":>6} {"ratio":>6} {"cpu s":>6} '
          f'{"ratio":>6} {"user s":>7} {"sys s":>6}')
    per_image = {}
    for state in args.states:
        for size in args.sizes:
            for batch in args.batches:
                res = time_case(args, state, size, batch)
                today = res['today']
                for name, r in res.items():
                    per_image[(state, size, batch, name)] = r['cpu'] / batch
                    print(
                        f'{state:>9} {size:>4} {batch:>5} {name:>9} '
                        f'{r["median"]:7.3f} {batch / r["median"]:6.1f} '
                        f'{today["median"] / r["median"]:5.2f}x '
                        f'{r["cpu"]:6.3f} {today["cpu"] / r["cpu"]:5.2f}x '
                        f'{r["user"]:7.3f} {r["sys"]:6.3f}',
                        flush=True)
    if len(args.batches) > 1:
        small, large = min(args.batches), max(args.batches)
        print(f'\nbatch {large} against batch {small}: CPU seconds per image '
              'of the same variant, and of today at the small batch')
        for (state, size, batch, name), t in per_image.items():
            if batch == large:
                ref = per_image[(state, size, small, name)]
                base = per_image[(state, size, small, 'today')]
                print(f'  {state} {size} px {name}: {ref / t:.2f}x '
                      f'(against today at batch {small}: {base / t:.2f}x)')
    if args.jpeg:
        time_jpeg(args.jpeg, min(args.sizes))


if __name__ == '__main__':
    main()

"""ONNX (onnxruntime) vs PyTorch on the CPU: score agreement and latency.

Exports the main TrashNet config (or CONFIG + --checkpoint), runs both on
real images with the test pipeline applied, and prints the largest score
difference and the latency ratio onnxruntime / PyTorch, both measured in
this run with the same thread count, alternating the two engines so that
load from other jobs hits both alike.

    python benchmarks/bench_onnx.py [--checkpoint CKPT] [--images 32]
        [--batch 1 8] [--threads 1] [--repeats 5] [--exporter dynamo]

Without --checkpoint the model is the config's MobileNetV2 with the ImageNet
backbone from ../shared/weights and a seeded random head (latency and
agreement do not depend on training).
"""
import argparse
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

CONFIG = (
    REPO / 'configs' /
    'mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py')
SHARED = REPO.parent / 'shared'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=str(CONFIG))
    parser.add_argument(
        '--checkpoint',
        help='default: ImageNet backbone + '
        'random head, built here')
    parser.add_argument(
        '--data-root', default=str(SHARED / 'data' / 'trashnet-150px'))
    parser.add_argument('--images', type=int, default=32)
    parser.add_argument('--batch', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument(
        '--exporter', default='dynamo', choices=['dynamo', 'torchscript'])
    return parser.parse_args()


def make_checkpoint(cfg, folder: str) -> str:
    from mmpretrain.apis import get_model
    cfg = cfg.copy()
    cfg.model.backbone.init_cfg.checkpoint = str(
        SHARED / 'weights' / 'mobilenet-v2_imagenet-backbone_mmpretrain.pth')
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=0.05)
    path = osp.join(folder, 'bench.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    args = parse_args()
    import onnxruntime
    from mmengine.config import Config

    from mmext.deploy import (INPUT_NAME, OUTPUT_NAME, OnnxClassifier,
                              compare_with_pytorch, export_onnx,
                              load_classifier, onnx_session, prepare_images,
                              sample_images)

    torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    cfg.test_dataloader.dataset.data_root = args.data_root
    paths = sample_images(cfg, args.images)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or make_checkpoint(cfg, tmp)
        model = load_classifier(cfg, ckpt)
        images = prepare_images(cfg, paths)
        onnx_file = osp.join(tmp, 'model.onnx')
        export_onnx(
            model,
            onnx_file,
            images.shape[1],
            images.shape[2],
            exporter=args.exporter)
        check = compare_with_pytorch(model, cfg, onnx_file, paths)
        session = onnx_session(onnx_file, threads=args.threads)
        wrapper = OnnxClassifier(model).eval()
        rows = []
        for batch in args.batch:
            x = images[:batch]
            xt = torch.from_numpy(x)

            def run_torch():
                with torch.inference_mode():
                    wrapper(xt)

            def run_ort():
                session.run([OUTPUT_NAME], {INPUT_NAME: x})

            t_torch, t_ort = [], []
            for _ in range(args.repeats):  # alternate: same load for both
                t_torch.append(timed(run_torch, 1))
                t_ort.append(timed(run_ort, 1))
            pt, ort = statistics.median(t_torch), statistics.median(t_ort)
            rows.append(
                (batch, pt * 1000 / batch, ort * 1000 / batch, ort / pt))

    print(f'config: {osp.relpath(args.config, REPO)}; checkpoint: '
          f'{args.checkpoint or "ImageNet backbone + seeded random head"}')
    cpu = platform.processor() or platform.machine()
    print(f'torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, '
          f'exporter {args.exporter}, {args.threads} thread(s), CPU: {cpu}')
    print(f'agreement on {check["images"]} real images (test pipeline '
          f'applied): max |score difference| = {check["max_abs_diff"]:.2e}, '
          f'same top-1: {check["top1_agree"]:.0%}')
    print(
        '\n| batch | PyTorch ms/img | onnxruntime ms/img | ratio ort/PyTorch |'
    )
    print('|---|---|---|---|')
    for batch, pt, ort, ratio in rows:
        print(f'| {batch} | {pt:.1f} | {ort:.1f} | {ratio:.2f} |')


if __name__ == '__main__':
    main()

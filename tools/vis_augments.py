# Draw a grid: a few real images (columns) under each augmentation of
# configs/ablations/ (rows), as the training pipeline and batch augments of
# those configs produce them. Example:
#   python tools/vis_augments.py --data-root ../shared/data/trashnet \
#       --out docs/augmentations.png
import argparse
import io
import os
import os.path as osp
import sys
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.errors import DataError, friendly_main  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PREFIX = 'mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet'
# (row title, config suffix, what to show)
ROWS = [
    ('test view (resize + centre crop)', '', 'test'),
    ('baseline: RandomResizedCrop + flip', '', 'train'),
    ('+ RandAugment (timm_increasing, m9)', '_randaug', 'train'),
    ('+ RandomErasing (p=0.25; forced here)', '_randerase', 'train'),
    ('+ photometric/geometric set', '_photogeo', 'train'),
    ('+ SamplePairing (label: first image)', '_samplepairing', 'batch'),
    ('+ Mixup alpha=0.2', '_mixup', 'batch'),
    ('+ CutMix alpha=1.0', '_cutmix', 'batch'),
]


def parse_args():
    parser = argparse.ArgumentParser(description='Grid of real images under '
                                     'each augmentation of configs/ablations.')
    parser.add_argument(
        '--data-root',
        default=str(REPO.parent / 'shared' / 'data' / 'trashnet'),
        help='a data set with meta/classes.txt, meta/val.txt and images/')
    parser.add_argument(
        '--num-images',
        type=int,
        default=5,
        help='columns: one image per class, in class order')
    parser.add_argument(
        '--out', default=str(REPO / 'docs' / 'augmentations.png'))
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def pick_images(data_root: Path,
                num: int) -> Tuple[List[str], List[int], List[str]]:
    """First val image of each of the first ``num`` classes.

    Returns:
        ``(paths, labels, class names)``.
    """
    classes_file = data_root / 'meta' / 'classes.txt'
    ann = data_root / 'meta' / 'val.txt'
    for f in (classes_file, ann):
        if not f.is_file():
            raise DataError(
                f'Cannot find {f}.',
                path=str(f),
                fix='pass --data-root pointing at a prepared data '
                'set (python tools/prepare_data.py ...).')
    classes = classes_file.read_text().split()
    chosen = {}
    for line in ann.read_text().splitlines():
        if not line.strip():
            continue
        rel, label = line.rsplit(None, 1)
        chosen.setdefault(int(label), str(data_root / 'images' / rel))
    labels = sorted(chosen)[:num]
    return [chosen[k] for k in labels], labels, classes


def build_pipeline(steps: List[dict]):
    """The per-image part of a pipeline (no loading, no packing)."""
    from mmcv.transforms import Compose
    from mmpretrain.registry import TRANSFORMS
    keep = [
        s for s in steps
        if s['type'] not in ('LoadImageFromFile', 'PackInputs')
    ]
    return Compose([TRANSFORMS.build(s) for s in keep])


def render(args) -> None:
    import matplotlib
    matplotlib.use('Agg')
    from mmext.visualization.fonts import use_cjk_font
    use_cjk_font()  # Chinese class names
    import matplotlib.pyplot as plt
    import mmcv
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import BATCH_AUGMENTS

    import mmext  # noqa: F401  (registers GaussianNoise, SamplePairing)
    from mmext.fileio import atomic_write, check_writable

    check_writable(args.out)
    init_default_scope('mmpretrain')
    paths, labels, classes = pick_images(Path(args.data_root), args.num_images)
    images = [mmcv.imread(p) for p in paths]  # BGR uint8, as in training
    grid = []  # rows of (image RGB uint8, caption)
    for title, suffix, kind in ROWS:
        cfg = Config.fromfile(
            str(REPO / 'configs' / 'ablations' / f'{PREFIX}{suffix}.py'))
        np.random.seed(args.seed)
        torch.manual_seed(args.seed)
        if kind == 'test':
            steps = cfg.val_dataloader.dataset.pipeline
        else:
            steps = cfg.train_dataloader.dataset.pipeline
        for s in steps:  # show RandomErasing at work, not 3 images in 4 clean
            if s['type'] == 'RandomErasing':
                s['erase_prob'] = 1.0
        pipeline = build_pipeline(steps)
        outs = [pipeline(dict(img=img.copy()))['img'] for img in images]
        captions = [classes[k] for k in labels]
        if kind == 'batch':
            augment = BATCH_AUGMENTS.build(cfg.model.train_cfg.augments)
            batch = torch.from_numpy(np.stack(outs)).permute(0, 3, 1, 2)
            scores = torch.nn.functional.one_hot(
                torch.tensor(labels), len(classes))
            mixed, scores = augment(batch.float(), scores)
            outs = [
                m.permute(1, 2, 0).clamp(0, 255).round().byte().numpy()
                for m in mixed
            ]
            captions = []
            for s in scores:
                top = torch.argsort(s, descending=True)[:2]
                captions.append(' + '.join(
                    f'{classes[int(i)]} {float(s[i]):.2f}' for i in top
                    if s[i] > 0.005))
        grid.append(
            (title, [(o[..., ::-1], c) for o, c in zip(outs, captions)]))

    ncols = len(images)
    fig, axes = plt.subplots(
        len(grid),
        ncols,
        figsize=(2.1 * ncols, 2.35 * len(grid)),
        squeeze=False)
    for r, (title, cells) in enumerate(grid):
        for c, (img, caption) in enumerate(cells):
            ax = axes[r][c]
            ax.imshow(img)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(caption, fontsize=7)
        axes[r][0].set_ylabel(title, fontsize=7, rotation=90)
    fig.suptitle(
        'TrashNet val images under each augmentation of '
        'configs/ablations (seed %d)' % args.seed,
        fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=80)
    # 256-colour palette: a third of the size, fine for looking at
    from PIL import Image
    small = Image.open(buf).convert('RGB').quantize(colors=256)
    with atomic_write(args.out, 'wb') as f:
        small.save(f, format='PNG', optimize=True)
    os.chmod(args.out, 0o644)  # mkstemp's 0600 would hide it from others
    print(f'wrote {args.out}')


@friendly_main
def main():
    render(parse_args())


if __name__ == '__main__':
    main()

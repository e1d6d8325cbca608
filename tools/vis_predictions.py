# Show a grid of a few test predictions, each titled "pred / true" in green
# (right) or red (wrong), as the course reports do after LeNet-5:
#   python tools/vis_predictions.py \
#       configs/lenet/lenet5_1xb16-sgd-10e_digits.py \
#       work_dirs/lenet5/epoch_10.pth --out work_dirs/lenet5/predictions.png
import argparse
import os.path as osp
import sys
from typing import List, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmext.errors import ConfigError, friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402

RIGHT, WRONG = 'green', 'red'


def parse_args():
    parser = argparse.ArgumentParser(
        description='Plot a grid of predictions coloured by right/wrong')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output image (.png)')
    parser.add_argument('--num', type=int, default=8, help='images to show')
    parser.add_argument('--cols', type=int, default=4, help='grid columns')
    parser.add_argument(
        '--start', type=int, default=0, help='index of the first test sample')
    add_cfg_options(parser, help='override settings in the config')
    return parser.parse_args()


def predict_samples(
    cfg, checkpoint: str, indices: Sequence[int]
) -> Tuple[List[np.ndarray], List[int], List[int], List[str]]:
    """Run the model of ``cfg`` on some samples of its test set.

    Args:
        cfg: A loaded :class:`mmengine.config.Config`.
        checkpoint: Weights to load (safe loader, strict check).
        indices: Test-set sample indices.

    Returns:
        ``(images, predicted labels, true labels, class names)``; images are
        HxW (grey) or HxWx3 RGB ``uint8`` arrays as the model saw them.
    """
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    from mmpretrain.apis import get_model
    from mmpretrain.registry import DATASETS

    from mmext.checkpoint import check_checkpoint_matches

    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        raise ConfigError(
            f'Sample indices {bad[:3]} are outside the test set '
            f'(size {len(dataset)}).',
            fix='lower --start/--num.')
    model = get_model(cfg, pretrained=checkpoint, device='cpu')
    check_checkpoint_matches(model, checkpoint, cfg)
    model.eval()
    items = [dataset[i] for i in indices]
    with torch.no_grad():
        results = model.test_step(pseudo_collate(items))
    images = []
    for item in items:
        img = item['inputs'].numpy().transpose(1, 2, 0)
        if img.shape[2] == 3:
            img = img[..., ::-1]  # LoadImageFromFile gives BGR
        images.append(np.ascontiguousarray(img.squeeze()))
    preds = [int(r.pred_label[0]) for r in results]
    truths = [int(r.gt_label[0]) for r in results]
    return images, preds, truths, list(dataset.metainfo['classes'])


def plot_grid(images: Sequence[np.ndarray],
              preds: Sequence[int],
              truths: Sequence[int],
              classes: Sequence[str],
              out: str,
              cols: int = 4) -> List[str]:
    """Save a grid of images titled ``pred / true``, green right, red wrong.

    Args:
        images: Images (HxW grey or HxWx3 RGB).
        preds: Predicted labels.
        truths: True labels.
        classes: Class names by label.
        out: Output image file (written atomically).
        cols: Columns of the grid.

    Returns:
        The title colour of every image.
    """
    import matplotlib
    matplotlib.use('Agg')
    from mmext.visualization.fonts import use_cjk_font
    use_cjk_font()  # Chinese class names
    import matplotlib.pyplot as plt

    from mmext.fileio import atomic_write

    n = len(images)
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.2 * cols, 2.4 * rows), squeeze=False)
    colours = []
    for ax in axes.flat:
        ax.axis('off')
    for ax, img, p, t in zip(axes.flat, images, preds, truths):
        colour = RIGHT if p == t else WRONG
        colours.append(colour)
        ax.imshow(img, cmap='gray' if img.ndim == 2 else None)
        ax.set_title(
            f'pred: {classes[p]}\ntrue: {classes[t]}',
            color=colour,
            fontsize=9)
    fig.tight_layout()
    fmt = osp.splitext(out)[1].lstrip('.') or 'png'
    with atomic_write(out, 'wb') as f:
        fig.savefig(f, format=fmt, dpi=100)
    plt.close(fig)
    return colours


@friendly_main
def main():
    from mmext.apis.config import check_cfg_options, load_config
    from mmext.fileio import check_writable

    args = parse_args()
    if args.num < 1:
        raise ConfigError(f'--num must be at least 1, got {args.num}.')
    check_writable(args.out)
    cfg = load_config(args.config)
    check_cfg_options(cfg, args.cfg_options)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    indices = list(range(args.start, args.start + args.num))
    images, preds, truths, classes = predict_samples(cfg, args.checkpoint,
                                                     indices)
    colours = plot_grid(images, preds, truths, classes, args.out, args.cols)
    print(f'{colours.count(RIGHT)} of {len(colours)} right; wrote {args.out}')


if __name__ == '__main__':
    main()

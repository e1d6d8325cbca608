# Class activation maps (Grad-CAM, Grad-CAM++, XGradCAM, EigenCAM, LayerCAM,
# ...) of one image or every image below a folder, with the test
# preprocessing of tools/predict.py; needs `pip install grad-cam`:
#   python tools/analysis/vis_cam.py IMG_OR_DIR CONFIG CKPT --out-dir cams
#       [--method gradcam++] [--target-layers backbone.layer4.2.bn3]
#       [--target-category 3] [--preview-model]
# Works for the shipped backbones (MobileNetV2, ResNet-50, Swin-T: token
# outputs are reshaped to a map automatically). Modelled on mmpretrain's
# tools/visualization/vis_cam.py; logic lives in mmext.visualization.cam.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402
from mmext.utils.arguments import add_config_checkpoint, add_device


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Visualise CAMs')
    parser.add_argument('images', help='an image file or a folder')
    add_config_checkpoint(parser)
    parser.add_argument(
        '--out-dir',
        default='cams',
        help='writes <image name>_cam.png (image | overlay)')
    parser.add_argument(
        '--method',
        default='gradcam',
        help='gradcam, gradcam++, xgradcam, eigencam, '
        'layercam, hirescam, eigengradcam, scorecam, ...')
    parser.add_argument(
        '--target-layers',
        nargs='+',
        help='module names (default: the backbone\'s last '
        'norm layer); list them with --preview-model')
    parser.add_argument(
        '--target-category',
        type=int,
        help='class index to explain (default: the '
        'predicted class)')
    parser.add_argument(
        '--num-extra-tokens',
        type=int,
        help='ViT-like backbones: leading tokens to drop')
    parser.add_argument('--eigen-smooth', action='store_true')
    parser.add_argument('--aug-smooth', action='store_true')
    parser.add_argument(
        '--preview-model',
        action='store_true',
        help='print the layer names and exit')
    add_device(parser, default='cpu')
    add_cfg_options(parser)
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.inference import Predictor
    from mmext.progress import track
    from mmext.visualization.cam import (CAMVisualizer, cam_for_files,
                                         preview_layers)
    args = parse_args(argv)
    predictor = Predictor(args.config, args.checkpoint, args.device,
                          args.cfg_options)
    if args.preview_model:
        print(preview_layers(predictor.inferencer.model))
        return
    vis = CAMVisualizer(predictor, args.method, args.target_layers,
                        args.num_extra_tokens)
    print(f'{args.method} on {", ".join(vis.names)}', file=sys.stderr)
    written = cam_for_files(
        vis,
        args.images,
        args.out_dir,
        args.target_category,
        progress=lambda files: track(files, 'CAM'),
        eigen_smooth=args.eigen_smooth,
        aug_smooth=args.aug_smooth)
    print(f'wrote {len(written)} CAM image(s) to {args.out_dir}')


if __name__ == '__main__':
    main()

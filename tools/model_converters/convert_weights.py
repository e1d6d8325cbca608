# Convert ImageNet weights from torchvision / tonylins layouts to mmpretrain's
# keys and check that the converted backbone gives the original's features:
#   python tools/model_converters/convert_weights.py \
#       ../shared/weights/mobilenetv2_imagenet_features_original.pt \
#       work_dirs/mobilenet-v2_imagenet_mmpretrain.pth --verify
# Logic lives in mmext.converters.
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.converters import (ARCHS, LAYOUTS, compare_features,
                              convert_checkpoint, detect_layout,
                              load_state_dict)
from mmext.errors import CheckpointError, friendly_main  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert torchvision/tonylins MobileNetV2 or ResNet '
        'weights to mmpretrain keys')
    parser.add_argument('src', help='source weights (.pt/.pth state dict)')
    parser.add_argument('dst', help='output .pth (mmpretrain keys)')
    parser.add_argument('--arch', choices=ARCHS, help='default: detect')
    parser.add_argument('--layout', choices=LAYOUTS, default='auto')
    parser.add_argument(
        '--backbone-only',
        action='store_true',
        help='drop the ImageNet classifier')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='compare pooled features of the original and '
        'the converted backbone on random input')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-5,
        help='largest accepted feature difference')
    return parser.parse_args()


@friendly_main
def main():
    args = parse_args()
    src = load_state_dict(args.src)
    arch, layout = detect_layout(src)
    out = convert_checkpoint(args.src, args.dst, args.arch, args.layout,
                             args.backbone_only)
    print(f'{args.src} ({layout} {arch}, {len(src)} tensors) -> {args.dst} '
          f'({len(out)} tensors, mmpretrain keys)')
    if args.verify:
        diff = compare_features(src, out, arch, layout)
        print(f'max abs difference of pooled features: {diff:.3g}')
        if diff > args.tolerance:
            raise CheckpointError(
                f'The converted backbone differs from the original by {diff} '
                f'(tolerance {args.tolerance}).',
                fix='the conversion is wrong for this file; please report it.',
                path=args.src)


if __name__ == '__main__':
    main()

# A local web demo: drop or photograph an item, see the top-k classes
# (Chinese / English names), the bin in its colour, the score and a Grad-CAM
# overlay; click through val images in the gallery. Needs the demo extra:
#   pip install -e '.[demo]'
#   python tools/demo.py CONFIG CKPT [--port 7860] [--host 127.0.0.1] [--tta]
# Scores are those of tools/predict.py (same preprocessing; calibrated when
# tools/analysis/calibrate.py stored a temperature; with --tta averaged over
# the same flips as tools/predict.py --tta and tools/test.py --tta). Runs
# offline; serves on 127.0.0.1 only unless --host says otherwise. Logic lives
# in mmext.demo.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.demo.app import offline_env  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402
from mmext.utils.arguments import add_config_checkpoint, add_device

offline_env()  # before anything imports gradio


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Web demo of a classifier')
    add_config_checkpoint(parser)
    parser.add_argument(
        '--host',
        default='127.0.0.1',
        help='interface (0.0.0.0: reachable on your network)')
    parser.add_argument(
        '--port',
        type=int,
        help='port (default: 7860 or '
        'the next free one)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument(
        '--tta',
        action='store_true',
        help='average the scores over the image and its flips as training '
        'flipped it (tools/predict.py --tta); Grad-CAM stays single-view')
    parser.add_argument(
        '--cam', default='gradcam', help="Grad-CAM method, or 'none'")
    parser.add_argument(
        '--gallery',
        default='val',
        help="'val' or 'test' (images of the config's split), "
        "a folder of images, or 'none'")
    parser.add_argument(
        '--per-class', type=int, default=4, help='gallery images per class')
    parser.add_argument(
        '--names', help='JSON {class: "中文 / English"} '
        'display names')
    add_device(parser)
    add_cfg_options(parser)
    return parser.parse_args(argv)


def gallery_for(args, predictor):
    from mmext.apis.calibration import labelled_split
    from mmext.apis.config import load_config
    from mmext.demo.app import gallery_items
    from mmext.utils.images import list_images
    if args.gallery == 'none':
        return []
    if osp.isdir(args.gallery):
        files = list_images(args.gallery)[:60]
        return [(f, osp.relpath(f, args.gallery)) for f in files]
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    paths, labels, _ = labelled_split(cfg, args.gallery)
    return gallery_items(paths, labels, predictor.classes or [],
                         args.per_class, predictor_names(args))


def predictor_names(args):
    from mmext.demo.names import read_names
    return read_names(args.names) if args.names else None


@friendly_main
def main(argv=None):
    from mmext.apis.inference import Predictor
    from mmext.demo.app import DemoModel, build_demo, launch
    args = parse_args(argv)
    predictor = Predictor(
        args.config,
        args.checkpoint,
        args.device,
        args.cfg_options,
        tta=args.tta)
    model = DemoModel(predictor, args.topk,
                      None if args.cam == 'none' else args.cam,
                      predictor_names(args))
    gallery = gallery_for(args, predictor)
    calib = (f'calibrated (T={predictor.temperature:.2f})'
             if predictor.temperature else 'uncalibrated')
    subtitle = (
        f'`{osp.basename(args.config)}` · `{osp.basename(args.checkpoint)}`'
        f' · {len(predictor.classes or [])} classes · scores {calib}' +
        (f', averaged over {predictor.views} views (--tta)'
         if predictor.views > 1 else ''))
    demo = build_demo(model, gallery, subtitle=subtitle)
    folders = sorted({osp.dirname(osp.abspath(p)) for p, _ in gallery})
    launch(demo, args.host, args.port, allowed_paths=folders)


if __name__ == '__main__':
    main()

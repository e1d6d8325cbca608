# Error analysis of a test run: confusion matrix (classes, and bins when the
# data set has them), per-class precision/recall, most confused pairs,
# calibration (ECE, reliability diagram) and a contact sheet of the most
# confident mistakes, from tools/test.py --out preds.csv. With --checkpoint
# (and the config) each mistake gets a Grad-CAM overlay of the predicted class.
# Logic lives in mmext.analysis.error_analysis.
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.errors import ConfigError, friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Analyse test errors')
    parser.add_argument(
        'preds',
        help='CSV of tools/test.py --out preds.csv '
        '(or the pickle of --out results.pkl)')
    parser.add_argument(
        'config',
        nargs='?',
        help='the config tested (class names, bins, image '
        'files); without it, names come from the CSV')
    parser.add_argument(
        '--img-root',
        help='folder the CSV file names are '
        'relative to (when no config is given)')
    parser.add_argument(
        '--split',
        default='test',
        choices=['test', 'val'],
        help='which data set of the config was tested')
    parser.add_argument(
        '--out-dir',
        default='error_analysis',
        help='write confusion_matrix.png, '
        'confusion_matrix_bins.png, reliability.png, '
        'mistakes.png, report.txt')
    parser.add_argument(
        '--top', type=int, default=10, help='most confused pairs to list')
    parser.add_argument(
        '--max-images',
        type=int,
        default=40,
        help='mistakes on the contact sheet')
    parser.add_argument(
        '--checkpoint',
        help='the tested checkpoint: adds a '
        'Grad-CAM overlay of the predicted class to every '
        'mistake on the contact sheet (needs the config and '
        'grad-cam)')
    parser.add_argument(
        '--cam-method',
        default='gradcam',
        help='gradcam, gradcam++, xgradcam, eigencam, ...')
    parser.add_argument(
        '--bins',
        type=int,
        default=15,
        help='confidence bins of the ECE and the '
        'reliability diagram')
    parser.add_argument('--device', default='cpu', help='for --checkpoint')
    add_cfg_options(
        parser,
        help='override config keys, e.g. '
        'test_dataloader.dataset.data_root=data/x')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.analysis.error_analysis import (analyse_predictions,
                                               dataset_for_predictions)
    from mmext.apis.config import load_config
    from mmext.fileio import atomic_write
    args = parse_args()
    meta, paths = {}, None
    if args.config:
        cfg = load_config(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        meta, paths = dataset_for_predictions(cfg, args.split)
    result = analyse_predictions(
        args.preds,
        meta.get('classes'),
        meta.get('bins'),
        meta.get('class_to_bin'),
        img_paths=paths,
        img_root=args.img_root)
    text = result.to_text(args.top)
    print(text)
    os.makedirs(args.out_dir, exist_ok=True)
    out = [osp.join(args.out_dir, 'confusion_matrix.png')]
    result.plot_confusion(out[-1])
    if result.bins is not None:
        out.append(osp.join(args.out_dir, 'confusion_matrix_bins.png'))
        result.plot_confusion(out[-1], level='bin')
    out.append(osp.join(args.out_dir, 'reliability.png'))
    ece = result.plot_reliability(out[-1], args.bins)
    cam = None
    if args.checkpoint:
        if not args.config:
            raise ConfigError(
                '--checkpoint needs the config too.',
                fix='pass PREDS CONFIG --checkpoint CKPT.')
        from mmext.apis.inference import Predictor
        from mmext.visualization.cam import CAMVisualizer
        vis = CAMVisualizer(
            Predictor(args.config, args.checkpoint, args.device,
                      args.cfg_options), args.cam_method)
        cam = lambda path, label: vis(path, label)['overlay']  # noqa: E731
    out.append(osp.join(args.out_dir, 'mistakes.png'))
    n = result.contact_sheet(
        out[-1], max_images=args.max_images, cols=4 if cam else 8, cam=cam)
    missing = (result.frame['img_path'] == '').sum()
    if missing:
        print(f'\n{missing} image files were not found (pass the tested '
              'config, or --img-root); they are left off the contact sheet.')
    out.append(osp.join(args.out_dir, 'report.txt'))
    with atomic_write(out[-1], encoding='utf-8') as f:
        f.write(text + '\n')
    print(f'\nexpected calibration error {ece * 100:.2f}% ({args.bins} bins; '
          'tools/analysis/calibrate.py fits a temperature that lowers it)')
    print(f'{n} mistakes on the contact sheet' +
          (f' with {args.cam_method} overlays' if cam else '') + '; wrote ' +
          ', '.join(out))


if __name__ == '__main__':
    main()

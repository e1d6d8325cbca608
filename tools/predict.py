# Predict one image or a folder: top-k classes (and the bin) with scores.
# Uses mmpretrain's ImageClassificationInferencer, i.e. the config's test
# pipeline and the model's data_preprocessor, as tools/test.py does.
# Logic lives in mmext.apis.inference.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

from mmext.errors import friendly_main  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Classify images')
    parser.add_argument('images', help='an image file or a folder of images')
    parser.add_argument('config', help='the config the checkpoint was '
                        'trained with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--topk', type=int, default=1,
                        help='ranked classes per image')
    parser.add_argument('--device', help='cpu or cuda (default: cuda if '
                        'available)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.apis.inference import Predictor, format_predictions
    args = parse_args()
    predictor = Predictor(args.config, args.checkpoint, args.device,
                          args.cfg_options)
    results = predictor(args.images, topk=args.topk,
                        batch_size=args.batch_size)
    root = args.images if osp.isdir(args.images) else ''
    print(format_predictions(results, root))


if __name__ == '__main__':
    main()

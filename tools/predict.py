# Predict one image or a folder: top-k classes (and the bin) with scores, or
# with --out the submission CSV (the same table as tools/test.py --out).
# Uses mmpretrain's ImageClassificationInferencer, i.e. the config's test
# pipeline and the model's data_preprocessor, as tools/test.py does.
#   python tools/predict.py IMAGE_OR_FOLDER CONFIG CKPT [--topk 3]
#   python tools/predict.py CONFIG CKPT --test-dir FOLDER --out preds.csv
# Logic lives in mmext.apis.predict.
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main():
    from mmext.apis.predict import predict_parser, run_predict
    print(run_predict(predict_parser().parse_args()))


if __name__ == '__main__':
    main()

# Train a model: the arguments and behaviour of mmpretrain's tools/train.py,
# plus early checks with clear errors. Logic lives in mmext.apis.train.
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.apis.train import run_train, train_parser  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main():
    run_train(train_parser().parse_args())


if __name__ == '__main__':
    main()

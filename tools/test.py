# Test a checkpoint; `--out preds.csv` writes the submission CSV, other
# suffixes keep mmpretrain's pickle. Logic lives in mmext.apis.test.
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.apis.test import run_test, test_parser  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main():
    run_test(test_parser().parse_args())


if __name__ == '__main__':
    main()

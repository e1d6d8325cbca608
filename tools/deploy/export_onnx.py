# Export CONFIG + CHECKPOINT to ONNX with the preprocessing built in, then
# check onnxruntime against PyTorch on real images. See docs/deploy.md.
# Logic lives in mmext.deploy.
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmext.deploy.export_command import export_parser, run_export  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main():
    run_export(export_parser().parse_args())


if __name__ == '__main__':
    main()

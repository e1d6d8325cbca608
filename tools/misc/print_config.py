# Print a config fully resolved (after _base_ inheritance and --cfg-options).
import argparse
import os.path as osp
import sys

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import DictAction  # noqa: E402

from mmext.apis.config import check_cfg_options, load_config  # noqa: E402
from mmext.errors import friendly_main  # noqa: E402


@friendly_main
def main():
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = load_config(args.config)
    check_cfg_options(cfg, args.cfg_options)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    print(cfg.pretty_text)


if __name__ == '__main__':
    main()

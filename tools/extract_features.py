# Run a config's frozen backbone (+neck) once over its cached splits and write
# the feature caches its FeatureCacheDataset loaders read
# (configs/feature_cache/).
# Logic lives in mmext.feature_cache.extract.
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.arguments import add_cfg_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description='Extract the pooled backbone features a feature_cache '
        'config trains on')
    parser.add_argument('config', help='a config from configs/feature_cache/')
    parser.add_argument(
        '--checkpoint',
        help='full-model checkpoint to take '
        'the backbone weights from (default: the init_cfg '
        'of the config)')
    parser.add_argument(
        '--splits',
        nargs='+',
        choices=['train', 'val', 'test'],
        help='default: every split that reads a cache')
    parser.add_argument(
        '--force',
        action='store_true',
        help='re-extract even if the cache is up to date')
    parser.add_argument('--batch-size', type=int, help='images per forward')
    parser.add_argument('--num-workers', type=int, default=0)
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    add_cfg_options(parser, help='override config keys, as for tools/train.py')
    return parser.parse_args()


@friendly_main
def main():
    from mmext.apis.config import check_cfg_options, load_config
    from mmext.feature_cache.extract import extract_caches, split_summary

    args = parse_args()
    cfg = load_config(args.config)
    check_cfg_options(cfg, args.cfg_options)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    written = extract_caches(cfg, args.checkpoint, args.splits, args.force,
                             args.batch_size, args.num_workers, args.device)
    for split, path in written.items():
        print(f'[{split}] {path}')
        for line in split_summary(path):
            print(f'    {line}')


if __name__ == '__main__':
    main()

# k-fold cross-validation: train K folds of a config's training set and
# report each fold's validation top-1 with mean +- std:
#   python tools/kfold.py \
#       configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py \
#       --folds 5 [--trainval] [--seeds 0 1] [--split-seed 0]
# --trainval: folds over train + val (meta/trainval.txt, from
# tools/prepare_data.py).
# Work dirs: work_dirs/<config name>/fold_i (several seeds: seed<s>/fold_i);
# the table goes to <work dir>/kfold.md and kfold.json.
# Logic lives in mmext.apis.kfold (mmpretrain's KFoldDataset).
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

from mmext.errors import friendly_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='k-fold cross-validation')
    parser.add_argument('config', help='training config')
    parser.add_argument('--folds', type=int, default=5, help='K')
    parser.add_argument(
        '--only', type=int, nargs='+', help='train only these folds (0-based)')
    parser.add_argument(
        '--split-seed',
        type=int,
        default=0,
        help='KFoldDataset shuffle seed (same for all folds)')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        help='training seeds (each fold is trained once per '
        'seed); default: the config\'s randomness.seed')
    parser.add_argument(
        '--trainval',
        action='store_true',
        help='folds over train + val (meta/trainval.txt) '
        'instead of the training list alone')
    parser.add_argument(
        '--metric',
        default='accuracy/top1',
        help='validation metric to report')
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys')
    return parser.parse_args(argv)


@friendly_main
def main(argv=None):
    from mmext.apis.config import check_cfg_options, load_config
    from mmext.apis.kfold import (format_report, run_kfold, summarize,
                                  use_trainval)
    from mmext.fileio import atomic_write
    args = parse_args(argv)
    cfg = load_config(args.config)
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.trainval:
        use_trainval(cfg)
    os.environ.setdefault('LOCAL_RANK', '0')
    work_root = args.work_dir or osp.join(
        'work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    os.makedirs(work_root, exist_ok=True)
    results = run_kfold(cfg, work_root, args.folds, args.split_seed,
                        args.seeds, args.metric, args.only)
    table = format_report(results, args.metric)
    print(table)
    with atomic_write(
            osp.join(work_root, 'kfold.md'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    with atomic_write(
            osp.join(work_root, 'kfold.json'), 'w', encoding='utf-8') as f:
        json.dump(
            dict(
                config=args.config,
                folds=args.folds,
                trainval=args.trainval,
                split_seed=args.split_seed,
                metric=args.metric,
                summary=summarize(results, args.metric),
                runs=results),
            f,
            indent=2)


if __name__ == '__main__':
    main()

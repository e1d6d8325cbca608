# k-fold cross-validation: train K folds of a config's training set and
# report each fold's validation top-1 with mean +- std:
#   python tools/kfold.py \
#       configs/mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py \
#       --folds 5 [--trainval] [--seeds 0 1] [--split-seed 0]
# --trainval: folds over train + val (meta/trainval.txt, from
# tools/prepare_data.py).
# Work dirs: work_dirs/<config name>/fold_i (several seeds: seed<s>/fold_i);
# the table goes to <work dir>/kfold.md and kfold.json.
# Test-time choices without training again: the same command with
# --eval-only [--tta] [--tag NAME] [--cfg-options <test pipeline>] tests each
# fold's last checkpoint on its held-out part (<work dir>/kfold_<tag>.md,
# out-of-fold predictions in fold_i/<tag>/preds.csv) and prints the per-fold
# difference to the trained run. --soup-with OTHER_WORK_DIR [...] tests each
# fold as a uniform weight average (one model) of its checkpoint and the same
# fold's checkpoint of other recipes trained on the same folds;
# --ensemble-with OTHER_WORK_DIR [...] scores each fold by the mean class
# scores of the recipes' models (any models of the same classes).
# Distillation: a student config with a LoadTeacherScores transform, trained
# with --teacher TEACHER_WORK_DIR [...] [--teacher-tta]: before each fold
# trains, the teachers' models of the same fold score its training images
# (fold_i/teacher/scores.csv) and the student learns from those scores.
# Paired comparison of two recipes trained on the same folds:
#   python tools/kfold.py --compare A/kfold.json B/kfold.json
# Logic lives in mmext.apis.kfold (mmpretrain's KFoldDataset).
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

from mmext.errors import ConfigError, friendly_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='k-fold cross-validation')
    parser.add_argument(
        'config', nargs='?', help='training config (not with --compare)')
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
        '--eval-only',
        action='store_true',
        help='do not train: test each trained fold\'s last checkpoint on '
        'its held-out part (with --tta and/or a test pipeline changed by '
        '--cfg-options)')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='with --eval-only: flip test-time augmentation')
    parser.add_argument(
        '--tag',
        help='with --eval-only: name of the evaluation (outputs in '
        'fold_i/<tag>/ and kfold_<tag>.md/json); default eval or eval-tta')
    parser.add_argument(
        '--soup-with',
        nargs='+',
        default=[],
        metavar='WORK_DIR',
        help='with --eval-only: test each fold as a uniform soup (weight '
        'average) of its last checkpoint and the same fold\'s last '
        'checkpoint in these k-fold work dirs of the same model and folds '
        '(saved as fold_i/<tag>/soup.pth); default tag soup or soup-tta')
    parser.add_argument(
        '--ensemble-with',
        nargs='+',
        default=[],
        metavar='WORK_DIR',
        help='with --eval-only: score each fold by the mean class scores of '
        'its model and the same fold\'s model in these k-fold work dirs '
        '(any model of the same classes and folds, each tested with its own '
        'test pipeline); default tag ensemble or ensemble-tta')
    parser.add_argument(
        '--teacher',
        nargs='+',
        default=[],
        metavar='WORK_DIR',
        help='distillation: before each fold trains, score its training '
        'images with the same fold\'s models in these k-fold work dirs (mean '
        'class scores, fold_i/teacher/scores.csv) for the config\'s '
        'LoadTeacherScores transform')
    parser.add_argument(
        '--teacher-tta',
        action='store_true',
        help='with --teacher: flip test-time augmentation for the teachers')
    parser.add_argument(
        '--compare',
        nargs=2,
        metavar=('A_JSON', 'B_JSON'),
        help='print the per-fold differences B - A of two kfold*.json '
        'reports (or work dirs holding kfold.json) and their mean +- std')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys')
    return parser.parse_args(argv)


def compare(path_a: str, path_b: str, metric: str) -> None:
    """Print the paired per-fold comparison of two k-fold reports."""
    from mmext.apis.kfold import compare_reports, format_paired, load_report
    a, b = load_report(path_a), load_report(path_b)
    rows, stats = compare_reports(a, b, metric, path_a, path_b)
    print(f'A: {path_a}\nB: {path_b}\n')
    label_a, label_b = (osp.splitext(osp.basename(r.get('config') or p))[0] +
                        (' (TTA)' if r.get('tta') else '')
                        for r, p in ((a, path_a), (b, path_b)))
    print(format_paired(rows, stats, label_a, label_b))


@friendly_main
def main(argv=None):
    from mmext.apis.config import check_cfg_options, load_config
    from mmext.apis.kfold import (evaluate_folds, format_paired, format_report,
                                  load_report, paired_differences, run_kfold,
                                  summarize, use_trainval)
    from mmext.fileio import atomic_write
    args = parse_args(argv)
    if args.compare:
        return compare(*args.compare, metric=args.metric)
    if not args.config:
        raise ConfigError(
            'tools/kfold.py needs a config (or --compare A B).',
            fix='python tools/kfold.py CONFIG --folds 5 --trainval')
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
    stem = 'kfold'
    for flag, given in (('--soup-with', args.soup_with), ('--ensemble-with',
                                                          args.ensemble_with)):
        if given and not args.eval_only:
            raise ConfigError(
                f'{flag} combines trained folds, so it needs --eval-only.',
                fix='add --eval-only (train each recipe\'s folds first).')
    if args.teacher_tta and not args.teacher:
        raise ConfigError('--teacher-tta needs --teacher.')
    if args.teacher and args.eval_only:
        raise ConfigError(
            '--teacher sets the targets a student trains on, so it cannot '
            'go with --eval-only.',
            fix='drop --eval-only to train the student\'s folds.')
    if args.eval_only:
        default = ('soup' if args.soup_with else
                   'ensemble' if args.ensemble_with else 'eval')
        stem = f'kfold_{args.tag or default + ("-tta" if args.tta else "")}'
        results = evaluate_folds(
            cfg,
            work_root,
            args.folds,
            args.split_seed,
            args.seeds,
            args.only,
            tag=stem[len('kfold_'):],
            tta=args.tta,
            soup_with=args.soup_with,
            ensemble_with=args.ensemble_with,
            metric=args.metric)
    else:
        results = run_kfold(cfg, work_root, args.folds, args.split_seed,
                            args.seeds, args.metric, args.only, args.teacher,
                            args.teacher_tta)
    table = format_report(results, args.metric)
    if args.eval_only and osp.isfile(osp.join(work_root, 'kfold.json')):
        rows, stats = paired_differences(
            load_report(work_root)['runs'], results, args.metric)
        table += '\n\n' + format_paired(rows, stats, 'as trained',
                                        stem[len('kfold_'):])
    print(table)
    with atomic_write(
            osp.join(work_root, f'{stem}.md'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    with atomic_write(
            osp.join(work_root, f'{stem}.json'), 'w', encoding='utf-8') as f:
        json.dump(
            dict(
                config=args.config,
                folds=args.folds,
                trainval=args.trainval,
                eval_only=args.eval_only,
                tta=args.tta,
                soup_with=args.soup_with,
                ensemble_with=args.ensemble_with,
                teacher=args.teacher,
                teacher_tta=args.teacher_tta,
                cfg_options=args.cfg_options,
                split_seed=args.split_seed,
                metric=args.metric,
                summary=summarize(results, args.metric),
                runs=results),
            f,
            indent=2)


if __name__ == '__main__':
    main()

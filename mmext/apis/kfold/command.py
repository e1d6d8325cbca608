"""The ``tools/kfold.py`` command: its arguments, their checks, the run and
the report files (``kfold*.md`` and ``kfold*.json`` in the work dir)."""
import argparse
import json
import os
import os.path as osp
from typing import Sequence

from ...errors import ConfigError
from ...fileio import atomic_write
from ...utils.arguments import add_cfg_options
from ..config import check_cfg_options, load_config
from .configs import use_trainval
from .evaluate import evaluate_folds
from .report import (compare_reports, format_paired, format_report,
                     load_report, paired_differences, summarize)
from .train import run_kfold


def kfold_parser() -> argparse.ArgumentParser:
    """The arguments of ``tools/kfold.py``.

    Returns:
        The parser.
    """
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
    add_cfg_options(parser)
    return parser


def check_args(args: argparse.Namespace) -> None:
    """Refuse combinations of arguments that cannot work, before any run.

    Args:
        args: Parsed :func:`kfold_parser` arguments (without ``--compare``).
    """
    if not args.config:
        raise ConfigError(
            'tools/kfold.py needs a config (or --compare A B).',
            fix='python tools/kfold.py CONFIG --folds 5 --trainval')
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


def report_stem(args: argparse.Namespace) -> str:
    """The report's file name without extension: ``kfold`` for training,
    ``kfold_<tag>`` for an evaluation (default tag from what it tests).

    Args:
        args: Parsed :func:`kfold_parser` arguments.

    Returns:
        The stem, e.g. ``kfold_eval-tta``.
    """
    if not args.eval_only:
        return 'kfold'
    default = ('soup' if args.soup_with else
               'ensemble' if args.ensemble_with else 'eval')
    return f'kfold_{args.tag or default + ("-tta" if args.tta else "")}'


def compare_command(path_a: str, path_b: str, metric: str) -> str:
    """The paired per-fold comparison of two k-fold reports, as text.

    Args:
        path_a: Report A (``kfold*.json`` or a work dir).
        path_b: Report B.
        metric: The metric key.

    Returns:
        The two paths and the Markdown table of the differences B - A.
    """
    a, b = load_report(path_a), load_report(path_b)
    rows, stats = compare_reports(a, b, metric, path_a, path_b)
    label_a, label_b = (osp.splitext(osp.basename(r.get('config') or p))[0] +
                        (' (TTA)' if r.get('tta') else '')
                        for r, p in ((a, path_a), (b, path_b)))
    return (f'A: {path_a}\nB: {path_b}\n\n' +
            format_paired(rows, stats, label_a, label_b))


def write_report(args: argparse.Namespace, work_root: str, stem: str,
                 results: Sequence[dict]) -> str:
    """Write ``<stem>.md`` (the table; for an evaluation, also its per-fold
    difference to the trained run) and ``<stem>.json`` in ``work_root``.

    Args:
        args: Parsed :func:`kfold_parser` arguments (recorded in the JSON).
        work_root: The k-fold work dir.
        stem: From :func:`report_stem`.
        results: The runs of :func:`run_kfold` or :func:`evaluate_folds`.

    Returns:
        The Markdown table.
    """
    table = format_report(results, args.metric)
    if args.eval_only and osp.isfile(osp.join(work_root, 'kfold.json')):
        rows, stats = paired_differences(
            load_report(work_root)['runs'], results, args.metric)
        table += '\n\n' + format_paired(rows, stats, 'as trained',
                                        stem[len('kfold_'):])
    with atomic_write(
            osp.join(work_root, f'{stem}.md'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    keys = ('config', 'folds', 'trainval', 'eval_only', 'tta', 'soup_with',
            'ensemble_with', 'teacher', 'teacher_tta', 'cfg_options',
            'split_seed', 'metric')
    report = {k: getattr(args, k) for k in keys}
    report.update(summary=summarize(results, args.metric), runs=results)
    with atomic_write(
            osp.join(work_root, f'{stem}.json'), 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=2)
    return table


def run_command(args: argparse.Namespace) -> str:
    """Run ``tools/kfold.py``: compare two reports, or train or evaluate the
    folds and write the report.

    Args:
        args: Parsed :func:`kfold_parser` arguments.

    Returns:
        The text to print (the Markdown table).
    """
    if args.compare:
        return compare_command(*args.compare, metric=args.metric)
    check_args(args)
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
    stem = report_stem(args)
    if args.eval_only:
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
    return write_report(args, work_root, stem, results)

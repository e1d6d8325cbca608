"""tools/kfold.py's command logic without training: argument checks, report
names and the report files."""
import json

import pytest

from mmext.apis.kfold.command import (check_args, compare_command,
                                      kfold_parser, report_stem, write_report)
from mmext.errors import ConfigError
from helpers import kfold_runs as runs


def parse(*argv):
    return kfold_parser().parse_args(list(argv))


@pytest.mark.parametrize('argv, message', [
    ((), 'needs a config'),
    (('c.py', '--soup-with', 'x'), '--soup-with combines trained folds'),
    (('c.py', '--ensemble-with', 'x'), '--ensemble-with combines'),
    (('c.py', '--teacher-tta'), '--teacher-tta needs --teacher'),
    (('c.py', '--teacher', 'x', '--eval-only'), 'cannot go with --eval-only'),
])
def test_bad_argument_combinations_are_refused(argv, message):
    with pytest.raises(ConfigError, match=message):
        check_args(parse(*argv))


def test_good_arguments_pass_the_checks():
    check_args(parse('c.py', '--eval-only', '--soup-with', 'x'))
    check_args(parse('c.py', '--teacher', 'x', '--teacher-tta'))


@pytest.mark.parametrize('argv, stem', [
    (('c.py', ), 'kfold'),
    (('c.py', '--eval-only'), 'kfold_eval'),
    (('c.py', '--eval-only', '--tta'), 'kfold_eval-tta'),
    (('c.py', '--eval-only', '--soup-with', 'x'), 'kfold_soup'),
    (('c.py', '--eval-only', '--ensemble-with', 'x', '--tta'),
     'kfold_ensemble-tta'),
    (('c.py', '--eval-only', '--tta', '--tag', 'big'), 'kfold_big'),
])
def test_report_stem(argv, stem):
    assert report_stem(parse(*argv)) == stem


def test_write_report_and_compare(tmp_path):
    trained = parse('c.py', '--folds', '2')
    table = write_report(trained, str(tmp_path), 'kfold', runs([90.0, 80.0]))
    assert (tmp_path / 'kfold.md').read_text() == table + '\n'
    assert '**85.00 +- 7.07**' in table
    report = json.loads((tmp_path / 'kfold.json').read_text())
    assert report['folds'] == 2 and report['eval_only'] is False
    assert report['summary']['mean'] == 85.0 and len(report['runs']) == 2
    # an evaluation adds its per-fold difference to the trained run
    evaluated = parse('c.py', '--folds', '2', '--eval-only', '--tta')
    table = write_report(evaluated, str(tmp_path), 'kfold_eval-tta',
                         runs([91.0, 82.0]))
    assert '| B: eval-tta |' in table and '**+1.50 +- 0.71**' in table
    assert json.loads(
        (tmp_path / 'kfold_eval-tta.json').read_text())['tta'] is True
    text = compare_command(
        str(tmp_path), str(tmp_path / 'kfold_eval-tta.json'), 'accuracy/top1')
    assert text.startswith(f'A: {tmp_path}\nB: ')
    assert '| A: c | B: c (TTA) |' in text and '+1.50' in text

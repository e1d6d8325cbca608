"""find_problems and each of its checks, on small generated image tables."""
import pandas as pd
import pytest

from mmext.analysis import dataset_problems as dp
from mmext.analysis.dataset_report import DatasetReport


def row(split,
        path,
        cls='a',
        label=0,
        sha1='',
        size=(64, 64),
        mode='RGB',
        readable=True,
        error='',
        truncated=False):
    """One row of ``DatasetReport.images``."""
    return {
        'split': split,
        'path': path,
        'label': label,
        'class': cls,
        'sha1': sha1 or path,
        'width': size[0],
        'height': size[1],
        'mode': mode,
        'readable': readable,
        'error': error,
        'truncated': truncated
    }


def balanced(n=12, classes=('a', 'b')):
    """Rows of a clean set: ``n`` train and 2 val images per class."""
    rows = []
    for label, cls in enumerate(classes):
        rows += [
            row('train', f'/d/train/{cls}/{i}.jpg', cls, label)
            for i in range(n)
        ]
        rows += [
            row('val', f'/d/val/{cls}/{i}.jpg', cls, label) for i in range(2)
        ]
    return rows


def report(rows, classes=('a', 'b')):
    return DatasetReport('/d', list(classes), pd.DataFrame(rows), [])


def run(check, rows, classes=('a', 'b'), **limits):
    return check(dp.check_input(report(rows, classes), **limits))


def test_a_clean_set_passes_every_check():
    inp = dp.check_input(report(balanced()))
    assert inp.train == 'train' and inp.root == '/d'
    for check in dp.CHECKS:
        assert check(inp) == [], check.__name__
    assert dp.find_problems(report(balanced())) == []


def test_empty_split():
    inp = dp.check_input(report(balanced()))
    assert dp.check_empty_splits(inp) == []
    # a split the caller lists (e.g. a test list) that holds no image
    inp.counts['test'] = 0
    inp.splits.append('test')
    problems = dp.check_empty_splits(inp)
    assert [p.severity for p in problems] == ['error']
    assert 'Split test has no images' in problems[0].message


def test_empty_class():
    problems = run(dp.check_empty_classes, balanced(), ('a', 'b', 'c'))
    assert len(problems) == 1 and problems[0].severity == 'error'
    assert "['c']" in problems[0].message


def test_tiny_class_depends_on_the_threshold():
    rows = balanced(n=5)
    assert 'a (5), b (5)' in run(dp.check_tiny_classes, rows)[0].message
    assert run(dp.check_tiny_classes, rows, tiny=5) == []


def test_class_missing_from_val():
    rows = [
        r for r in balanced()
        if not (r['split'] == 'val' and r['class'] == 'b')
    ]
    problems = run(dp.check_classes_missing_from_splits, rows)
    assert "no val images: ['b']" in problems[0].message


def test_imbalance_depends_on_the_ratio():
    rows = balanced(
        n=2) + [row('train', f'/d/train/a/x{i}.jpg') for i in range(28)]
    problems = run(dp.check_imbalance, rows)
    assert 'a has 30 train images, b only 2 (15x)' in problems[0].message
    assert run(dp.check_imbalance, rows, imbalance=15) == []


def test_unreadable_and_truncated_files():
    rows = balanced() + [
        row('val', '/d/val/a/bad.jpg', readable=False, error='not an image'),
        row('val', '/d/val/a/cut.jpg', truncated=True)
    ]
    bad = run(dp.check_unreadable, rows)
    assert bad[0].severity == 'error' and bad[0].files == ['val/a/bad.jpg']
    assert '(1 not an image)' in bad[0].message
    assert run(dp.check_truncated, rows)[0].files == ['val/a/cut.jpg']


def test_repeated_lines():
    rows = balanced() + [row('train', '/d/train/a/0.jpg')]
    problems = run(dp.check_repeated_lines, rows)
    assert problems[0].files == ['train/a/0.jpg']
    assert 'listed more than once in train' in problems[0].message


def test_identical_bytes_within_across_and_with_two_labels():
    rows = balanced() + [
        row('train', '/d/train/a/copy.jpg', sha1='/d/train/a/0.jpg'),
        row('val', '/d/val/b/leak.jpg', 'b', 1, sha1='/d/train/a/1.jpg')
    ]
    within = run(dp.check_duplicates_within_splits, rows)
    assert within[0].files == ['train/a/0.jpg = train/a/copy.jpg']
    across = run(dp.check_duplicates_across_splits, rows)
    assert '1 image(s) appear in more than one split (train/val)' in across[
        0].message
    conflict = run(dp.check_conflicting_labels, rows)
    assert conflict[0].files == ['train/a/1.jpg = val/b/leak.jpg']
    # the same file listed twice is a repeated line, not a duplicate
    rows = balanced() + [row('train', '/d/train/a/0.jpg')]
    assert run(dp.check_duplicates_within_splits, rows) == []


@pytest.mark.parametrize('check, kind, severity', [
    (dp.check_small_images, dict(size=(10, 100)), 'warning'),
    (dp.check_cmyk, dict(mode='CMYK'), 'warning'),
    (dp.check_grayscale, dict(mode='L'), 'info'),
    (dp.check_alpha, dict(mode='RGBA'), 'info'),
    (dp.check_alpha, dict(mode='P'), 'info'),
])
def test_image_format_checks(check, kind, severity):
    rows = balanced() + [row('val', '/d/val/a/odd.png', **kind)]
    problems = run(check, rows)
    assert [p.severity for p in problems] == [severity]
    assert problems[0].files == ['val/a/odd.png']
    # an unreadable file of that kind is reported as unreadable only
    rows[-1]['readable'] = False
    assert run(check, rows) == []


def test_find_problems_runs_every_check_errors_first():
    rows = balanced(n=5) + [
        row('val', '/d/val/a/gray.jpg', mode='L'),
        row('val', '/d/val/a/bad.jpg', readable=False, error='empty file')
    ]
    problems = dp.find_problems(report(rows, ('a', 'b', 'c')), tiny=10)
    assert [p.severity
            for p in problems] == ['error', 'error', 'warning', 'info']
    assert "['c']" in problems[0].message  # report order within a severity
    assert 'cannot be read' in problems[1].message
    assert 'fewer than 10' in problems[2].message
    assert str(problems[1]).startswith('[ERROR] 1 image(s) cannot be read')

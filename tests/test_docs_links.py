"""Every relative link and image in the Markdown docs points at a file that
exists, and every ``#anchor`` at a heading of its target page."""
import glob
import os.path as osp
import re
from typing import Dict, List, Tuple
from urllib.parse import unquote

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC_GLOBS = ('README.md', 'CONTRIBUTING.md', 'docs/**/*.md', 'configs/**/*.md',
             'benchmarks/**/*.md', 'data/README.md')

# [text](target "title") and ![alt](target); target may be <wrapped>.
INLINE_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]*)'
                         r'(?:\s+"[^"]*")?\s*\)')
REFERENCE_DEF = re.compile(r'^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)', re.M)
HTML_SRC = re.compile(r'<(?:img|a)\b[^>]*?\b(?:src|href)="([^"]+)"', re.I)
FENCE = re.compile(r'^\s*(```|~~~)')


def doc_files() -> List[str]:
    """The Markdown files whose links are checked, relative to the repo."""
    found = set()
    for pattern in DOC_GLOBS:
        for path in glob.glob(osp.join(REPO, pattern), recursive=True):
            rel = osp.relpath(path, REPO).replace(osp.sep, '/')
            if not rel.startswith(('.venv/', 'work_dirs/')):
                found.add(rel)
    return sorted(found)


def strip_code(text: str, blank_inline: bool = True) -> List[Tuple[int, str]]:
    """Lines outside fenced code blocks.

    Args:
        text: a Markdown document.
        blank_inline: blank inline code spans (a path in backticks is not a
            link).

    Returns:
        ``(1-based line number, line)`` pairs.
    """
    lines, fenced = [], False
    for no, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            if blank_inline:
                line = re.sub(r'`[^`]*`', '``', line)
            lines.append((no, line))
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading.

    Args:
        heading: the heading's Markdown text (without the ``#`` marks).

    Returns:
        Lower case, punctuation other than ``-`` and ``_`` dropped, spaces
        as ``-``.
    """
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links: text
    text = text.replace('`', '').strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def anchors(path: str) -> set:
    """The anchors of the headings of a Markdown file.

    Args:
        path: absolute path of the file.

    Returns:
        Every heading's GitHub anchor (duplicates get ``-1``, ``-2``, ...).
    """
    with open(path, encoding='utf-8') as f:
        text = f.read()
    seen: Dict[str, int] = {}
    result = set()
    for _, line in strip_code(text, blank_inline=False):
        m = re.match(r'^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        slug = github_slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        result.add(slug if n == 0 else f'{slug}-{n}')
    return result


def links(rel: str) -> List[Tuple[int, str]]:
    """The link and image targets of a Markdown file.

    Args:
        rel: the file, relative to the repository.

    Returns:
        ``(line number, target)`` for every inline link, image, reference
        definition and HTML ``src``/``href``, outside code.
    """
    with open(osp.join(REPO, rel), encoding='utf-8') as f:
        text = f.read()
    found = []
    for no, line in strip_code(text):
        for pattern in (INLINE_LINK, REFERENCE_DEF, HTML_SRC):
            for m in pattern.finditer(line):
                found.append((no, m.group(1).strip('<>')))
    return found


def check_target(rel: str, target: str) -> str:
    """Why a link target of ``rel`` is broken, or ``''`` if it resolves.

    Args:
        rel: the Markdown file holding the link, relative to the repository.
        target: the link target as written.

    Returns:
        An empty string for a good (or external) link, else the reason.
    """
    if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:',
                target) or target.startswith('//'):
        return ''  # http(s), mailto: not checked (no network in tests)
    path, _, anchor = target.partition('#')
    path = unquote(path)
    if path:
        full = osp.normpath(osp.join(REPO, osp.dirname(rel), path))
        if not full.startswith(REPO + osp.sep):
            return f'{target}: points outside the repository'
        if not osp.exists(full):
            return f'{target}: {osp.relpath(full, REPO)} does not exist'
    else:
        full = osp.join(REPO, rel)
    if anchor and full.endswith('.md') and osp.isfile(full):
        if unquote(anchor).lower() not in anchors(full):
            return (f'{target}: no heading with anchor #{anchor} in '
                    f'{osp.relpath(full, REPO)}')
    return ''


def test_the_checked_pages_exist():
    """The glob finds the pages (a typo in DOC_GLOBS would check nothing)."""
    pages = doc_files()
    for page in ('README.md', 'CONTRIBUTING.md', 'docs/index.md',
                 'configs/README.md', 'benchmarks/RESULTS.md',
                 'data/README.md'):
        assert page in pages


@pytest.mark.parametrize('page', doc_files())
def test_relative_links_resolve(page):
    """Every relative link or image of the page exists, anchors included."""
    broken = [
        f'{page}:{no}: {why}' for no, target in links(page)
        if (why := check_target(page, target))
    ]
    assert not broken, 'broken links:\n' + '\n'.join(broken)


def test_checker_catches_broken_links(tmp_path):
    """The checker itself finds a missing file and a missing anchor."""
    assert check_target('docs/index.md', 'no-such-page.md')
    assert check_target('docs/index.md', '../README.md#no-such-heading')
    assert not check_target('docs/index.md', '../README.md')
    assert not check_target('docs/index.md', 'https://example.com/x.md')
    assert github_slug('Test-time augmentation: `--tta`') == \
        'test-time-augmentation---tta'
    assert github_slug('Quick start (fresh machine, with `../shared`)') == \
        'quick-start-fresh-machine-with-shared'


def test_readme_links_the_docs_index():
    """The README sends readers to the documentation index."""
    assert any(
        target.split('#')[0] == 'docs/index.md'
        for _, target in links('README.md'))

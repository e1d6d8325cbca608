"""Write the resolved text of every config, to prove a refactor changes none.

Each config under ``configs/`` (``_base_`` folders left out unless
``--include-bases``) is loaded with ``Config.fromfile`` and its
``pretty_text`` written to ``OUT/<same relative path>``; a config that does
not load gets a file holding its error instead, so that a diff shows it.

examples:
  before and after a config refactor:
    python tools/misc/snapshot_configs.py work_dirs/snap_before
    # ... edit configs/ ...
    python tools/misc/snapshot_configs.py work_dirs/snap_after \\
        --compare work_dirs/snap_before
  or compare by hand:
    diff -r work_dirs/snap_before work_dirs/snap_after
"""
import argparse
import filecmp
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def find_configs(root: str, include_bases: bool = False) -> List[str]:
    """List the config files under ``root``.

    Args:
        root: the configs folder.
        include_bases: also list files inside ``_base_`` folders.

    Returns:
        Paths relative to ``root`` with ``/`` separators, sorted.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames
            if d != '__pycache__' and (include_bases or d != '_base_'))
        for name in filenames:
            if name.endswith('.py'):
                rel = osp.relpath(osp.join(dirpath, name), root)
                found.append(rel.replace(os.sep, '/'))
    return sorted(found)


def resolve_config(path: str, root: Optional[str] = None) -> str:
    """Return ``Config.fromfile(path).pretty_text``, or the load error.

    Args:
        path: a config file.
        root: the configs folder; in an error message it is written as
            ``<configs>``, so that snapshots of two checkouts compare.

    Returns:
        The resolved config as text; for a config that fails to load, a line
        ``# ERROR <type>: <message>`` instead.
    """
    from mmengine.config import Config
    try:
        return Config.fromfile(path).pretty_text
    except Exception as exc:  # a snapshot records the failure, not raises it
        message = str(exc)
        if root:
            message = message.replace(osp.abspath(root), '<configs>')
        return f'# ERROR {type(exc).__name__}: {message}\n'


def write_snapshot(configs_dir: str,
                   out_dir: str,
                   include_bases: bool = False) -> Dict[str, str]:
    """Write the resolved text of every config under ``configs_dir``.

    Args:
        configs_dir: the configs folder.
        out_dir: where to write, one file per config at the same relative
            path.
        include_bases: also snapshot the files in ``_base_`` folders.

    Returns:
        ``{relative path: resolved text}`` of every config written.
    """
    texts = {}
    for rel in find_configs(configs_dir, include_bases):
        text = resolve_config(osp.join(configs_dir, rel), configs_dir)
        dst = osp.join(out_dir, rel)
        os.makedirs(osp.dirname(dst), exist_ok=True)
        with open(dst, 'w', encoding='utf-8') as f:
            f.write(text)
        texts[rel] = text
    return texts


def compare_snapshots(old_dir: str, new_dir: str) -> Dict[str, List[str]]:
    """Compare two snapshot folders file by file.

    Args:
        old_dir: the snapshot taken before.
        new_dir: the snapshot taken after.

    Returns:
        ``{'changed': [...], 'only_old': [...], 'only_new': [...]}``, each a
        sorted list of relative paths.
    """

    def files(root: str) -> set:
        return {
            osp.relpath(osp.join(d, n), root).replace(os.sep, '/')
            for d, _, names in os.walk(root)
            for n in names
        }

    old, new = files(old_dir), files(new_dir)
    changed = [
        rel for rel in sorted(old & new) if not filecmp.cmp(
            osp.join(old_dir, rel), osp.join(new_dir, rel), shallow=False)
    ]
    return dict(
        changed=changed,
        only_old=sorted(old - new),
        only_new=sorted(new - old))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='folder to write the snapshot to')
    parser.add_argument(
        '--configs-dir',
        default=osp.join(REPO, 'configs'),
        help='configs folder (default: the checkout\'s configs/)')
    parser.add_argument(
        '--include-bases',
        action='store_true',
        help='also snapshot the files in _base_ folders')
    parser.add_argument(
        '--compare',
        metavar='OLD_DIR',
        help='compare with an earlier snapshot; exit 1 if any differs')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Write a snapshot and optionally compare it with an earlier one.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0, or 1 when ``--compare`` found a difference.
    """
    args = parse_args(argv)
    if REPO not in sys.path:
        sys.path.insert(0, REPO)  # custom_imports=['mmext'] without install
    texts = write_snapshot(args.configs_dir, args.out_dir, args.include_bases)
    errors = [rel for rel, t in texts.items() if t.startswith('# ERROR')]
    print(f'{len(texts)} configs written to {args.out_dir}'
          f' ({len(errors)} failed to load)')
    for rel in errors:
        print(f'  failed: {rel}: {texts[rel].strip()}')
    if not args.compare:
        return 0
    diff = compare_snapshots(args.compare, args.out_dir)
    for key, title in (('changed', 'resolved config changed'),
                       ('only_old', f'only in {args.compare}'),
                       ('only_new', f'only in {args.out_dir}')):
        for rel in diff[key]:
            print(f'{title}: {rel}')
    same = not any(diff.values())
    print('identical'
          if same else f'different: see diff -r {args.compare} {args.out_dir}')
    return 0 if same else 1


if __name__ == '__main__':
    sys.exit(main())

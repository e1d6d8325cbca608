"""Write the docs' results tables and docs/results.png from the metafiles.

Each doc's table sits between ``<!-- results-table: NAME -->`` and
``<!-- /results-table -->``; see :mod:`mmext.utils.results_tables`.

examples:
  after editing a metafile:
    python tools/misc/results_tables.py
  check only (what tests/test_docs_tables.py does):
    python tools/misc/results_tables.py --check
"""
import argparse
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmext.errors import friendly_main  # noqa: E402
from mmext.utils.results_plot import inputs_hash  # noqa: E402,E501
from mmext.utils.results_plot import draw, plot_points, png_hash
from mmext.utils.results_tables import load_models, update_docs  # noqa: E402

PNG = osp.join(REPO, 'docs', 'results.png')
SVG = osp.join(REPO, 'docs', 'results.svg')


@friendly_main
def main() -> int:
    """Regenerate the tables; with ``--check`` report stale ones."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--check',
        action='store_true',
        help='write nothing; exit 1 if a doc differs from the metafiles')
    args = parser.parse_args()
    stale = update_docs(REPO, check=args.check)
    models = load_models(REPO)
    if args.check:
        current = png_hash(PNG) if osp.isfile(PNG) else ''
        if current != inputs_hash(plot_points(models)):
            stale.append('docs/results.png')
    else:
        draw(models, PNG, SVG)
    verb = 'differ from the metafiles' if args.check else 'rewritten'
    for doc in stale:
        print(f'{doc}: {verb}')
    return 1 if args.check and stale else 0


if __name__ == '__main__':
    sys.exit(main())

"""The import graph of ``mmext``: no cycle, no upward import, no private name
imported from another module.

The graph is built with ``ast`` from every ``import`` in the package,
including those inside functions and ``if TYPE_CHECKING:`` blocks. The layer
order is read from the table in CONTRIBUTING.md ("Layers of the package"),
the one place it is written.
"""
import ast
import re
from collections import defaultdict
from typing import Dict, List, Set, Tuple

import pytest

from helpers import REPO

PACKAGE = REPO / 'mmext'
ROOT = 'mmext'  # imports everything to register it: above every layer
# (importer, module) pairs allowed to share a private name: none
PRIVATE_EXEMPT: Set[Tuple[str, str]] = set()


def read_layers() -> Dict[str, int]:
    """``{top-level module: layer}`` from CONTRIBUTING.md's layer table."""
    text = (REPO / 'CONTRIBUTING.md').read_text(encoding='utf-8')
    section = text.split('## Layers of the package', 1)[1].split('\n## ')[0]
    layers = {}
    for line in section.splitlines():
        row = re.match(r'\|\s*(\d+)[^|]*\|([^|]*)\|', line)
        if row:
            for name in re.findall(r'`(\w+)`', row.group(2)):
                layers[name] = int(row.group(1))
    return layers


def module_names() -> Dict[str, bool]:
    """``{dotted module name: is a package}`` of every file in mmext."""
    names = {}
    for path in PACKAGE.rglob('*.py'):
        parts = list(path.relative_to(REPO).with_suffix('').parts)
        is_pkg = parts[-1] == '__init__'
        names['.'.join(parts[:-1] if is_pkg else parts)] = is_pkg
    return names


def _resolve(target: str, modules: Dict[str, bool]) -> str:
    while target and target not in modules:
        target = target.rpartition('.')[0]
    return target


def import_graph() -> Tuple[Dict[str, Set[str]], List[Tuple[str, str, str]]]:
    """The edges between mmext modules, and the private names imported.

    Returns:
        ``({importer: {imported module}}, [(importer, module, name)])`` for
        names starting with ``_`` imported from another mmext module.
    """
    modules = module_names()
    edges: Dict[str, Set[str]] = defaultdict(set)
    private = []
    for name, is_pkg in modules.items():
        path = PACKAGE.joinpath(*name.split('.')[1:])
        path = path / '__init__.py' if is_pkg else path.with_suffix('.py')
        package = name if is_pkg else name.rpartition('.')[0]
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    up = package.split('.')[:len(package.split('.')) -
                                            node.level + 1]
                    base = '.'.join(up + ([base] if base else []))
                targets = []
                for alias in node.names:  # `from pkg import module`
                    sub = f'{base}.{alias.name}'
                    targets.append((sub,
                                    None) if sub in modules else (base,
                                                                  alias.name))
            else:
                continue
            for target, imported in targets:
                target = _resolve(target, modules)
                if not target.startswith(ROOT) or target == name:
                    continue
                edges[name].add(target)
                if imported and imported.startswith('_') \
                        and not imported.startswith('__'):
                    private.append((name, target, imported))
    return edges, private


def find_cycle(edges: Dict[str, Set[str]]) -> List[str]:
    """One import cycle (``[a, b, ..., a]``), or ``[]``."""
    state: Dict[str, int] = {}  # 1: on the stack, 2: done
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def layer_of(module: str, layers: Dict[str, int]) -> int:
    """The layer of a dotted module name (its top-level part's)."""
    return layers[module.split('.')[1]]


def upward_imports(edges, layers) -> List[str]:
    """``importer -> imported`` edges that point to a higher layer."""
    bad = []
    for src, targets in edges.items():
        if src == ROOT:
            continue
        for dst in targets:
            if dst != ROOT and layer_of(dst, layers) > layer_of(src, layers):
                bad.append(f'{src} (layer {layer_of(src, layers)}) -> {dst} '
                           f'(layer {layer_of(dst, layers)})')
    return sorted(bad)


def test_every_top_level_module_has_one_layer():
    layers = read_layers()
    assert len(layers) > 10, 'the layer table of CONTRIBUTING.md was not read'
    tops = {n.split('.')[1] for n in module_names() if n != ROOT}
    assert tops - set(layers) == set(), (
        'add these to the layer table in CONTRIBUTING.md')
    assert set(layers) - tops == set(), 'the table names missing modules'


def test_function_level_and_relative_imports_are_edges():
    edges, _ = import_graph()
    # a module-level relative import of a sibling package
    assert 'mmext.errors' in edges['mmext.apis.kfold.configs']
    # `from .. import x` style and the package __init__ re-exports
    assert 'mmext.apis.kfold.train' in edges['mmext.apis.kfold']


def test_no_import_cycle():
    edges, _ = import_graph()
    cycle = find_cycle(edges)
    assert not cycle, 'import cycle: ' + ' -> '.join(cycle)


def test_no_lower_layer_imports_a_higher_one():
    edges, _ = import_graph()
    bad = upward_imports(edges, read_layers())
    assert not bad, ('upward imports (see the layer table in '
                     'CONTRIBUTING.md):\n' + '\n'.join(bad))


def test_no_private_name_is_imported_from_another_module():
    _, private = import_graph()
    bad = [
        f'{src} imports {name} from {dst}' for src, dst, name in private
        if (src, dst) not in PRIVATE_EXEMPT
    ]
    assert not bad, '\n'.join(bad)


@pytest.mark.parametrize('edges, cycle', [({
    'a': {'b'},
    'b': {'c'},
    'c': {'a'}
}, ['a', 'b', 'c', 'a']), ({
    'a': {'b'},
    'b': set()
}, [])])
def test_the_cycle_finder(edges, cycle):
    assert find_cycle(edges) == cycle


def test_the_layer_check_sees_an_upward_import():
    layers = {'errors': 1, 'apis': 4}
    edges = {'mmext.errors': {'mmext.apis.kfold'}, 'mmext.apis': set()}
    assert upward_imports(edges, layers) == [
        'mmext.errors (layer 1) -> mmext.apis.kfold (layer 4)'
    ]

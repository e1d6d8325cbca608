"""Loading configs and checking ``--cfg-options`` before anything runs.

A key that configures nothing is refused before the runner is built: a typo
of an existing key (nearest key suggested), and a key that the class named by
the dict's ``type`` does not take (checked against that class's signature,
nearest argument suggested; a class that passes ``**kwargs`` on to something
unknown accepts anything). Values such as ``custom_hooks=[dict(type=...)]``
are parsed as Python literals or refused with one paragraph.
"""
import ast
import copy
import difflib
import inspect
import os.path as osp
from typing import Any, List, Optional, Sequence, Set, Tuple

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from ..errors import ConfigError


def load_config(path: str) -> Config:
    """Load a config file, with a clear error when it is missing or broken.

    Args:
        path: The config file.

    Returns:
        The parsed :class:`mmengine.config.Config`.
    """
    if not osp.isfile(path):
        raise ConfigError(
            f'Config file {path} does not exist.',
            fix='pass a file from configs/, e.g. configs/mobilenet-'
            'v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py.',
            path=path)
    try:
        return Config.fromfile(path)
    except (SyntaxError, KeyError, NameError, ImportError, TypeError) as exc:
        raise ConfigError(
            f'Config {path} cannot be parsed: '
            f'{type(exc).__name__}: {exc}.',
            fix='check the file and its _base_ files.',
            path=path) from exc


def check_cfg_options(cfg: Config, options: Optional[dict]) -> None:
    """Refuse ``--cfg-options`` keys that configure nothing.

    A key whose parent does not exist, or whose last part is missing but
    close to an existing key, is an error naming the closest keys. A new key
    in a dict with a ``type`` must be an argument of that class (see
    :func:`check_option_types`); a new key elsewhere is allowed: configs add
    keys too.

    Args:
        cfg: The loaded config.
        options: The parsed ``--cfg-options`` dictionary.
    """
    for key in options or {}:
        node = cfg._cfg_dict if hasattr(cfg, '_cfg_dict') else cfg
        parts = key.split('.')
        path = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, (list, tuple)) and part.isdigit():
                if int(part) >= len(node):
                    raise ConfigError(
                        f'--cfg-options {key}: index {part} is out of range '
                        f'for {".".join(path)} (length {len(node)}).')
                node = node[int(part)]
            elif isinstance(node, dict):
                if part not in node:
                    close = difflib.get_close_matches(
                        part, list(node), n=3, cutoff=0.75)
                    if not last or close:
                        where = '.'.join(path) or 'the top level'
                        names = ', '.join('.'.join(path + [c]) for c in close)
                        hint = (f'did you mean {names}?' if close else
                                f'keys there: {sorted(node)[:12]}')
                        raise ConfigError(
                            f'--cfg-options {key}: {where} has no key '
                            f'{part!r}.',
                            fix=f'{hint} (print the resolved '
                            'config with python tools/misc/print_config.py '
                            'CONFIG).')
                    break
                node = node[part]
            else:
                if not last:
                    raise ConfigError(
                        f'--cfg-options {key}: {".".join(path)} is a '
                        f'{type(node).__name__}, not a dict.')
            path.append(part)
    check_option_types(cfg, options)


# ---------------------------------------------------------------------------
# values: ``key=[dict(type='X', a=1)]`` and ``key={'a': 1}``
# ---------------------------------------------------------------------------


def _literal(node: ast.AST, text: str) -> Any:
    """Evaluate a literal, ``dict(k=v)`` calls and bare names (as strings)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, text) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        return {
            _literal(k, text): _literal(v, text)
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_literal(node.operand, text)
    if isinstance(node, ast.Name):  # unquoted word: a string, as DictAction
        return {
            'True': True,
            'False': False,
            'None': None
        }.get(node.id, node.id)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and not node.args
            and all(k.arg for k in node.keywords)):
        return {k.arg: _literal(k.value, text) for k in node.keywords}
    raise ValueError(f'{ast.get_source_segment(text, node) or text!r} is not '
                     'a literal')


def parse_option_value(key: str, text: str) -> Any:
    """Parse one ``--cfg-options`` value that holds a list/dict expression.

    Args:
        key: The option's key (for the error message).
        text: The value as typed.

    Returns:
        The parsed value.

    Raises:
        ConfigError: When the text is not a literal (``dict(...)`` calls,
            lists, tuples, ``{...}``, numbers, strings, True/False/None).
    """
    try:
        return _literal(ast.parse(text.strip(), mode='eval').body, text)
    except (SyntaxError, ValueError) as exc:
        raise ConfigError(
            f'--cfg-options {key}={text}: the value cannot be read '
            f'({type(exc).__name__}: {exc}).',
            fix='write lists and dicts as Python literals and quote the whole '
            'option for the shell, e.g. --cfg-options "custom_hooks=[dict('
            'type=\'EMAHook\', momentum=0.001)]"; only dict(...), [...], '
            '(...), {...}, numbers, strings and True/False/None are '
            'understood.') from None


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction``, also reading ``dict(...)``/``{...}`` values.

    ``key=a,b`` and ``key=[1,2]`` parse as with mmengine; a value holding
    ``dict(`` or starting with ``{`` is read as a Python literal
    (:func:`parse_option_value`), anything else unreadable is refused with a
    :class:`ConfigError` instead of reaching the runner as a string.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        for kv in values:
            if '=' not in kv:
                raise ConfigError(
                    f'--cfg-options {kv}: expected key=value.',
                    fix='e.g. --cfg-options train_cfg.max_epochs=5.')
            key, val = kv.split('=', 1)
            stripped = val.strip()
            if 'dict(' in stripped or stripped.startswith('{'):
                options[key] = parse_option_value(key, stripped)
            else:
                options[key] = self._parse_iterable(val)
        setattr(namespace, self.dest, options)


# ---------------------------------------------------------------------------
# keys: checked against the signature of the class ``type`` names
# ---------------------------------------------------------------------------

# where a typed dict sits -> the registries to look its type up in (first
# match wins; then every registry)
_REGISTRY_HINTS = [
    ('optimizer', 'OPTIMIZERS'),
    ('optim_wrapper', 'OPTIM_WRAPPERS'),
    ('param_scheduler', 'PARAM_SCHEDULERS'),
    ('hooks', 'HOOKS'),
    ('evaluator', 'METRICS'),
    ('pipeline', 'TRANSFORMS'),
    ('sampler', 'DATA_SAMPLERS'),
    ('augments', 'BATCH_AUGMENTS'),
    ('init_cfg', 'WEIGHT_INITIALIZERS'),
    ('vis_backends', 'VISBACKENDS'),
    ('visualizer', 'VISUALIZERS'),
    ('log_processor', 'LOG_PROCESSORS'),
    ('dataset', 'DATASETS'),
    ('_cfg', 'LOOPS'),
    ('model', 'MODELS'),
]
_ALL_REGISTRIES = [
    'MODELS', 'DATASETS', 'TRANSFORMS', 'HOOKS', 'METRICS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS', 'DATA_SAMPLERS', 'BATCH_AUGMENTS',
    'WEIGHT_INITIALIZERS', 'LOOPS', 'VISUALIZERS', 'VISBACKENDS',
    'LOG_PROCESSORS'
]
# keys that mmengine's builders consume before calling the class
_BUILDER_KEYS = {
    'OPTIM_WRAPPERS': {'paramwise_cfg', 'constructor'},
    'PARAM_SCHEDULERS': {'convert_to_iter_based'},
    'WEIGHT_INITIALIZERS': {'layer', 'override'},
}
# common names from other frameworks -> this stack's name
_ALIASES = {
    'learning_rate': 'lr',
    'wd': 'weight_decay',
    'epochs': 'max_epochs',
    'num_class': 'num_classes',
    'n_classes': 'num_classes'
}


def _registries(path: Sequence[str]) -> List[Tuple[str, Any]]:
    import mmpretrain.registry as reg
    names = [
        r for part in reversed(path) for hint, r in _REGISTRY_HINTS
        if hint in str(part)
    ]
    names += [r for r in _ALL_REGISTRIES if r not in names]
    return [(n, getattr(reg, n)) for n in dict.fromkeys(names)]


def find_type(type_name: Any, path: Sequence[str]) -> Tuple[Any, str]:
    """The class (or function) a config dict's ``type`` names.

    Args:
        type_name: The ``type`` value (a name or a class).
        path: Where the dict sits in the config (guides the registry).

    Returns:
        ``(object, registry name)``, ``(None, '')`` when not found.
    """
    if not isinstance(type_name, str):
        return (type_name, '') if callable(type_name) else (None, '')
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    for reg_name, registry in _registries(path):
        try:
            obj = registry.get(type_name)
        except Exception:  # noqa: BLE001 - a scope that cannot be imported
            obj = None
        if obj is not None:
            return obj, reg_name
    return None, ''


def accepted_arguments(obj: Any) -> Optional[Set[str]]:
    """The keyword arguments a class (or function) accepts.

    The ``__init__`` signatures along the class's MRO are joined while each
    passes ``**kwargs`` on; a ``**kwargs`` that ends nowhere known (the chain
    reaches ``object``) means anything is accepted.

    Args:
        obj: A class or function.

    Returns:
        The names, or ``None`` for "accepts anything".
    """
    import torch
    funcs = []
    if inspect.isclass(obj):
        for cls in obj.__mro__:
            if cls in (object, torch.nn.Module):
                return None  # **kwargs went to something we cannot see
            if '__init__' in cls.__dict__:
                funcs.append(cls.__dict__['__init__'])
                params = inspect.signature(funcs[-1]).parameters.values()
                if not any(p.kind == p.VAR_KEYWORD for p in params):
                    break
        else:
            return None
    else:
        funcs = [obj]
    names = set()
    for fn in funcs:
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return None
        if fn is obj and any(p.kind == p.VAR_KEYWORD for p in params):
            return None
        names |= {
            p.name
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    return names - {'self'}


def _type_name(obj: Any) -> str:
    return getattr(obj, '__name__', str(obj))


def check_typed_dict(node: dict, path: Sequence[str], option: str) -> None:
    """Refuse keys of ``node`` that the class its ``type`` names does not take.

    Args:
        node: A config dict with a ``type``.
        path: Where it sits (``['optim_wrapper', 'optimizer']``).
        option: The ``--cfg-options`` item, for the message.
    """
    where = '.'.join(map(str, path)) or 'the top level'
    obj, reg_name = find_type(node['type'], path)
    if obj is None:
        if not isinstance(node['type'], str):
            return
        registries = [r for _, r in _registries(path)[:1]]
        known = sorted(
            set(registries[0].module_dict)
            | set(getattr(registries[0].parent, 'module_dict', {}) or {}))
        close = difflib.get_close_matches(node['type'], known, n=3, cutoff=0.6)
        raise ConfigError(
            f'--cfg-options {option}: {where}.type={node["type"]!r} is not a '
            'registered type.',
            fix=(f'did you mean {", ".join(close)}? ' if close else '') +
            'Custom classes must be imported through custom_imports.')
    accepted = accepted_arguments(obj)
    if accepted is None:
        return
    accepted |= {'type', '_scope_'} | _BUILDER_KEYS.get(reg_name, set())
    for key in node:
        if key in accepted or key == '_delete_':
            continue
        close = difflib.get_close_matches(
            str(key), sorted(accepted), n=3, cutoff=0.6)
        if key in _ALIASES and _ALIASES[key] in accepted:
            close = [_ALIASES[key]] + [c for c in close if c != _ALIASES[key]]
        hint = (f'did you mean {", ".join(f"{where}.{c}" for c in close)}? '
                if close else '')
        args = sorted(accepted - {'type', '_scope_'})
        if not option.split('=', 1)[0].endswith(f'.{key}'):
            # the key came from the config, kept by mmengine's dict merge
            hint += (f'({key!r} is kept from the config: to replace the '
                     'whole dict pass it with _delete_=True, e.g. '
                     f'{where}=dict(_delete_=True, type=...).) ')
        raise ConfigError(
            f'--cfg-options {option}: {where} builds {_type_name(obj)} '
            f'({where}.type), which takes no argument {key!r}, so this '
            'option would configure nothing (or stop the run with a '
            'TypeError).',
            fix=f'{hint}{_type_name(obj)} takes: {", ".join(args)}.')


def _check_value(value: Any, path: List[str], option: str) -> None:
    """Check typed dicts inside a new value (lists of hooks, a new loss...)."""
    if isinstance(value, dict):
        if 'type' in value:
            check_typed_dict(value, path, option)
        for k, v in value.items():
            _check_value(v, path + [str(k)], option)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_value(v, path + [str(i)], option)


def _node_at(cfg_dict: Any, parts: Sequence[str]) -> Any:
    node = cfg_dict
    for part in parts:
        if isinstance(node, (list, tuple)) and str(part).isdigit():
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def check_option_types(cfg: Config, options: Optional[dict]) -> None:
    """Check ``--cfg-options`` against the classes they configure.

    The options are merged into a copy of ``cfg``; then the dict each key
    lands in, and every typed dict in a new value, must only hold arguments
    that their class takes.

    Args:
        cfg: The loaded config (not changed).
        options: The parsed ``--cfg-options``.
    """
    if not options:
        return
    merged = copy.deepcopy(cfg)
    merged.merge_from_dict(options)
    root = merged._cfg_dict.to_dict()
    for key, value in options.items():
        parts = key.split('.')
        parent = _node_at(root, parts[:-1])
        option = f'{key}={value}'
        if isinstance(parent, dict) and 'type' in parent:
            check_typed_dict(parent, parts[:-1], option)
        if isinstance(parent, dict) and not parts[-1] == 'type':
            if parts[-1].endswith('_dataloader') or (
                    len(parts) == 2 and parts[0].endswith('_dataloader')):
                _check_dataloader(root, parts, option)
        _check_value(_node_at(root, parts), parts, option)


def _check_dataloader(root: dict, parts: Sequence[str], option: str) -> None:
    """A ``*_dataloader`` dict has no type: it becomes a torch DataLoader."""
    import torch
    loader = _node_at(root, parts[:1])
    if not isinstance(loader, dict):
        return
    accepted = set(inspect.signature(torch.utils.data.DataLoader).parameters)
    for key in loader:
        if key not in accepted:
            close = difflib.get_close_matches(
                key, sorted(accepted), n=3, cutoff=0.6)
            raise ConfigError(
                f'--cfg-options {option}: {parts[0]} becomes a torch '
                f'DataLoader, which takes no argument {key!r}.',
                fix=(f'did you mean {", ".join(close)}? ' if close else '') +
                f'DataLoader takes: {", ".join(sorted(accepted))}.')


# ---------------------------------------------------------------------------
# schedules that fit a shortened run
# ---------------------------------------------------------------------------


def fit_param_schedulers(cfg: Config) -> List[str]:
    """Fit epoch-based LR/momentum schedules into ``train_cfg.max_epochs``.

    ``--cfg-options train_cfg.max_epochs=1`` on a config with a one-epoch
    warm-up and a cosine phase from epoch 1 makes mmengine stop with "end
    should be larger than begin". Here a phase that would begin at or after
    the last epoch is dropped and a phase that would end after it is
    clamped, each with a logged note; the run then does what fits.

    Args:
        cfg: The merged config (changed in place).

    Returns:
        The notes (one per change).
    """
    train_cfg = cfg.get('train_cfg') or {}
    schedulers = cfg.get('param_scheduler')
    max_epochs = train_cfg.get('max_epochs')
    if (not schedulers or max_epochs is None
            or not train_cfg.get('by_epoch', True)):
        return []
    single = isinstance(schedulers, dict)
    schedulers = [schedulers] if single else list(schedulers)
    kept, notes = [], []
    for sch in schedulers:
        if not isinstance(sch, dict) or not sch.get('by_epoch', True):
            kept.append(sch)
            continue
        name = sch.get('type', 'scheduler')
        begin, end = sch.get('begin', 0), sch.get('end')
        if begin >= max_epochs:
            notes.append(
                f'{name} (epochs {begin}-{end or "end"}) starts at or '
                f'after max_epochs={max_epochs}: left out')
            continue
        if end is not None and end > max_epochs:
            notes.append(f'{name} end={end} clamped to max_epochs='
                         f'{max_epochs}')
            sch = dict(sch, end=max_epochs)
        kept.append(sch)
    if notes:
        if not kept:
            raise ConfigError(
                'No LR schedule phase fits '
                f'train_cfg.max_epochs={max_epochs}.',
                fix='raise max_epochs or set param_scheduler.')
        cfg.param_scheduler = kept[0] if single and len(kept) == 1 else kept
        for note in notes:
            print_log(
                f'param_scheduler: {note} (the run is shorter than the '
                'schedule).',
                logger='current',
                level=30)
    return notes


# ---------------------------------------------------------------------------
# values: what the classes would refuse (or silently misuse) at run time
# ---------------------------------------------------------------------------

# (key, test, what it must be, an example): plain numbers no class checks
# before the run starts (or checks only with an assert / a ZeroDivision)
_NUMBER_RULES = [
    ('train_cfg.max_epochs', lambda v: v >= 1, 'a whole number >= 1', 8),
    ('train_cfg.max_iters', lambda v: v >= 1, 'a whole number >= 1', 1000),
    ('train_cfg.val_interval', lambda v: v >= 1, 'a whole number >= 1', 1),
    ('train_cfg.val_begin', lambda v: v >= 0, 'a whole number >= 0', 1),
    ('default_hooks.logger.interval', lambda v: v >= 1, 'a whole number >= 1',
     20),
    ('default_hooks.checkpoint.interval', lambda v: v >= 1 or v == -1,
     'a whole number >= 1 (or -1: no periodic checkpoint)', 1),
    ('default_hooks.checkpoint.max_keep_ckpts', lambda v: v >= 1 or v == -1,
     'a whole number >= 1 (or -1: keep all)', 3),
    ('randomness.seed', lambda v: 0 <= v < 2**32,
     'a whole number from 0 to 2**32 - 1 (or None: a random seed)', 0),
    ('auto_scale_lr.base_batch_size', lambda v: v >= 1, 'a whole number >= 1',
     32),
]
# torch's DataLoader arguments a loader config holds that are not objects
# (persistent_workers without workers is switched off by the tools)
_LOADER_VALUES = ('batch_size', 'num_workers', 'prefetch_factor', 'timeout',
                  'drop_last', 'pin_memory')
# words of torch optimizers' "Invalid ..." messages -> the argument
_OPTIMIZER_WORDS = [('learning rate', 'lr'), ('momentum', 'momentum'),
                    ('weight_decay', 'weight_decay'), ('epsilon', 'eps'),
                    ('beta', 'betas'), ('dampening', 'dampening')]


def _refused(key: str, value: Any, why: str, fix: str,
             options: Optional[dict]) -> ConfigError:
    where = ('from --cfg-options'
             if key in (options or {}) else 'in the config')
    return ConfigError(
        f'{key}={value!r} ({where}): {why}',
        fix=fix + ' python tools/misc/print_config.py CONFIG prints the '
        'resolved config.')


def _check_loader_values(cfg: Config, options: Optional[dict]) -> None:
    """Build a torch DataLoader over 4 numbers with each loader's values."""
    import warnings

    import torch
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field)
        if not isinstance(loader, dict):
            continue
        values = {k: loader[k] for k in _LOADER_VALUES if k in loader}
        values.pop('shuffle', None)  # mmengine gives it to the sampler
        for key in sorted(values, key=lambda k: k != 'batch_size'):
            alone = {key: values[key]}
            if key == 'prefetch_factor':
                alone['num_workers'] = max(1, values.get('num_workers', 1))
            try:
                with warnings.catch_warnings():  # more workers than CPUs
                    warnings.simplefilter('ignore')
                    torch.utils.data.DataLoader(range(4), **alone)
            except (ValueError, TypeError) as exc:
                raise _refused(
                    f'{field}.{key}', values[key],
                    f'torch\'s DataLoader refuses it ({exc}).',
                    f'set {field}.{key} to a valid value, e.g. --cfg-options '
                    f'{field}.{key}=' + {
                        'batch_size': '16',
                        'num_workers': '2',
                        'prefetch_factor': '2',
                        'timeout': '0',
                    }.get(key, 'False') + '.', options) from None


def _check_optimizer_values(cfg: Config, options: Optional[dict]) -> None:
    """Build the optimizer over one dummy parameter: torch checks values."""
    import torch
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import OPTIMIZERS
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer')
    if not isinstance(optimizer, dict) or 'type' not in optimizer:
        return
    init_default_scope('mmpretrain')
    built = dict(
        copy.deepcopy(optimizer.to_dict() if hasattr(optimizer, 'to_dict'
                                                     ) else optimizer),
        params=[torch.nn.Parameter(torch.zeros(1))])
    try:
        OPTIMIZERS.build(built)
    except (ValueError, TypeError, AssertionError) as exc:
        text = str(exc)
        arg = next((a for word, a in _OPTIMIZER_WORDS
                    if word in text.lower() and a in optimizer), None)
        key = f'optim_wrapper.optimizer.{arg}' if arg else \
            'optim_wrapper.optimizer'
        value = optimizer[arg] if arg else dict(optimizer)
        raise _refused(
            key, value, f'{optimizer["type"]} refuses it ({text}).',
            f'set a valid value, e.g. --cfg-options {key}=' +
            ('0.01' if arg == 'lr' else '0') +
            '.' if arg else 'correct the optimizer settings.',
            options) from None
    except Exception:  # noqa: BLE001 - e.g. an optimizer needing a GPU
        return


def check_values(cfg: Config, options: Optional[dict] = None) -> None:
    """Refuse values the run's classes would refuse, before anything runs.

    Loader values are tried on a torch ``DataLoader`` (``batch_size=0`` and
    ``num_workers=-1`` fail there, as they would after the model was built);
    optimizer values on the optimizer class with one dummy parameter (a
    negative ``lr``, ``momentum``, ``weight_decay``); loop and hook counts
    (``max_epochs``, ``val_interval``, intervals) against their valid range.

    Args:
        cfg: The merged config (with ``--cfg-options`` applied).
        options: The parsed ``--cfg-options`` (the message says whether a
            value came from there or from the config).

    Raises:
        ConfigError: One paragraph naming the key and a valid value.
    """
    root = cfg._cfg_dict.to_dict() if hasattr(cfg, '_cfg_dict') else cfg
    for key, test, must, example in _NUMBER_RULES:
        value = _node_at(root, key.split('.'))
        if value is None:
            continue
        if (isinstance(value, bool) or not isinstance(value, int)
                or not test(value)):
            raise _refused(key, value, f'it must be {must}.',
                           f'e.g. --cfg-options {key}={example}.', options)
    _check_loader_values(cfg, options)
    _check_optimizer_values(cfg, options)

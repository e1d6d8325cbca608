"""Loading configs and checking ``--cfg-options`` before anything runs."""
import difflib
import os.path as osp
from typing import Optional

from mmengine.config import Config

from ..errors import ConfigError


def load_config(path: str) -> Config:
    """Load a config file, with a clear error when it is missing or broken.

    Args:
        path: The config file.

    Returns:
        The parsed :class:`mmengine.config.Config`.
    """
    if not osp.isfile(path):
        raise ConfigError(f'Config file {path} does not exist.',
                          fix='pass a file from configs/, e.g. configs/mobilenet-'
                          'v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py.',
                          path=path)
    try:
        return Config.fromfile(path)
    except (SyntaxError, KeyError, NameError, ImportError, TypeError) as exc:
        raise ConfigError(f'Config {path} cannot be parsed: '
                          f'{type(exc).__name__}: {exc}.',
                          fix='check the file and its _base_ files.',
                          path=path) from exc


def check_cfg_options(cfg: Config, options: Optional[dict]) -> None:
    """Refuse ``--cfg-options`` keys that look like typos.

    A key whose parent does not exist, or whose last part is missing but
    close to an existing key, is an error naming the closest keys. A key that
    is simply new (nothing close to it) is allowed: configs add keys too.

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
                    close = difflib.get_close_matches(part, list(node), n=3,
                                                      cutoff=0.75)
                    if not last or close:
                        where = '.'.join(path) or 'the top level'
                        hint = (f'did you mean {", ".join(".".join(path + [c]) for c in close)}?'
                                if close else f'keys there: {sorted(node)[:12]}')
                        raise ConfigError(
                            f'--cfg-options {key}: {where} has no key '
                            f'{part!r}.', fix=f'{hint} (print the resolved '
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

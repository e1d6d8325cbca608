"""The command-line arguments that many ``tools/*.py`` share.

``tools/*.py`` and the command modules behind them (e.g.
:mod:`mmext.apis.kfold.command`) import this module.
"""
import argparse
from typing import Optional

from mmengine.config import DictAction


def add_config_checkpoint(parser: argparse.ArgumentParser) -> None:
    """Add the ``config`` and ``checkpoint`` positionals of a trained model.

    Args:
        parser: The tool's parser.
    """
    parser.add_argument(
        'config', help='the config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='checkpoint file')


def add_device(parser: argparse.ArgumentParser,
               default: Optional[str] = None,
               help: str = 'cpu or cuda') -> None:
    """Add ``--device``.

    Args:
        parser: The tool's parser.
        default: The device when it is not given (``None``: the tool picks).
        help: Its help text.
    """
    parser.add_argument('--device', default=default, help=help)


def add_cfg_options(parser: argparse.ArgumentParser,
                    help: str = 'override config keys') -> None:
    """Add ``--cfg-options key=value ...`` (mmengine's ``DictAction``).

    Args:
        parser: The tool's parser.
        help: Its help text.
    """
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help=help)

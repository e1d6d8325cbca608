from .config import check_cfg_options, load_config
from .train_test import run_test, run_train, test_parser, train_parser

__all__ = [
    'run_train', 'run_test', 'train_parser', 'test_parser', 'load_config',
    'check_cfg_options'
]

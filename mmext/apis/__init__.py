from .config import check_cfg_options, load_config
from .predict import predict_parser, run_predict
from .test import run_test, test_parser
from .train import run_train, train_parser

__all__ = [
    'run_train', 'run_test', 'run_predict', 'train_parser', 'test_parser',
    'predict_parser', 'load_config', 'check_cfg_options'
]

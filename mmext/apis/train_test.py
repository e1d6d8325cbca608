"""Kept for compatibility: these names now live in train, test, predict."""
from .predict import predict_parser, run_predict
from .runner_setup import (LAUNCHERS, available_cpus, build_runner,
                           spans_several_nodes)
from .test import is_labeled, run_test, test_parser, use_test_dir
from .train import (check_load_from, interrupted_message, prepare_train_config,
                    release_dataloader_workers, repair_last_checkpoint,
                    resume_command, run_train, train_parser)

__all__ = [
    'LAUNCHERS', 'available_cpus', 'build_runner', 'check_load_from',
    'interrupted_message', 'is_labeled', 'predict_parser',
    'prepare_train_config', 'release_dataloader_workers',
    'repair_last_checkpoint', 'resume_command', 'run_predict', 'run_test',
    'run_train', 'spans_several_nodes', 'test_parser', 'train_parser',
    'use_test_dir'
]

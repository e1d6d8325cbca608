"""BadImageReportHook: logs and records how many unreadable training images
GarbageDataset skipped, through dataset wrappers."""
import logging
from types import SimpleNamespace

from mmengine.dataset import RepeatDataset
from mmengine.logging import MessageHub, MMLogger

from mmext.datasets import GarbageDataset, SklearnDigits
from mmext.engine.hooks import BadImageReportHook
from helpers import make_folder_set

PIPE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def runner_for(dataset, name):
    """The parts of a runner the hook reads, with mmengine's own hub and
    logger."""
    return SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=dataset),
        message_hub=MessageHub.get_instance(f'hub_{name}'),
        logger=MMLogger.get_instance(f'log_{name}'),
        epoch=1)


class Records(logging.Handler):
    """Keeps the messages logged to it."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def warnings_of(runner, hook):
    """The hook's warnings during one ``after_train_epoch``."""
    records = Records()
    runner.logger.addHandler(records)
    try:
        hook.after_train_epoch(runner)
    finally:
        runner.logger.removeHandler(records)
    return records.messages


def test_counts_skipped_reads_through_wrappers(tmp_path):
    make_folder_set(tmp_path / 'd', ('a', 'b'), per_class=3)
    (tmp_path / 'd' / 'a' / 'broken.jpg').write_text('not an image')
    dataset = GarbageDataset(data_prefix=str(tmp_path / 'd'), pipeline=PIPE)
    runner = runner_for(RepeatDataset(dataset, times=2), 'counts')
    hook = BadImageReportHook()

    assert warnings_of(runner, hook) == []  # nothing read yet
    assert runner.message_hub.get_scalar('train/bad_images').current() == 0

    broken = [
        i for i in range(len(dataset))
        if dataset.get_data_info(i)['img_path'].endswith('broken.jpg')
    ]
    dataset[broken[0]]  # skipped: another sample is returned
    assert dataset.bad_image_count >= 1
    messages = warnings_of(runner, hook)
    assert len(messages) == 1
    assert f'{dataset.bad_image_count} reads of unreadable' in messages[0]
    assert 'dataset_report.py' in messages[0]
    assert runner.message_hub.get_scalar(
        'train/bad_images').current() == dataset.bad_image_count


def test_a_data_set_without_a_count_is_ignored():
    digits = SklearnDigits(split='test', pipeline=[])  # counts nothing
    runner = runner_for(RepeatDataset(digits, times=2), 'plain')
    assert warnings_of(runner, BadImageReportHook()) == []
    assert 'train/bad_images' not in runner.message_hub.log_scalars

"""Report, at the end of each training epoch, how many images were skipped."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.wrappers import innermost_dataset


@HOOKS.register_module()
class BadImageReportHook(Hook):
    """Log how many reads of unreadable images were skipped (see
    GarbageDataset).

    The count is also stored as ``train/bad_images`` in the message hub, so it
    reaches ``vis_data/scalars.json``. Epochs are numbered from 1, as the
    log's ``Epoch(train) [N]`` (``runner.epoch`` counts from 0 until the
    epoch has ended).
    """

    priority = 'LOW'

    def after_train_epoch(self, runner) -> None:
        """Log the running count when it is not zero."""
        dataset = innermost_dataset(runner.train_dataloader.dataset)
        count = getattr(dataset, 'bad_image_count', None)
        if count is None:
            return
        runner.message_hub.update_scalar('train/bad_images', count)
        if count:
            runner.logger.warning(
                f'{count} reads of unreadable training images skipped so far '
                f'(after epoch {runner.epoch + 1}, numbered as in the log); '
                'each was replaced by another '
                'sample. Run tools/analysis/dataset_report.py to list and fix '
                'them.')

"""Warnings of the pinned OpenMMLab stack that users cannot act on."""
import logging
import warnings


def silence_known_warnings() -> None:
    """Hide the known, harmless warnings of the pinned stack.

    ``import mmext`` calls it, so every config with
    ``custom_imports=dict(imports=['mmext'])`` and every tool runs quietly on
    current torch / numpy / setuptools. Filtered (nothing else):

    - setuptools < 81: ``pkg_resources is deprecated``;
    - torch: ``torch.meshgrid`` without ``indexing`` (inside mmpretrain);
    - every ``FutureWarning`` raised from mmengine;
    - mmcv: "install ``mmcv`` rather than ``mmcv-lite``" (the project
      requires mmcv-lite and uses none of the compiled ops);
    - mmcv: "Only use 'alpha' for pillow backend" (mmpretrain's
      ``ColorJitter`` passes no ``beta`` to that backend: nothing is lost).

    - matplotlib's ``findfont: Font family ... not found`` log lines (a
      fallback family missing from this machine: matplotlib uses another).

    Dataloader workers inherit these filters (forked) or re-import
    ``mmext`` with the data set (spawned), so no worker repeats them.

    Idempotent: calling it again adds nothing new.
    """
    warnings.filterwarnings(
        'ignore', message='.*pkg_resources is deprecated.*')
    warnings.filterwarnings(
        'ignore', category=DeprecationWarning, module='pkg_resources')
    warnings.filterwarnings('ignore', message='.*torch.meshgrid.*indexing.*')
    warnings.filterwarnings(
        'ignore', category=FutureWarning, module='mmengine')
    warnings.filterwarnings('ignore', message='.*rather than ``mmcv-lite``.*')
    warnings.filterwarnings(
        'ignore', message="Only use 'alpha' for pillow backend")
    logging.getLogger('matplotlib.font_manager').setLevel(logging.ERROR)

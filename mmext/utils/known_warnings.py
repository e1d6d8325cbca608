"""Warnings of the pinned OpenMMLab stack that users cannot act on."""
import warnings


def silence_known_warnings() -> None:
    """Hide the known, harmless warnings of the pinned stack.

    ``import mmext`` calls it, so every config with
    ``custom_imports=dict(imports=['mmext'])`` and every tool runs quietly on
    current torch / numpy / setuptools. Filtered (nothing else):

    - setuptools < 81: ``pkg_resources is deprecated``;
    - torch: ``torch.meshgrid`` without ``indexing`` (inside mmpretrain);
    - every ``FutureWarning`` raised from mmengine.

    Idempotent: calling it again adds nothing new.
    """
    warnings.filterwarnings(
        'ignore', message='.*pkg_resources is deprecated.*')
    warnings.filterwarnings(
        'ignore', category=DeprecationWarning, module='pkg_resources')
    warnings.filterwarnings('ignore', message='.*torch.meshgrid.*indexing.*')
    warnings.filterwarnings(
        'ignore', category=FutureWarning, module='mmengine')

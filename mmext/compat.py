"""Make the pinned OpenMMLab stack run quietly on current torch/numpy.

Imported by :mod:`mmext` itself, so every config with
``custom_imports=dict(imports=['mmext'])`` and every tool gets it.
"""
import warnings


def apply() -> None:
    """Apply the fixes listed in the project README (idempotent)."""
    # setuptools<81 still warns that pkg_resources is deprecated.
    warnings.filterwarnings(
        'ignore', message='.*pkg_resources is deprecated.*')
    warnings.filterwarnings(
        'ignore', category=DeprecationWarning, module='pkg_resources')
    warnings.filterwarnings('ignore', message='.*torch.meshgrid.*indexing.*')
    warnings.filterwarnings(
        'ignore', category=FutureWarning, module='mmengine')
    # torch>=2.6 weights_only default: see mmext.checkpoint.
    from .checkpoint import register_loaders
    register_loaders()

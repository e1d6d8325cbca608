"""mmpretrain's own command-line tools, reused as modules."""
import importlib.util
import os.path as osp
from types import ModuleType

import mmpretrain


def mim_tool(name: str) -> ModuleType:
    """Import mmpretrain's ``tools/<name>.py`` shipped inside its wheel.

    Args:
        name: The tool's path below ``tools/`` without ``.py``, e.g.
            ``'train'`` or ``'model_converters/mobilenetv2_to_mmpretrain'``.

    Returns:
        The module (its ``merge_args`` is what we reuse).
    """
    pkg = osp.dirname(mmpretrain.__file__)
    for folder in (osp.join(pkg, '.mim',
                            'tools'), osp.join(osp.dirname(pkg), 'tools')):
        path = osp.join(folder, f'{name}.py')
        if osp.isfile(path):
            spec = importlib.util.spec_from_file_location(
                f'mmpretrain_tools_{name}', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise ImportError(f'mmpretrain tools/{name}.py not found under {pkg}')

"""Modules here register themselves into mmpretrain's registries on import."""
from .._autoload import import_submodules

import_submodules(__name__, __path__)

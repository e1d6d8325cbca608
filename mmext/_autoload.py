"""Import every module of a package so its ``register_module`` calls run."""
import importlib
import pkgutil


def import_submodules(package_name: str, package_path) -> None:
    """Import all modules below a package (one level, sorted by name).

    Args:
        package_name: The package's ``__name__``.
        package_path: The package's ``__path__``.
    """
    for info in sorted(
            pkgutil.iter_modules(package_path), key=lambda i: i.name):
        if not info.name.startswith('_'):
            importlib.import_module(f'{package_name}.{info.name}')

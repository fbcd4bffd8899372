"""Everything PySide6 / pyqtgraph. Importing the package first makes PySide6's per-import check cheap
(`quick_feature_check`), before any of its modules is imported."""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  # installs shiboken's import hook, which the check below replaces


def _uses_pyside(module: ModuleType) -> bool:
    """What shiboken asks of every module imported once Qt is loaded: does its source mention PySide6? (Modules
    that do get PySide's default, feature-less API.) Read from the file itself: shiboken asks inspect.getsource,
    which walks every loaded module on each call, and that cost about 0.1 s of the app's start. Modules without a
    .py file (extensions, bytecode only) answer False, as inspect.getsource's errors do."""
    spec = getattr(module, "__spec__", None)
    path = getattr(spec, "origin", None) or getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def quick_feature_check() -> bool:
    """Put `_uses_pyside` in place of shiboken's own check (napari/napari#8584); False when this PySide6 has no
    such check (then nothing is changed)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _uses_pyside
    return True


quick_feature_check()

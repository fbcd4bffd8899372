"""What the GUI's start does differently from Qt's defaults to be quicker, checked to look and behave the same:
viewports made from Python, PySide6's per-import check read from the file, the style sheet set after the
window's widgets are made."""

from __future__ import annotations

import sys
import types

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QListView, QScrollArea

from scrm_desktop.ui import _uses_pyside, quick_feature_check
from scrm_desktop.ui.viewports import own_viewport


def _viewport_state(area):  # type: ignore[no-untyped-def]
    vp = area.viewport()
    return (
        vp.objectName(),
        vp.backgroundRole(),
        vp.autoFillBackground(),
        vp.hasMouseTracking(),
        vp.focusProxy() is area,
        {a.name for a in Qt.WidgetAttribute if vp.testAttribute(a)},
    )


AREAS = [(QListView, QPalette.ColorRole.Base), (QScrollArea, QPalette.ColorRole.Window)]


@pytest.mark.parametrize(("cls", "role"), AREAS)
def test_an_own_viewport_is_set_up_as_qts_own(qtbot, cls, role) -> None:  # type: ignore[no-untyped-def]
    qts, ours = cls(), cls()
    qtbot.addWidget(qts)
    qtbot.addWidget(ours)
    made = own_viewport(ours, role)
    for area in (qts, ours):
        area.setMouseTracking(True)
    assert ours.viewport() is made
    assert _viewport_state(ours) == _viewport_state(qts)


def test_the_per_import_check_answers_as_shiboken_asks(tmp_path) -> None:
    """Does a module's source mention PySide6: read from its file; no file to read (a built-in, an extension,
    bytecode only) answers no."""
    uses, plain = tmp_path / "uses_qt.py", tmp_path / "plain.py"
    uses.write_text("from PySide6.QtCore import QObject\n")
    plain.write_text("x = 1\n")
    for path, expected in ((uses, True), (plain, False)):
        module = types.ModuleType(path.stem)
        module.__file__ = str(path)
        assert _uses_pyside(module) is expected
    assert _uses_pyside(sys) is False  # built in
    assert _uses_pyside(sys.modules["PySide6.QtCore"]) is False  # an extension module
    assert quick_feature_check() is True  # this PySide6 has the check it replaces
    feature = sys.modules["shibokensupport.feature"]
    assert feature._mod_uses_pyside is _uses_pyside
    sys.path.insert(0, str(tmp_path))  # imported for real: shiboken files each module by the answer
    try:
        import plain  # type: ignore[import-not-found]
        import uses_qt  # type: ignore[import-not-found]  # noqa: F401
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("plain", None)
        sys.modules.pop("uses_qt", None)
    assert (feature.pyside_feature_dict["uses_qt"], feature.pyside_feature_dict["plain"]) == (0, -1)

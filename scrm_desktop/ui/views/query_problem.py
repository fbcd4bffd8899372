"""The two labels under a query field that say what is wrong with a query: the reason in words, and the query
with carets under the place (column editor, topics editor)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel

ERROR_COLOR = "#d64545"  # readable on the light and the dark theme
# a query field marked invalid (its `invalid` property) and the labels under it (column editor, search box)
INVALID_STYLE = (
    f'QLineEdit[invalid="true"] {{ border: 1px solid {ERROR_COLOR}; border-radius: 3px; }}'
    f"QLabel#QueryError {{ color: {ERROR_COLOR}; }}"
)


def problem_labels(mono: QFont) -> tuple[QLabel, QLabel]:
    """(error, pointer): plain text, styled as errors; the pointer in the query field's monospace font."""
    error = QLabel()
    error.setObjectName("QueryError")
    error.setTextFormat(Qt.TextFormat.PlainText)
    error.setWordWrap(True)
    pointer = QLabel()
    pointer.setObjectName("QueryError")
    pointer.setTextFormat(Qt.TextFormat.PlainText)
    pointer.setFont(mono)
    pointer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return error, pointer


def show_problem(error: QLabel, pointer: QLabel, message: str, carets: str) -> None:
    """Show the reason and the carets; each label hides while it has nothing to say."""
    error.setText(message)
    error.setVisible(bool(message))
    pointer.setText(carets)
    pointer.setVisible(bool(carets))

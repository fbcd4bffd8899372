"""The Add/Edit source form: name, schedule and one input per field of the plugin's config_fields. Saving runs on
the form's task runner (the form stays open, its Save button off, until the database has answered)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.backoff import format_interval, parse_interval
from scrm_desktop.listening.api import ConfigError, ConfigField, Plugin
from scrm_desktop.ui import theme as themes
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.store.sources import Source
    from scrm_desktop.workspace import Workspace

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INT_MAX = 2_000_000_000
_HEAD_ROWS = 3  # plugin, name, schedule; the plugin's own fields follow
_UNSET = -1  # the spin box value that stands for "not set" on an optional int without a default


def plain_label(text: str = "", *, muted: bool = False) -> QLabel:
    """A label that never interprets its text as HTML (source names and server errors are untrusted)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if muted:
        label.setObjectName("Muted")
    return label


def error_label() -> QLabel:
    """An inline error line in the theme's 'negative' colour; hidden until it has something to say."""
    label = plain_label()
    label.setObjectName("FormError")
    dark = label.palette().color(QPalette.ColorRole.Window).lightness() < 128
    label.setStyleSheet(f"color: {(themes.DARK if dark else themes.LIGHT).negative};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_error(label: QLabel, message: str) -> None:
    label.setText(message)
    label.setVisible(bool(message))


def field_widget(field: ConfigField, value: Any) -> QWidget:
    """The input for one config field, filled with `value` (the stored value, or the field's default)."""
    if field.kind == "bool":
        box = QCheckBox(field.label)
        box.setChecked(bool(value))
        # as wide as its text, so a click beside it in the form does not toggle it
        box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        return box
    if field.kind == "int":
        return _spin_box(field, value)
    if field.kind == "choice":
        combo = QComboBox()
        if not field.required or field.default is None:
            combo.addItem("")  # lets an optional choice stay unset
        combo.addItems(list(field.choices))
        combo.setCurrentText("" if value is None else str(value))
        return combo
    if field.kind in ("text", "list"):
        edit = QPlainTextEdit()
        items = value if isinstance(value, list | tuple) else ([] if value is None else [value])
        edit.setPlainText("\n".join(str(v) for v in items) if field.kind == "list" else str(value or ""))
        if field.kind == "list":
            edit.setPlaceholderText("one per line")
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(72)
        return edit
    line = QLineEdit("" if value is None else str(value))
    line.setPlaceholderText("https://…" if field.kind == "url" else "")
    return line


def _spin_box(field: ConfigField, value: Any) -> QSpinBox:
    spin = QSpinBox()
    optional = field.default is None and not field.required
    spin.setRange(_UNSET if optional else 0, _INT_MAX)
    if optional:
        spin.setSpecialValueText("not set")
    try:
        spin.setValue(int(value) if value is not None else (_UNSET if optional else 0))
    except (TypeError, ValueError):
        spin.setValue(spin.minimum())
    return spin


def widget_value(widget: QWidget) -> Any:
    """What the user entered, in the raw form `Plugin.validate_config` coerces."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return "" if widget.value() == _UNSET and widget.minimum() == _UNSET else widget.value()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    assert isinstance(widget, QLineEdit)
    return widget.text()


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("Give the source a name (it is how you will find its posts)")
    if _CONTROL.search(name):
        raise ValueError("The name cannot contain control characters (tabs, line breaks…)")
    if len(name) > 200:
        raise ValueError("The name is too long (at most 200 characters)")
    return name


class SourceForm(QDialog):
    """Adds a source (`source=None`) or edits one. Errors keep the form open and show inline."""

    def __init__(self, ws: Workspace, source: Source | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.source = source
        self.saved_name = ""
        self.setWindowTitle("Add source" if source is None else f"Edit source “{source.name}”")
        self.setMinimumWidth(460)
        self.inputs: dict[str, QWidget] = {}

        self.plugin_box = QComboBox()
        for name in ws.registry.names():
            self.plugin_box.addItem(f"{ws.plugin(name).title or name} ({name})", name)
        self.name_edit = QLineEdit(source.name if source else "")
        self.name_edit.setPlaceholderText("e.g. Company blog")
        self.every_edit = QLineEdit()
        self.every_edit.setPlaceholderText("e.g. 30s, 10m, 2h, 1d")
        self.error = error_label()
        self.status = plain_label(muted=True)
        self.tasks = TaskRunner(self)
        self._fields = QFormLayout()  # one layout for all rows, so the labels line up
        self._build_layout()
        if source is not None:
            self._lock_to(source)
        self.plugin_box.currentIndexChanged.connect(lambda _i: self._show_plugin_fields(None))
        self._show_plugin_fields(source.config if source else None, source.interval_s if source else None)

    def _build_layout(self) -> None:
        self._fields.addRow("Plugin", self.plugin_box)
        self._fields.addRow("Name *", self.name_edit)
        self._fields.addRow("Check every *", self.every_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(self._fields)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _lock_to(self, source: Source) -> None:
        """Editing keeps the plugin and the name: credentials in the keyring are stored under the name."""
        index = self.plugin_box.findData(source.plugin)
        if index < 0:  # its plugin failed to load; still show which one it was
            self.plugin_box.addItem(f"{source.plugin} (not loaded)", source.plugin)
            index = self.plugin_box.count() - 1
        self.plugin_box.setCurrentIndex(index)
        self.plugin_box.setEnabled(False)
        self.name_edit.setReadOnly(True)
        self.name_edit.setToolTip("A source keeps its name; add a new source to use another one")

    @property
    def plugin_name(self) -> str:
        return str(self.plugin_box.currentData() or "")

    def _plugin(self) -> type[Plugin] | None:
        name = self.plugin_name
        return self.ws.plugin(name) if name in self.ws.registry else None

    def _show_plugin_fields(self, config: Mapping[str, Any] | None, interval_s: int | None = None) -> None:
        while self._fields.rowCount() > _HEAD_ROWS:
            self._fields.removeRow(_HEAD_ROWS)
        self.inputs.clear()
        show_error(self.error, "")
        plugin = self._plugin()
        if plugin is None:
            show_error(self.error, f"The plugin {self.plugin_name!r} is not loaded, so this source cannot be changed.")
            self.save_button.setEnabled(False)
            return
        self.save_button.setEnabled(True)
        self.every_edit.setText(format_interval(interval_s or plugin.default_interval))
        for field in plugin.config_fields:
            value = (config or {}).get(field.name, field.default)
            widget = field_widget(field, value)
            widget.setObjectName(f"field_{field.name}")
            widget.setToolTip(field.help)
            self.inputs[field.name] = widget
            if field.kind == "bool":  # a check box carries its own label
                self._fields.addRow("", widget)
            else:
                self._fields.addRow(field.label + (" *" if field.required else ""), widget)
            if field.help:
                self._fields.addRow("", plain_label(field.help, muted=True))

    def values(self) -> dict[str, Any]:
        return {name: widget_value(w) for name, w in self.inputs.items()}

    def accept(self) -> None:
        """Check what can be checked here, then store it off the GUI thread; the form closes once it is stored."""
        try:
            save = self._saver()
        except ValueError as exc:  # no name, a bad interval
            show_error(self.error, str(exc))
            return
        show_error(self.error, "")
        self.status.setText("Saving…")
        self.tasks.run(save, self._saved, failure=self._refused, busy=[self.save_button])

    def _saver(self) -> Callable[[], str]:
        """The write, with what the user entered read now (the work must not touch widgets)."""
        name = check_name(self.name_edit.text())
        interval = parse_interval(self.every_edit.text())
        values, ws, plugin_name, source = self.values(), self.ws, self.plugin_name, self.source
        if source is None:
            return lambda: ws.add_source(plugin_name, name, values, interval).name

        def update() -> str:
            clean = ws.plugin(source.plugin).validate_config(values)
            stored = {k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()}  # JSON has no tuples
            return ws.update_source(source.name, config=stored, interval_s=interval).name

        return update

    def _saved(self, name: str) -> None:
        self.status.setText("")
        self.saved_name = name
        super().accept()

    def _refused(self, exc: Exception) -> None:
        # ConfigError; SourceError (a duplicate or vanished name) is a ValueError; LookupError: the plugin went
        # away; anything else: the database could not be written (locked, unreachable)
        self.status.setText("")
        known = isinstance(exc, ConfigError | ValueError | LookupError)
        show_error(self.error, str(exc) if known else f"Could not save the source: {exc}")

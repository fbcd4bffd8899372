"""The Sources dialog driven as a user does: real widgets over a real workspace in a temp dir."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
)

from scrm_desktop.listening.api import AuthError, ConfigField, FetchContext, FetchResult, Plugin, PostIn
from scrm_desktop.listening.registry import PluginFailure, PluginRegistry
from scrm_desktop.ui.bridge import Bridge
from scrm_desktop.ui.dialogs import SourcesDialog
from scrm_desktop.ui.dialogs.credentials_dialog import CredentialsDialog
from scrm_desktop.ui.dialogs.source_form import SourceForm
from scrm_desktop.ui.dialogs.sources_dialog import SourcesModel
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

LEFT = Qt.MouseButton.LeftButton
FEED = "https://example.com/feed.xml"
SECRET = "s3cret-VALUE-4711"

# The offscreen platform used in tests says this each time a top-level window is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class TickPlugin(Plugin):
    """One new post per fetch; uses an API token (so it has a Credentials form)."""

    name = "tick"
    title = "Ticker"
    secret_fields = ("api_token",)
    default_interval = 3600

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        n = int(cursor.get("n", 0)) + 1
        post = PostIn(channel="rss", external_id=f"tick-{n}", text=f"tick number {n}", created_at=ctx.now())
        return FetchResult(posts=[post], cursor={"n": n})


class LockedPlugin(Plugin):
    """A service that refuses our credentials, with markup in its error message."""

    name = "locked"
    title = "Locked"
    secret_fields = ("password",)

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        raise AuthError("token refused <b>bold</b> <img src=x>")


class EveryKindPlugin(Plugin):
    name = "kinds"
    title = "Every field kind"
    config_fields = (
        ConfigField("handle", "Handle", "str", required=True),
        ConfigField("intro", "Intro", "text", default=""),
        ConfigField("site", "Site", "url", default="https://example.org"),
        ConfigField("page_size", "Page size", "int", default=20),
        ConfigField("replies", "Include replies", "bool", default=False),
        ConfigField("sort", "Sort", "choice", default="new", choices=("new", "top")),
        ConfigField("tags", "Tags", "list", default=()),
    )

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        return FetchResult(posts=[], cursor={})


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(str(tmp_path / "home"))
    for plugin in (TickPlugin, LockedPlugin, EveryKindPlugin):
        workspace.registry.add(plugin)
    yield workspace
    workspace.close()


@pytest.fixture
def bridge(ws: Workspace) -> Iterator[Bridge]:
    hub = Bridge(ws.events)
    yield hub
    hub.close()


@pytest.fixture
def open_dialog(qtbot, ws: Workspace, bridge: Bridge):  # type: ignore[no-untyped-def]
    """Open the dialog the way the main window does; the refresh timer is slowed down so that only the
    bridge's source_changed signal can bring news in during a test."""

    def make(**kw: Any) -> SourcesDialog:
        dialog = SourcesDialog(ws, bridge, refresh_ms=kw.pop("refresh_ms", 600_000))
        qtbot.addWidget(dialog)
        dialog.show()
        wait(qtbot, dialog)  # the table is read in the background
        return dialog

    return make


def cell(dialog: SourcesDialog, name: str, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    row = dialog.model.row_of(name)
    assert row >= 0, f"{name} is not in the table"
    return dialog.model.index(row, column).data(role)


def click_row(qtbot, dialog: SourcesDialog, name: str, column: int = SourcesModel.NAME) -> QModelIndex:  # type: ignore[no-untyped-def]
    index = dialog.model.index(dialog.model.row_of(name), column)
    dialog.table.scrollTo(index)
    qtbot.mouseClick(dialog.table.viewport(), LEFT, pos=dialog.table.visualRect(index).center())
    assert dialog.selected_name() == name
    return index


def wait(qtbot, *widgets) -> None:  # type: ignore[no-untyped-def]
    """Until what the widgets asked of the database has landed (a closed form deleted on close counts as done)."""
    qtbot.waitUntil(lambda: all(not shiboken6.isValid(w) or settled(w) for w in widgets), timeout=10_000)


def closed(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def retype(qtbot, widget: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def press_save(qtbot, form: SourceForm) -> None:  # type: ignore[no-untyped-def]
    """Save, and wait for the answer: the form closes, or it stays open with its error; then the table."""
    table = form.parent()
    qtbot.mouseClick(form.save_button, LEFT)
    wait(qtbot, form)
    wait(qtbot, table)


# ---- add / edit ------------------------------------------------------------------------------------------
def test_add_rss_source_by_typing_bad_url_shown_inline_and_nothing_stored(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog()
    assert "No sources yet" in dialog.status.text()
    qtbot.mouseClick(dialog.buttons["add"], LEFT)
    form = dialog.form
    assert form.isVisible()
    form.plugin_box.setCurrentIndex(form.plugin_box.findData("rss"))
    assert form.every_edit.text() == "15m"  # the RSS plugin's default interval
    qtbot.keyClicks(form.name_edit, "Company blog")
    qtbot.keyClicks(form.inputs["url"], "example.com/feed")
    press_save(qtbot, form)

    assert form.isVisible(), "a validation error must keep the form open"
    assert "Feed URL" in form.error.text() and "http(s) URL" in form.error.text()
    assert form.error.isVisible()
    assert ws.db.sources.list() == []
    assert dialog.model.rowCount() == 0

    retype(qtbot, form.inputs["url"], FEED)
    press_save(qtbot, form)
    qtbot.waitUntil(lambda: closed(form))
    stored = ws.db.sources.get("Company blog")
    assert (stored.plugin, dict(stored.config), stored.interval_s) == ("rss", {"url": FEED}, 900)
    assert cell(dialog, "Company blog", SourcesModel.PLUGIN) == "rss"
    assert cell(dialog, "Company blog", SourcesModel.SCHEDULE) == "every 15m"
    assert cell(dialog, "Company blog", SourcesModel.HEALTH) == "waiting for its first run"
    assert dialog.selected_name() == "Company blog"
    assert dialog.status.text() == "Saved Company blog."


def test_duplicate_name_and_bad_interval_keep_the_form_open(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED})
    dialog = open_dialog()
    qtbot.mouseClick(dialog.buttons["add"], LEFT)
    form = dialog.form
    form.plugin_box.setCurrentIndex(form.plugin_box.findData("rss"))
    qtbot.keyClicks(form.name_edit, "Blog")
    qtbot.keyClicks(form.inputs["url"], "https://other.example/rss")
    press_save(qtbot, form)
    assert form.isVisible()
    assert "already exists" in form.error.text()

    retype(qtbot, form.name_edit, "Other blog")
    retype(qtbot, form.every_edit, "soon")
    press_save(qtbot, form)
    assert form.isVisible()
    assert "not an interval" in form.error.text()
    assert [s.name for s in ws.db.sources.list()] == ["Blog"]

    retype(qtbot, form.every_edit, "2s")
    press_save(qtbot, form)
    assert "too short" in form.error.text()

    retype(qtbot, form.name_edit, "")
    retype(qtbot, form.every_edit, "1h")
    press_save(qtbot, form)
    assert "name" in form.error.text().lower()
    assert [s.name for s in ws.db.sources.list()] == ["Blog"]


def test_edit_changes_the_interval_and_keeps_the_config(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED}, "15m")
    dialog = open_dialog()
    click_row(qtbot, dialog, "Blog")
    qtbot.mouseClick(dialog.buttons["edit"], LEFT)
    form = dialog.form
    assert form.name_edit.isReadOnly() and not form.plugin_box.isEnabled()
    assert form.inputs["url"].text() == FEED
    assert form.every_edit.text() == "15m"

    retype(qtbot, form.every_edit, "2h")
    press_save(qtbot, form)
    qtbot.waitUntil(lambda: closed(form))
    stored = ws.db.sources.get("Blog")
    assert stored.interval_s == 7200
    assert dict(stored.config) == {"url": FEED}
    assert cell(dialog, "Blog", SourcesModel.SCHEDULE) == "every 2h"


def test_edit_with_a_bad_url_changes_nothing(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED}, "15m")
    dialog = open_dialog()
    click_row(qtbot, dialog, "Blog")
    qtbot.mouseClick(dialog.buttons["edit"], LEFT)
    form = dialog.form
    retype(qtbot, form.inputs["url"], "ftp://example.com/feed")
    retype(qtbot, form.every_edit, "1h")
    press_save(qtbot, form)
    assert form.isVisible()
    assert "http(s) URL" in form.error.text()
    stored = ws.db.sources.get("Blog")
    assert (dict(stored.config), stored.interval_s) == ({"url": FEED}, 900)


def test_form_has_one_input_per_field_kind_and_stores_typed_values(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog()
    qtbot.mouseClick(dialog.buttons["add"], LEFT)
    form = dialog.form
    form.plugin_box.setCurrentIndex(form.plugin_box.findData("kinds"))
    qtbot.waitUntil(lambda: all(w.isVisible() for w in form.inputs.values()))
    kinds = {name: type(w) for name, w in form.inputs.items()}
    assert kinds == {
        "handle": QLineEdit,
        "intro": QPlainTextEdit,
        "site": QLineEdit,
        "page_size": QSpinBox,
        "replies": QCheckBox,
        "sort": QComboBox,
        "tags": QPlainTextEdit,
    }
    qtbot.keyClicks(form.name_edit, "Kinds")
    qtbot.keyClicks(form.inputs["handle"], "  acme  ")
    qtbot.keyClicks(form.inputs["tags"], "alpha")
    qtbot.keyClick(form.inputs["tags"], Qt.Key.Key_Return)
    qtbot.keyClicks(form.inputs["tags"], "beta, gamma")
    spin = form.inputs["page_size"]
    spin.selectAll()
    qtbot.keyClicks(spin, "50")
    qtbot.mouseClick(form.inputs["replies"], LEFT)
    form.inputs["sort"].setCurrentText("top")
    press_save(qtbot, form)
    qtbot.waitUntil(lambda: closed(form))
    assert dict(ws.db.sources.get("Kinds").config) == {
        "handle": "acme",
        "intro": "",
        "site": "https://example.org",
        "page_size": 50,
        "replies": True,
        "sort": "top",
        "tags": ["alpha", "beta", "gamma"],
    }

    click_row(qtbot, dialog, "Kinds")
    qtbot.mouseClick(dialog.buttons["edit"], LEFT)
    edit = dialog.form
    assert edit.inputs["tags"].toPlainText() == "alpha\nbeta\ngamma"
    assert edit.inputs["page_size"].value() == 50
    assert edit.inputs["replies"].isChecked()
    assert edit.inputs["sort"].currentText() == "top"
    edit.reject()


# ---- enable, remove --------------------------------------------------------------------------------------
def test_enabled_checkbox_pauses_and_resumes_a_source(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED})
    dialog = open_dialog()
    click_row(qtbot, dialog, "Blog", SourcesModel.ENABLED)
    assert cell(dialog, "Blog", SourcesModel.ENABLED, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked

    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    wait(qtbot, dialog)
    assert ws.db.sources.get("Blog").enabled is False
    assert cell(dialog, "Blog", SourcesModel.ENABLED, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert cell(dialog, "Blog", SourcesModel.HEALTH) == "paused"
    assert dialog.selected_name() == "Blog"

    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    wait(qtbot, dialog)
    assert ws.db.sources.get("Blog").enabled is True
    assert cell(dialog, "Blog", SourcesModel.ENABLED, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


def test_remove_asks_first_and_says_posts_are_kept(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED})
    ws.add_source("rss", "News", {"url": "https://news.example/rss"})
    dialog = open_dialog()
    click_row(qtbot, dialog, "Blog")
    qtbot.mouseClick(dialog.buttons["remove"], LEFT)
    box = dialog.confirm
    assert box.isVisible() and "posts are kept" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), LEFT)
    assert [s.name for s in ws.db.sources.list()] == ["Blog", "News"]

    qtbot.mouseClick(dialog.buttons["remove"], LEFT)
    qtbot.mouseClick(dialog.confirm.button(QMessageBox.StandardButton.Yes), LEFT)
    wait(qtbot, dialog)
    assert [s.name for s in ws.db.sources.list()] == ["News"]
    assert dialog.model.row_of("Blog") == -1 and dialog.model.rowCount() == 1
    assert "posts are kept" in dialog.status.text()


# ---- plugins that failed to load -------------------------------------------------------------------------
def test_failed_plugins_are_listed_with_their_error_as_plain_text(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    registry = PluginRegistry()
    registry.add(TickPlugin)
    error = "ImportError: cannot import name 'Client' <b>from</b> 'vendor'"
    details = "Traceback (most recent call last):\n  <b>boom</b>\n"
    registry.failures.append(PluginFailure("broken", "acme_plugins.broken:Broken", error, details))
    ws = Workspace.open(str(tmp_path / "home"), registry=registry)
    try:
        dialog = SourcesDialog(ws)
        qtbot.addWidget(dialog)
        dialog.show()
        wait(qtbot, dialog)
        assert dialog.failures.isVisible() and dialog.failures_title.isVisible()
        texts = [dialog.failures.item(i).text() for i in range(dialog.failures.count())]
        assert texts == [f"broken (acme_plugins.broken:Broken): {error}"]
        tip = dialog.failures.item(0).toolTip()
        assert "Traceback (most recent call last):" in tip and "&lt;b&gt;boom&lt;/b&gt;" in tip and "<b>" not in tip
        dialog.accept()
    finally:
        ws.close()


def test_no_failure_list_when_every_plugin_loaded(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    registry = PluginRegistry()
    registry.add(TickPlugin)
    ws = Workspace.open(str(tmp_path / "home"), registry=registry)
    try:
        dialog = SourcesDialog(ws)
        qtbot.addWidget(dialog)
        dialog.show()
        wait(qtbot, dialog)
        assert not dialog.failures.isVisible()
        dialog.accept()
    finally:
        ws.close()


# ---- credentials -----------------------------------------------------------------------------------------
def open_credentials(qtbot, dialog: SourcesDialog, name: str) -> CredentialsDialog:  # type: ignore[no-untyped-def]
    click_row(qtbot, dialog, name)
    assert dialog.buttons["credentials"].isEnabled()
    qtbot.mouseClick(dialog.buttons["credentials"], LEFT)
    assert dialog.credentials.isVisible()
    wait(qtbot, dialog.credentials)  # the keyring is asked in the background
    return dialog.credentials


def test_credentials_go_to_the_keyring_only(qtbot, ws, open_dialog, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("tick", "Ticker", {}, "1h")
    dialog = open_dialog()
    creds = open_credentials(qtbot, dialog, "Ticker")
    field = creds.edits["api_token"]
    assert field.echoMode() == QLineEdit.EchoMode.Password
    assert creds.states["api_token"].text() == "not set"

    qtbot.keyClicks(field, SECRET)
    qtbot.mouseClick(creds.save_button, LEFT)
    wait(qtbot, creds)
    assert memory_keyring.store == {("scrm-desktop", "source:Ticker:api_token"): SECRET}
    assert creds.states["api_token"].text() == "stored in the keyring"
    assert field.text() == ""
    shown = [w.text() for w in creds.findChildren(QLabel)] + [w.text() for w in creds.findChildren(QLineEdit)]
    assert not any(SECRET in text for text in shown), "the stored value is never shown"

    creds.reject()
    ws.close()
    files = [p for p in (ws.paths.data, ws.paths.config) for p in p.rglob("*") if p.is_file()]
    assert ws.paths.database_file in files and ws.paths.settings_file in files
    leaks = [p.name for p in files if SECRET.encode() in p.read_bytes()]
    assert leaks == []


def test_credentials_button_is_off_for_plugins_without_secrets(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED})
    dialog = open_dialog()
    click_row(qtbot, dialog, "Blog")
    assert not dialog.buttons["credentials"].isEnabled()


def test_no_usable_keyring_shows_its_message_and_stores_nothing(  # type: ignore[no-untyped-def]
    qtbot, ws, open_dialog, memory_keyring, monkeypatch
) -> None:
    def no_keyring(*_args: object) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    monkeypatch.setattr(memory_keyring, "get_password", no_keyring)
    monkeypatch.setattr(memory_keyring, "set_password", no_keyring)
    ws.add_source("tick", "Ticker", {}, "1h")
    dialog = open_dialog()
    creds = open_credentials(qtbot, dialog, "Ticker")
    assert creds.error.isVisible() and "No usable system keyring" in creds.error.text()
    assert creds.states["api_token"].text().startswith("unknown")

    qtbot.keyClicks(creds.edits["api_token"], SECRET)
    qtbot.mouseClick(creds.save_button, LEFT)
    wait(qtbot, creds)
    assert "No usable system keyring" in creds.error.text()
    assert memory_keyring.store == {}
    creds.reject()


# ---- run now and health ----------------------------------------------------------------------------------
def test_run_now_updates_the_health_row_when_the_run_ends(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("tick", "Ticker", {}, "1h", enabled=False)  # off: only Run now can make it fetch
    ws.start_listening()
    dialog = open_dialog()
    assert cell(dialog, "Ticker", SourcesModel.LAST_SUCCESS) == "never"
    click_row(qtbot, dialog, "Ticker")
    qtbot.mouseClick(dialog.buttons["run"], LEFT)
    assert dialog.status.text() == "Running Ticker…"

    qtbot.waitUntil(lambda: cell(dialog, "Ticker", SourcesModel.ITEMS_TOTAL) == "1", timeout=10_000)
    assert cell(dialog, "Ticker", SourcesModel.ITEMS_LAST) == "1"
    assert cell(dialog, "Ticker", SourcesModel.LAST_SUCCESS) != "never"
    assert cell(dialog, "Ticker", SourcesModel.HEALTH) == "paused"  # it ran once, but stays off


def test_auth_failure_shows_disabled_with_the_error_as_plain_text(qtbot, ws, open_dialog) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("locked", "Locked out", {}, "1h", enabled=False)
    ws.start_listening()
    dialog = open_dialog()
    click_row(qtbot, dialog, "Locked out")
    qtbot.mouseClick(dialog.buttons["run"], LEFT)
    qtbot.waitUntil(lambda: cell(dialog, "Locked out", SourcesModel.HEALTH).startswith("disabled:"), timeout=10_000)
    text = cell(dialog, "Locked out", SourcesModel.HEALTH)
    assert "token refused <b>bold</b> <img src=x>" in text
    tip = cell(dialog, "Locked out", SourcesModel.HEALTH, Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img src=x&gt;" in tip and "<img" not in tip


def test_closing_the_dialog_stops_listening_for_changes(qtbot, ws, bridge) -> None:  # type: ignore[no-untyped-def]
    dialog = SourcesDialog(ws, bridge, refresh_ms=600_000)
    qtbot.addWidget(dialog)
    dialog.show()
    wait(qtbot, dialog)
    ws.add_source("rss", "Blog", {"url": FEED})
    wait(qtbot, dialog)
    assert dialog.model.row_of("Blog") == 0  # the bridge told it
    dialog.done(QDialog.DialogCode.Accepted)
    ws.add_source("rss", "News", {"url": "https://news.example/rss"})
    wait(qtbot, dialog)
    assert dialog.model.row_of("News") == -1
    dialog.show()
    wait(qtbot, dialog)
    assert dialog.model.row_of("News") >= 0


def test_an_unreadable_database_is_reported_and_the_table_recovers(qtbot, ws, open_dialog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws.add_source("rss", "Blog", {"url": FEED})
    dialog = open_dialog()
    db_file, aside = ws.paths.database_file, tmp_path / "aside.db"
    ws.db.close()  # let go of the file so it can be moved away, as a vanished network share would
    db_file.rename(aside)
    dialog.reload()
    wait(qtbot, dialog)
    assert dialog.error.isVisible() and "Could not read the sources" in dialog.error.text()
    assert dialog.model.row_of("Blog") == 0, "the last known rows stay on screen"

    ws.db.close()
    db_file.unlink()
    aside.rename(db_file)
    dialog.reload()
    wait(qtbot, dialog)
    assert not dialog.error.isVisible()
    assert cell(dialog, "Blog", SourcesModel.PLUGIN) == "rss"

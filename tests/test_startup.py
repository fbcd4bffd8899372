"""What a start of the app imports before its window shows: none of what only listening, replies, secrets, a
schema upgrade or the charts need (each costs a tenth of a second or more; together they were most of the time
from launch to the first posts on screen)."""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = (
    "httpx",
    "apscheduler",
    "alembic",
    "keyring",
    "feedparser",
    "scrm_plugins.rss",
    "pyqtgraph",
    "scrm_desktop.core.sentiment.lexicon",
)

SECOND_START = """
import json, sys
from scrm_desktop import app
from scrm_desktop.workspace import Workspace
Workspace.open(basedir=sys.argv[1], demo=True).close()
deferred = set(sys.argv[2:])
print(json.dumps(sorted(m for m in sys.modules if m in deferred or m.split(".")[0] in deferred)))
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_opening_a_workspace_imports_nothing_only_listening_needs(tmp_path) -> None:
    """In fresh interpreters (nothing another test imported counts): the first open creates the database,
    the second, the usual start, loads the GUI's module and the workspace without any of DEFERRED."""
    _python(
        "import sys; from scrm_desktop.workspace import Workspace; Workspace.open(sys.argv[1], demo=True).close()",
        str(tmp_path),
    )
    loaded = json.loads(_python(SECOND_START, str(tmp_path), *DEFERRED).strip().splitlines()[-1])
    assert loaded == [], f"imported before the window shows: {loaded}"


FIRST_SIGHT = """
import json, sys
from scrm_desktop.app import ensure_app, start_gui
from scrm_desktop.lazy import first_use
from scrm_desktop.workspace import Workspace
from PySide6.QtCore import QEvent, QObject, QTimer

ws = Workspace.open(basedir=sys.argv[1], **OPTIONS)
app = ensure_app()
window, bridge = start_gui(ws)  # as the app starts it: built, watched for damage, shown (painted in app.exec)
deferred, parts = set(sys.argv[2].split(",")), sys.argv[3].split(",")
seen = {}


class FirstRows(QObject):  # installed after the window's own filter, so it sees the paint first
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and window.columns[0].model.rowCount() and not seen:
            seen["modules"] = sorted(m for m in sys.modules if m in deferred or m.split(".")[0] in deferred
                                     or any(m.startswith(d + ".") for d in deferred))
            seen["made"] = [p for p in parts if first_use.made(ws, p)]
            seen["started"] = window._started
            QTimer.singleShot(0, app.quit)
        return False


probe = FirstRows()
window.columns[0].view.viewport().installEventFilter(probe)
QTimer.singleShot(30_000, app.quit)
app.exec()
window.close()
bridge.close()
ws.close()
print(json.dumps(seen))
"""
BEFORE_FIRST_SIGHT = (
    "scrm_desktop.engage",
    "scrm_desktop.listening.pipeline",
    "scrm_desktop.listening.registry",
    "scrm_desktop.listening.scheduler",
    "scrm_desktop.store.cases",
    "scrm_desktop.store.customers",
    "scrm_desktop.store.rules",
    "scrm_desktop.store.topics",
    "scrm_desktop.core.classify",
    "scrm_desktop.core.query",  # the first column ("All mentions") has no query to parse
    "scrm_desktop.store.query_sql",
    "scrm_desktop.core.html_text",  # HTML posts are made plain text at ingest, not shown as HTML
    "html.parser",
    "scrm_desktop.ui.dialogs",
    "scrm_desktop.ui.views.column_dialog",
    "sqlalchemy.dialects.postgresql",
    "yaml",
    *DEFERRED,
)
PARTS = ("cases", "outbox", "rules", "topics", "customers", "corrections", "ingestor", "runner", "registry")


def test_the_first_posts_show_before_the_services_they_do_not_need(tmp_path) -> None:
    """A workspace used before (a post stored, so the first column has rows), started in a fresh interpreter:
    when the first column paints its posts, none of engage, listening, the other repositories or the dialogs
    has been imported or made, and what waits for the first sight (counts, notices, the banner) has not begun."""
    _used_workspace(tmp_path)
    seen = _first_sight(tmp_path, "{}", BEFORE_FIRST_SIGHT, PARTS)
    assert seen["modules"] == [], f"imported before the first posts showed: {seen['modules']}"
    assert seen["made"] == [], f"made before the first posts showed: {seen['made']}"
    assert seen["started"] is False


def _used_workspace(basedir) -> None:  # type: ignore[no-untyped-def]
    _python(
        "import sys; from datetime import UTC, datetime; from scrm_desktop.listening.api import PostIn;"
        "from scrm_desktop.workspace import Workspace; ws = Workspace.open(sys.argv[1]);"
        "ws.ingestor.ingest([PostIn('rss', 'p1', 'hello there', datetime.now(UTC))]); ws.close()",
        str(basedir),
    )


def _first_sight(basedir, options: str, modules, parts) -> dict:  # type: ignore[no-untyped-def]
    code = f"import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\nOPTIONS = {options}\n" + FIRST_SIGHT
    return json.loads(_python(code, str(basedir), ",".join(modules), ",".join(parts)).splitlines()[-1])


def test_the_quick_start_shows_the_first_posts_before_sqlalchemy_is_imported(tmp_path) -> None:
    """As the GUI opens a workspace used before (cli.py: `quick`): the first column's posts are read with the
    standard library's sqlite3, and SQLAlchemy, the store and the database open only after they are on screen."""
    _used_workspace(tmp_path)
    quick = "{'quick': __import__('scrm_desktop.streams').streams.first_column_shows_newest}"
    modules = ("sqlalchemy", "scrm_desktop.store.database", "scrm_desktop.store.posts", *BEFORE_FIRST_SIGHT)
    seen = _first_sight(tmp_path, quick, modules, ("db", *PARTS))
    assert seen["modules"] == [], f"imported before the first posts showed: {seen['modules']}"
    assert seen["made"] == [], f"made before the first posts showed: {seen['made']}"
    assert seen["started"] is False

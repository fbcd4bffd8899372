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

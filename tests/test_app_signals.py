"""The app closed by its session (SIGTERM: a logout, `systemctl stop`, `kill`) closes as its window's close does:
exit code 0, the workspace closed, the ingest's worker processes gone with it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(p) for p in text.split())
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def _posts(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child processes from /proc (Linux)")
def test_sigterm_closes_the_app_and_its_ingest_workers(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SCRM_INGEST_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrm_desktop", "--basedir", str(tmp_path), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        db = tmp_path / "data" / "demo" / "scrm.db"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _posts(db) < 1000:  # the demo's backlog: a big ingest, with workers
            time.sleep(0.5)
        assert _posts(db) >= 1000, "the demo's backlog was not stored"
        children = _children(proc.pid)
        workers = [c for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        assert workers, "the demo's backlog did not start ingest workers"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "leaked" not in err, err[-2000:]
    time.sleep(1)
    assert not [pid for pid in children if _alive(pid)], "worker processes outlived the app"

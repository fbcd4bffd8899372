"""A disk that fills up during an import: one clear line, the database intact with what was stored, and the same
import completes once there is room. A real full disk: a tiny tmpfs (needs the right to mount; skipped otherwise)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrm_desktop.cli import main


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False, capture_output=True)


def test_a_full_disk_during_import_stops_cleanly_and_keeps_the_database_intact(tmp_path, tiny_disk, capsys):
    rows = tmp_path / "posts.csv"
    words = "refund still not here and nobody answers the phone " * 12
    rows.write_text("text,external_id\n" + "".join(f"{words}{n},p{n}\n" for n in range(5000)), encoding="utf-8")
    db = tiny_disk / "scrm.db"
    args = ["--basedir", str(tmp_path / "home"), "--db", f"sqlite:///{db}", "import", str(rows)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("scrm-desktop: the disk is full: the import stopped after ")
    stopped_after = int(err.split("stopped after ")[1].split(" ")[0])
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM posts").fetchone() == (stopped_after,)
    finally:
        conn.close()
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)  # room made
    assert main(args) == 0
    assert f"{5000 - stopped_after} new post(s), {stopped_after} already stored" in capsys.readouterr().out

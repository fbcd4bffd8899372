"""Backups of the SQLite database: online (while it is written), daily and rotated, verified; restore refuses
while unsure and keeps the current file aside; a damaged database points to its last backup."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scrm_desktop.cli import main
from scrm_desktop.store.backup import BackupError, backup, backup_if_due, integrity, list_backups, restore
from scrm_desktop.workspace import Workspace


def posts_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def home(tmp_path: Path, capsys) -> Path:
    """A workspace with posts in it."""
    home = tmp_path / "home"
    rows = tmp_path / "posts.csv"
    rows.write_text("text,external_id\n" + "".join(f"post number {n},p{n}\n" for n in range(200)), encoding="utf-8")
    assert main(["--basedir", str(home), "import", str(rows)]) == 0
    capsys.readouterr()
    return home


def db_file(home: Path) -> Path:
    return home / "data" / "scrm.db"


def test_a_backup_taken_while_another_connection_writes_holds_what_was_committed(home, tmp_path):
    committed = posts_in(db_file(home))
    writer = sqlite3.connect(db_file(home), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM posts")  # under way, not committed
    try:
        out = backup(db_file(home), tmp_path / "copy.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert integrity(out) == "ok"
    assert posts_in(out) == committed > 0


def test_automatic_backups_at_most_once_a_day_and_the_last_ones_kept(home):
    day = datetime(2026, 11, 1, 9, 0)
    assert backup_if_due(db_file(home), now=day, keep=3) is not None
    assert backup_if_due(db_file(home), now=day + timedelta(hours=23), keep=3) is None
    for n in range(1, 6):
        assert backup_if_due(db_file(home), now=day + timedelta(days=n), keep=3) is not None
    names = [p.name for p in list_backups(db_file(home))]
    assert names == ["scrm-20261104-090000.db", "scrm-20261105-090000.db", "scrm-20261106-090000.db"]


def test_the_workspace_backs_up_on_start_of_a_listener(home, capsys):
    ws = Workspace.open(str(home))
    try:
        made = ws.backup_if_due()
        assert made is not None and made.parent == db_file(home).parent / "backups"
        assert ws.backup_if_due() is None  # once a day
    finally:
        ws.close()
    assert main(["--basedir", str(home), "listen", "--once"]) == 0
    assert len(list_backups(db_file(home))) == 1


def test_restore_refuses_while_the_database_is_open_elsewhere(home, tmp_path):
    copy = backup(db_file(home), tmp_path / "copy.db")
    user = sqlite3.connect(db_file(home))
    user.execute("PRAGMA journal_mode=WAL")
    user.execute("SELECT count(*) FROM posts").fetchone()
    try:
        with pytest.raises(BackupError, match="is in use"):
            restore(db_file(home), copy)
    finally:
        user.close()
    assert integrity(db_file(home)) == "ok"


def test_restore_refuses_a_backup_that_is_not_sound(home, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 500)
    with pytest.raises(BackupError, match="is not a sound backup"):
        restore(db_file(home), bad)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="not an scrm-desktop database"):
        restore(db_file(home), other)
    assert posts_in(db_file(home)) > 0


def test_a_damaged_database_points_to_its_last_backup_and_restore_brings_it_back(home, capsys):
    before = posts_in(db_file(home))
    assert main(["--basedir", str(home), "db", "backup"]) == 0
    made = Path(capsys.readouterr().out.split(" to ")[-1].strip())
    db = db_file(home)
    for side in db.parent.glob("scrm.db-*"):
        side.unlink()
    db.write_bytes(b"\0garbage" * 4096)  # a disk that lost the file's pages
    assert main(["--basedir", str(home), "sources", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert "file is not a database (the file is damaged)" in err
    assert err.endswith(f"its last backup is {made}: scrm-desktop db restore")  # nothing left to salvage
    assert main(["--basedir", str(home), "db", "restore"]) == 0
    out = capsys.readouterr().out
    kept = next(db.parent.glob("scrm.db.before-restore-*"))
    assert f"restored {db} from {made}; the file it replaced is kept as {kept}" in out
    assert kept.read_bytes().startswith(b"\0garbage")
    assert posts_in(db) == before
    assert main(["--basedir", str(home), "sources", "list"]) == 0


def test_db_backup_cli_answers(tmp_path, capsys, home):
    assert main(["--basedir", str(home), "db", "backups"]) == 0
    assert "no backups yet" in capsys.readouterr().out
    assert main(["--basedir", str(home), "--db", "postgresql+psycopg://team@dbhost/scrm", "db", "backup"]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert main(["--basedir", str(tmp_path / "empty"), "db", "restore"]) == 1
    assert "there is no backup of" in capsys.readouterr().err

"""Every database URL that cannot be used is answered in one line with what to do, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from scrm_desktop.cli import main
from scrm_desktop.store.database import Database


def open_with(tmp_path, capsys, url: str) -> str:
    assert main(["--basedir", str(tmp_path / "home"), "--db", url, "sources", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_not_a_url(tmp_path, capsys):
    err = open_with(tmp_path, capsys, "notaurl")
    assert err.startswith("scrm-desktop: not a database URL: 'notaurl'")
    assert "postgresql+psycopg://user@host/dbname" in err


def test_an_unknown_kind_of_database(tmp_path, capsys):
    assert "unknown kind of database 'oracle9'" in open_with(tmp_path, capsys, "oracle9://u@h/x")


def test_a_driver_that_is_not_installed(tmp_path, capsys):
    assert "the driver 'MySQLdb' for mysql://u@h/x is not installed" in open_with(tmp_path, capsys, "mysql://u@h/x")


def test_postgres_without_psycopg_names_the_install_command(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine where only `pip install -e .` ran
    err = open_with(tmp_path, capsys, "postgresql+psycopg://team@127.0.0.1:1/scrm")
    assert "the PostgreSQL driver (psycopg) is not installed" in err
    assert "pip install 'scrm-desktop[postgres]'" in err and ".venv/bin/pip install 'psycopg[binary]'" in err


def test_an_unreachable_server(tmp_path, capsys):
    pytest.importorskip("psycopg")
    err = open_with(tmp_path, capsys, "postgresql+psycopg://team@127.0.0.1:1/scrm")
    assert "cannot reach the database server at 127.0.0.1:1" in err


def test_a_database_written_by_a_newer_version(tmp_path, capsys):
    path = tmp_path / "home" / "data" / "scrm.db"
    Database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfacefeed'")
    conn.close()
    err = open_with(tmp_path, capsys, f"sqlite:///{path}")
    assert "it was written by a newer scrm-desktop (its schema revision f00dfacefeed is unknown" in err
    assert "update scrm-desktop to open it" in err
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("f00dfacefeed",)
    conn.close()


def test_db_set_password_with_a_bad_url(tmp_path, capsys):
    assert main(["--basedir", str(tmp_path / "home"), "--db", "notaurl", "db", "set-password"]) == 2
    assert "not a database URL" in capsys.readouterr().err


# ---- damaged and read-only SQLite files ---------------------------------------------------------------------
def _workspace_with_a_source(tmp_path) -> Path:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    assert (
        main(["--basedir", str(home), "sources", "add", "rss", "--name", "Blog", "--url", "https://b.example/f"]) == 0
    )
    return home / "data" / "scrm.db"


def _sources_listed(capsys, *args: str) -> str:  # type: ignore[no-untyped-def]
    assert main([*args, "sources", "list"]) == 0
    return capsys.readouterr().out


def test_a_read_only_database_says_so_offers_no_restore_and_its_copy_reads(tmp_path, capsys):
    # A `mode=ro` URI makes SQLite refuse writes even to root (a chmod does not stop root: see the next test).
    db = _workspace_with_a_source(tmp_path)
    assert main(["--basedir", str(tmp_path / "home"), "db", "backup"]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    err = open_with(tmp_path, capsys, f"sqlite:///file:{db}?mode=ro&uri=true")
    assert "attempt to write a readonly database (the file or its folder is read-only" in err
    assert "last backup" not in err and "db restore" not in err  # nothing is lost: restoring would overwrite it
    assert f"copy it: scrm-desktop --db sqlite:///{db} db backup --out copy.db" in err
    assert db.read_bytes() == before
    copy = tmp_path / "copy.db"
    assert main(["--db", f"sqlite:///{db}", "db", "backup", "--out", str(copy)]) == 0  # the way the message says
    capsys.readouterr()
    assert "Blog\trss" in _sources_listed(capsys, "--basedir", str(tmp_path / "home"), "--db", f"sqlite:///{copy}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a file whatever its mode; the mode=ro test covers it")
def test_a_database_file_without_write_permission(tmp_path, capsys):
    db = _workspace_with_a_source(tmp_path)
    for side in db.parent.glob("scrm.db-*"):
        side.unlink()
    db.chmod(0o444)
    try:
        err = open_with(tmp_path, capsys, f"sqlite:///{db}")
    finally:
        db.chmod(0o644)
    assert "read-only" in err and "check its permissions" in err


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[Path]:
    """tmp_path/data seen through a read-only bind mount (a read-only disk; needs the right to mount)."""
    data, view = tmp_path / "data", tmp_path / "ro"
    data.mkdir()
    view.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(data), str(view)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot bind-mount here ({exc})")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True, capture_output=True)
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False, capture_output=True)


def test_a_database_on_a_read_only_disk_is_copied_the_way_the_message_says(tmp_path, capsys, read_only_view):
    # the copy used to fail too ("unable to open database file": SQLite makes a WAL database's -shm beside it)
    db = _workspace_with_a_source(tmp_path)
    (tmp_path / "data" / "scrm.db").write_bytes(db.read_bytes())
    on_disk = read_only_view / "scrm.db"
    err = open_with(tmp_path, capsys, f"sqlite:///{on_disk}")
    assert "(the file or its folder is read-only" in err and "db restore" not in err
    copy = tmp_path / "copy.db"
    assert main(["--db", f"sqlite:///{on_disk}", "db", "backup", "--out", str(copy)]) == 0
    capsys.readouterr()
    assert "Blog\trss" in _sources_listed(capsys, "--basedir", str(tmp_path / "home"), "--db", f"sqlite:///{copy}")

    # a crash left commits in the -wal but no -shm: read as immutable the copy would miss them, so it is refused
    writer = sqlite3.connect(db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE sources SET name = 'Blog 2'")
        writer.commit()
        for name in ("scrm.db", "scrm.db-wal"):
            (tmp_path / "data" / name).write_bytes((db.parent / name).read_bytes())
    finally:
        writer.close()
    assert main(["--db", f"sqlite:///{on_disk}", "db", "backup", "--out", str(tmp_path / "two.db")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "its last changes are still in scrm.db-wal: copy both files to a folder you may write, then back up or "
        "open the copy"
    )
    assert not (tmp_path / "two.db").exists()


def test_a_truncated_database_is_called_damaged_and_offered_its_backup(tmp_path, capsys):
    db = _workspace_with_a_source(tmp_path)
    home = str(tmp_path / "home")
    assert main(["--basedir", home, "db", "backup"]) == 0
    made = capsys.readouterr().out.split(" to ")[-1].strip()
    for side in db.parent.glob("scrm.db-*"):
        side.unlink()
    with db.open("r+b") as f:  # a copy or a disk that stopped half-way
        f.truncate(db.stat().st_size // 2)
    assert main(["--basedir", home, "sources", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "database disk image is malformed (the file is damaged)" in err
    assert f"its last backup is {made}: scrm-desktop db restore" in err
    assert "db salvage" not in err  # half its schema is gone with the second half of the file: nothing to salvage
    assert main(["--basedir", home, "db", "salvage"]) == 1
    assert "its schema cannot be read" in capsys.readouterr().err
    assert main(["--basedir", home, "db", "restore"]) == 0
    capsys.readouterr()
    assert "Blog\trss" in _sources_listed(capsys, "--basedir", home)


# ---- PostgreSQL: a wrong password, a schema newer than the app -------------------------------------------------
def test_a_wrong_postgresql_password_is_one_line_saying_how_to_store_the_right_one(pg, tmp_path, capsys):
    pg.execute("CREATE ROLE wrongpw LOGIN PASSWORD 'the-right-one'")
    url = pg.new_database(owner="wrongpw").replace("scrm@", "wrongpw:not-it@")
    err = open_with(tmp_path, capsys, url)
    assert "the server refused the password for user 'wrongpw'" in err
    bare = make_url(url.replace("wrongpw:not-it@", "wrongpw@")).render_as_string()
    assert err.endswith(f"store the right one with: scrm-desktop --db '{bare}' db set-password")  # to copy as is
    assert "not-it" not in err  # the password given is never repeated


def test_a_postgresql_database_written_by_a_newer_version(pg, tmp_path, capsys):
    url = pg.new_database()
    db = Database(url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfacefeed'")
    db.close()
    err = open_with(tmp_path, capsys, url)
    assert "it was written by a newer scrm-desktop (its schema revision f00dfacefeed is unknown" in err

"""Every database URL that cannot be used is answered in one line with what to do, never a traceback."""

from __future__ import annotations

import sqlite3
import sys

import pytest

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

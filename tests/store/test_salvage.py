"""A damaged SQLite database: the rows on sound pages are salvaged into a new, checked database that the app opens
(search included); the damaged file is only read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scrm_desktop.cli import main
from scrm_desktop.store.backup import BackupError, integrity
from scrm_desktop.store.salvage import salvage
from scrm_desktop.workspace import Workspace

POSTS = 3000


@pytest.fixture
def home(tmp_path: Path, capsys) -> Path:
    home = tmp_path / "home"
    rows = tmp_path / "posts.csv"
    rows.write_text(
        "text,external_id\n"
        + "".join(f"post number {n} about the router outage in district {n % 40},p{n}\n" for n in range(POSTS)),
        encoding="utf-8",
    )
    assert main(["--basedir", str(home), "import", str(rows)]) == 0
    capsys.readouterr()
    return home


def db_file(home: Path) -> Path:
    return home / "data" / "scrm.db"


def damage_pages(db: Path, table: str, how_many: int = 3) -> int:
    """Overwrite some pages of `table` in the middle of its pages, as a failing disk would; the number of rows
    that were on them."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        leaves = [
            r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (table,))
        ]
        middle = leaves[len(leaves) // 2 : len(leaves) // 2 + how_many]
        on_them = sum(conn.execute("SELECT ncell FROM dbstat WHERE pageno = ?", (p,)).fetchone()[0] for p in middle)
    finally:
        conn.close()
    with db.open("r+b") as fh:
        for page in middle:
            fh.seek((page - 1) * size)
            fh.write(b"\xde\xad" * (size // 2))
    return on_them


def test_a_damaged_database_gives_up_only_the_rows_on_its_bad_pages(home: Path, tmp_path: Path) -> None:
    db = db_file(home)
    lost = damage_pages(db, "posts")
    assert 0 < lost < POSTS // 10
    damaged_bytes = db.read_bytes()
    with pytest.raises(sqlite3.DatabaseError):  # the app cannot read its posts any more
        sqlite3.connect(db).execute("SELECT count(*), max(length(text)) FROM posts").fetchone()

    done = salvage(db, tmp_path / "saved.db")
    posts = next(t for t in done.tables if t.table == "posts")
    assert posts.copied == POSTS - lost and posts.unreadable > 0
    assert "posts up to" in done.summary()
    assert integrity(done.out) == "ok"
    assert db.read_bytes() == damaged_bytes  # only read

    conn = sqlite3.connect(done.out)
    try:  # the full-text index was rebuilt from the salvaged posts: search finds each of them
        assert conn.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'district'").fetchone()[0] == (
            POSTS - lost
        )
    finally:
        conn.close()
    ws = Workspace.open(str(home), db_url=f"sqlite:///{done.out}")
    try:
        assert ws.db.posts.count() == POSTS - lost
    finally:
        ws.close()


def test_db_salvage_then_restore_puts_the_readable_part_in_place(home: Path, capsys) -> None:
    db = db_file(home)
    lost = damage_pages(db, "posts", how_many=2)
    assert main(["--basedir", str(home), "db", "salvage"]) == 0
    out = capsys.readouterr().out
    saved = Path(out.rsplit("scrm-desktop db restore ", 1)[1].strip())
    assert saved.parent == db.parent and saved.is_file() and f"posts {POSTS - lost:,}" in out
    assert main(["--basedir", str(home), "db", "restore", str(saved)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == POSTS - lost
    finally:
        conn.close()
    assert next(db.parent.glob("scrm.db.before-restore-*")).is_file()  # the damaged file, kept


def test_a_file_whose_schema_cannot_be_read_is_refused_with_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "scrm.db"
    bad.write_bytes(b"\0garbage" * 4096)
    with pytest.raises(BackupError, match=r"nothing can be salvaged|cannot open"):
        salvage(bad, tmp_path / "out.db")
    assert not (tmp_path / "out.db").exists()


def test_a_bad_page_a_command_reads_after_the_open_is_one_line_offering_backup_and_salvage(home: Path, capsys) -> None:
    """Opening looks at the schema, not every page: a table damaged deep inside is met by the command that reads
    it, which used to end in a traceback."""
    args = ["--basedir", str(home)]
    assert main([*args, "sources", "add", "rss", "--name", "Blog", "--url", "https://example.com/feed"]) == 0
    assert main([*args, "db", "backup"]) == 0
    capsys.readouterr()
    db = db_file(home)
    damage_pages(db, "sources", how_many=1)
    assert main([*args, "sources", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"scrm-desktop: the database {db} is damaged (database disk image is malformed)")
    assert "; its last backup is " in err and err.endswith("instead: scrm-desktop db salvage")
    assert main([*args, "db", "restore"]) == 0
    capsys.readouterr()
    assert main([*args, "sources", "list"]) == 0
    assert capsys.readouterr().out.startswith("Blog\trss")

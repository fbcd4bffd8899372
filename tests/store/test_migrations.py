"""Opening a database: new ones are created, older ones upgraded in place, broken ones refused clearly."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command

from scrm_desktop.cli import main
from scrm_desktop.core.query import parse
from scrm_desktop.store.database import Database
from scrm_desktop.store.engine import DatabaseError, _alembic_config, current_revision, open_engine, upgrade, writer
from scrm_desktop.store.posts import NewPost
from scrm_desktop.store.query_sql import to_sql


def test_an_older_database_is_upgraded_and_keeps_its_posts(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_engine(url)
    cfg = _alembic_config(engine)
    with writer(engine).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO posts (channel, external_id, url, title, text, lang, created_at, ingested_at, sentiment, "
            "sentiment_label, sentiment_reasons, reply_to, thread_id, is_read, extra) VALUES "
            "('rss', 'a', '', '', 'an old refund story', '', '2026-01-01', '2026-01-01', 0, 'neutral', '[]', '', '',"
            " 0, '{}')"
        )
    assert current_revision(engine) == "0001"
    engine.dispose()

    db = Database(url)
    try:
        [post] = db.posts.page()
        assert post.text == "an old refund story" and post.trait == "" and post.is_lead is False
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'refund'").scalar() == 1
            triggers = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
        # new posts reach the full-text index with their ingest batch (0016); edits and deletions by trigger
        assert {"posts_fts_ad", "posts_fts_au"} <= triggers and "posts_fts_ai" not in triggers
        assert current_revision(db.engine) != "0001"
        newer = NewPost("rss", "b", "a newer refund story", datetime(2026, 2, 1))
        db.posts.write_batch([newer], now=datetime(2026, 2, 1))
        assert {p.external_id for p in db.posts.page(to_sql(parse("refund")))} == {"a", "b"}
    finally:
        db.close()


def test_opening_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Database(url).close()
    engine = open_engine(url)
    rev = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == rev
    engine.dispose()


def test_a_file_that_is_not_a_database_is_refused_with_a_reason(tmp_path, capsys):
    home = tmp_path / "home"
    db_file = home / "data" / "scrm.db"
    db_file.parent.mkdir(parents=True)
    db_file.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="Could not open or upgrade the database"):
        Database(f"sqlite:///{db_file}")
    assert main(["--basedir", str(home), "sources", "list"]) == 1
    err = capsys.readouterr().err
    assert "Could not open or upgrade the database" in err and len(err.strip().splitlines()) == 1
    assert db_file.read_bytes().startswith(b"this is not a database")  # nothing overwritten


def test_posts_survive_an_interrupted_writer(tmp_path):
    """A process killed mid-transaction leaves the committed posts and nothing half-written."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'crash.db'}"
    script = f"""
import os
from datetime import datetime
from scrm_desktop.store.database import Database
from scrm_desktop.store.posts import NewPost
db = Database({url!r})
now = datetime(2026, 11, 23)
db.posts.write_batch([NewPost('rss', 'ok', 'committed', now)], now=now)
conn = db.engine.raw_connection()
cur = conn.cursor()
cur.execute("BEGIN IMMEDIATE")
cur.execute("INSERT INTO posts (channel, external_id, url, title, text, lang, created_at, ingested_at, sentiment, "
            "sentiment_label, sentiment_reasons, reply_to, thread_id, is_read, extra) VALUES ('rss', 'half', '', '',"
            " 'half', '', '2026-01-01', '2026-01-01', 0, 'neutral', '[]', '', '', 0, '{{}}')")
os._exit(9)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    db = Database(url)
    try:
        assert [p.external_id for p in db.posts.page()] == ["ok"]
        db.posts.write_batch([], now=datetime(2026, 11, 23))  # still writable
    finally:
        db.close()


def test_the_migrations_end_in_one_head() -> None:
    """Feature branches may run side by side, but a release merges them: one head, so `current_revision` is one
    name and a downgrade target is unambiguous."""
    from alembic.script import ScriptDirectory

    from scrm_desktop.store.engine import MIGRATIONS_DIR

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"


def test_the_quick_check_at_open_knows_the_heads_alembic_knows() -> None:
    """Opening reads the newest revision from the migration files without alembic: it must agree with alembic,
    or a database one migration behind would be taken as current and never upgraded."""
    from alembic.script import ScriptDirectory

    from scrm_desktop.store.engine import MIGRATIONS_DIR, migration_heads

    assert migration_heads() == set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def test_a_database_one_revision_behind_is_upgraded_on_open(tmp_path) -> None:
    """The quick check sees an older revision and lets alembic upgrade: the newest revision is recorded."""
    from alembic.script import ScriptDirectory

    from scrm_desktop.store.engine import MIGRATIONS_DIR, sqlite_url

    url = sqlite_url(tmp_path / "scrm.db")
    engine = open_engine(url)
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(head).down_revision
    cfg = _alembic_config(engine)
    with writer(engine).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, previous if isinstance(previous, str) else previous[0])
    engine.dispose()
    db = Database(url)
    try:
        assert current_revision(db.engine) == head
    finally:
        db.close()


def test_the_revision_lines_read_as_alembic_would_even_when_not_one_line(tmp_path) -> None:
    """Revisions are read from their own lines; a file whose down_revision spans lines is read whole."""
    from scrm_desktop.store.engine import _assigned

    one = tmp_path / "0100_one.py"
    one.write_text('"""doc"""\nrevision = "0100"  # the newest\ndown_revision: str | None = "0099"\nx = 3\n')
    merge = tmp_path / "0101_merge.py"
    merge.write_text('revision = "0101"\ndown_revision = (\n    "0099",\n    "0100",\n)\ndef upgrade():\n    a = 1\n')
    names = ("revision", "down_revision")
    assert _assigned(one, names) == {"revision": "0100", "down_revision": "0099"}
    assert _assigned(merge, names) == {"revision": "0101", "down_revision": ("0099", "0100")}

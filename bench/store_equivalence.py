"""Checks that a change to the store stage keeps the stored database identical: the same ingest (Corpus posts from a
source with a cursor, topics, rules, duplicates, edits, posts without an author, odd text, a batch written straight
to the store with repeats, a deletion and a sentiment correction) run on the code to compare against and on the
changed code, then every row of every table compared (on SQLite the raw stored text, the full-text index's own
tables included) and full-text searches run through the app's query path.

    python bench/store_equivalence.py --write before.json   # on the code to compare against (e.g. main)
    python bench/store_equivalence.py --check before.json   # on the changed code: exit 1 on any difference
    ... --pg   # the same on a throwaway PostgreSQL server (tests/postgres_server.py; rows read through SQLAlchemy)
    ... --workers N   # the big ingests' prepare stages in N worker processes (the same rows as one process)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from _probes.corpus import Corpus  # noqa: E402
from _probes.equivalence import write_or_check  # noqa: E402

N = 6000  # posts of the first ingest (six batches)
WORKERS = 0  # --workers N
SEARCHES = ("refund", "refund late", "acme", "outage NOT bug", '"shipping version"', "caf*", "naïve")
CLOCK = datetime(2025, 3, 1, tzinfo=UTC)


def _odd_posts(start: int) -> list[Any]:
    """Plugin-shaped posts the Corpus never makes: no author, no counts, non-ASCII text and nested extras."""
    from scrm_desktop.listening.api import PostIn

    base = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
    out = []
    for i in range(40):
        out.append(
            PostIn(
                channel=("rss", "email", "mastodon")[i % 3],
                external_id=f"odd-{start + i}",
                text=f"Café naïve ünïcode × {i} refund late «quoted» \"dq\" 'sq' \\ back 🙂 line\nbreak",
                created_at=base + timedelta(minutes=37 * i, microseconds=(i * 12345) % 1_000_000),
                author_handle="" if i % 4 == 0 else f"odd{i % 7}",
                author_name="" if i % 5 == 0 else f"Ödd {i % 7}",
                author_followers=None if i % 3 == 0 else i * 10,
                url="",
                title="Acme café" if i % 2 else "",
                likes=None if i % 2 else i,
                reposts=None,
                replies=None if i % 3 else 1,
                extra={"author_email": f"odd{i % 7}@example.com", "nested": {"k": [1, 2.5, None, True, "ß"]}}
                if i % 6 == 0
                else {},
            )
        )
    return out


def _edits(items: list[Any]) -> list[Any]:
    """Later versions of stored posts: new text (and label), an edit time; one older edit that must lose."""
    out = []
    for n, item in enumerate(items):
        when = f"2025-02-0{1 + n % 5}T10:00:00Z"
        out.append(replace(item, text=f"Edited: terrible, refund late please {n}", extra={"edited_at": when}))
    return out


def scenario(ws: Any) -> None:
    from scrm_desktop.core.rules import Rule, parse_actions
    from scrm_desktop.store.posts import NewPost

    ws.ingestor.pool.processes = WORKERS  # the same answers either way (compare --workers 2 with one process)
    ws.ingestor.pool.when_idle = False
    ws.topics.add("Acme", "brand", "acme")
    ws.topics.add("Refunds", "topic", "refund*")
    ws.topics.add("Shipping", "topic", "shipping OR delivery")
    ws.rules.save(Rule("Refunds", "refund late", parse_actions("tag: refund\ncase: follow up")))
    ws.rules.save(Rule("Upgrades", "upgrade", parse_actions("lead\ntag: sales")))
    ws.rules.save(Rule("Outages", "outage", parse_actions("alert")))
    now = CLOCK.replace(tzinfo=None)
    source = ws.db.sources.add("bench", "rss", {"url": "https://example.com/feed"}, 600, now=now)
    corpus = Corpus(seed=1)
    first = corpus.post_ins(N)
    ws.ingestor.ingest(first, source_id=source.id, cursor={"page": 1, "etag": "abc"}, batch_size=1000)
    # an overlapping fetch: stored posts, new ones, odd ones, edits of stored ones (one of them twice)
    again = first[-300:] + corpus.post_ins(1200, start=N) + _odd_posts(0) + _edits(first[100:160])
    again.append(replace(_edits(first[100:101])[0], extra={"edited_at": "2025-01-15T00:00:00Z"}))
    ws.ingestor.ingest(again, source_id=source.id, cursor={"page": 2, "etag": "déf"}, batch_size=700)
    ws.ingestor.ingest(_edits(first[150:170]), source_id=source.id, cursor={"page": 3}, batch_size=1000)
    # straight to the store: stored keys again, a key twice in one batch, a post with no author
    direct = next(Corpus(seed=7).new_posts(300, span=timedelta(days=20)))
    direct = [replace(p, external_id=f"direct-{i}") for i, p in enumerate(direct)]
    direct += [direct[3], replace(direct[5], text="second copy of five")]
    direct.append(NewPost(channel="rss", external_id="rss-10", text="already stored", created_at=now))
    direct.append(NewPost(channel="rss", external_id="no-author", text="nobody wrote this", created_at=now))
    ws.db.posts.write_batch(direct, now=now, source_id=source.id, stages=ws.ingestor._after)
    ws.db.posts.write_batch([], now=now, source_id=source.id, cursor={"page": 4})
    # the other writers of rollups and author counts
    ws.db.posts.delete_posts([5, 6, 7, 500])
    ws.db.posts.correct_sentiment(42, "positive", agent="bench", now=now, score=0.5)


def _digest(row: Any) -> str:
    return hashlib.sha1(json.dumps(row, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def _sqlite_tables(db_file: Path) -> dict[str, list[Any]]:
    """Every table's rows as SQLite holds them (text, numbers, blobs as hex), ordered by rowid or key."""
    con = sqlite3.connect(db_file)
    try:
        out = {}
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for name in names:
            if name.startswith("sqlite_") or name == "posts_fts":
                continue
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            rowid = con.execute(f"SELECT 1 FROM pragma_table_list WHERE name = '{name}' AND wr = 0").fetchone()
            order = "rowid" if rowid else ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(
                f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{name}" ORDER BY {order}'
            )
            out[name] = [[v.hex() if isinstance(v, bytes) else v for v in r] for r in rows]
        out["posts_fts (content)"] = [list(r) for r in con.execute("SELECT rowid, title, text FROM posts_fts")]
        return out
    finally:
        con.close()


def _sqlalchemy_tables(engine: Any) -> dict[str, list[Any]]:
    from sqlalchemy import select

    from scrm_desktop.store.tables import metadata

    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [list(r) for r in conn.execute(select(table).order_by(*key))]
    return out


def answers(pg: bool) -> dict[str, Any]:
    from scrm_desktop.core.query import parse
    from scrm_desktop.store.query_sql import to_sql
    from scrm_desktop.workspace import Workspace

    with tempfile.TemporaryDirectory() as d:
        cluster = None
        url = None
        if pg:
            from tests.postgres_server import PgCluster

            cluster = PgCluster()
            reason = cluster.unavailable_reason()
            if reason:
                raise SystemExit(f"no PostgreSQL: {reason}")
            cluster.start()
            url = cluster.new_database()
        try:
            ws = Workspace.open(basedir=d, clock=lambda: CLOCK, db_url=url)
            try:
                scenario(ws)
                searches = {
                    q: sorted(p.id for p in ws.db.posts.page(to_sql(parse(q), ws.db.dialect), limit=100_000))
                    for q in SEARCHES
                }
                tables = _sqlalchemy_tables(ws.db.engine) if pg else _sqlite_tables(Path(ws.database_file))
            finally:
                ws.close()
        finally:
            if cluster is not None:
                cluster.stop()
    return {
        "searches": searches,
        "tables": {name: {"count": len(rows), "rows": [_digest(r) for r in rows]} for name, rows in tables.items()},
        "_rows": tables,  # not written: shown when a row differs
    }


def main() -> int:
    global WORKERS
    pg = "--pg" in sys.argv
    if pg:
        sys.argv.remove("--pg")
    if "--workers" in sys.argv:
        at = sys.argv.index("--workers")
        WORKERS = int(sys.argv[at + 1])
        del sys.argv[at : at + 2]
    now: dict[str, Any] = {}

    def written() -> Any:
        found = answers(pg)
        found.pop("_rows")
        return found

    before = write_or_check(__doc__, written)
    if before is None:
        print("written")
        return 0
    now = answers(pg)
    rows = now.pop("_rows")
    bad = 0
    for q, ids in before["searches"].items():
        if now["searches"].get(q) != ids:
            bad += 1
            print(f"search {q!r}: {len(ids)} matches before, {len(now['searches'].get(q, []))} now")
    for name, was in before["tables"].items():
        got = now["tables"].get(name)
        if got is None:
            bad += 1
            print(f"table {name}: missing now")
            continue
        if got == was:
            continue
        bad += 1
        diff = next((i for i, (a, b) in enumerate(zip(was["rows"], got["rows"], strict=False)) if a != b), None)
        print(f"table {name}: {was['count']} rows before, {got['count']} now; first differing row {diff}")
        if diff is not None:
            print("   now:", rows[name][diff])
    for name in sorted(set(now["tables"]) - set(before["tables"])):
        bad += 1
        print(f"table {name}: new")
    total = sum(t["count"] for t in before["tables"].values())
    print(f"{len(before['tables'])} tables, {total} rows, {len(before['searches'])} searches: {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

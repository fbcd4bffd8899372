"""The team setup measured: a 1,000,000-post workspace on a throwaway PostgreSQL cluster, then the figures
bench_streams and bench_dashboard measure on SQLite (first page, deep page, full text, unread counts, dashboard
charts, measures table, write rate), named `pg_*` so the two sit side by side."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/postgres_server.py: the tests' cluster

from _probes.corpus import Corpus
from _probes.streams_ui import column_queries, deep_pages, timed_ms
from bench_dashboard import NOW, SPAN, TOPICS, _ms
from sqlalchemy import text

from scrm_desktop.core.measure import RANGES
from scrm_desktop.core.query import parse
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.topics import TopicRepo
from scrm_desktop.ui.dashboard.data import Filters, build
from scrm_desktop.workspace import Workspace
from tests.postgres_server import PgCluster

QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
BATCH = 5_000  # as bench_dashboard: its tagged write rate is the SQLite figure beside ours
FTS_QUERY = "refund late"  # bench_streams' query (about 1 post in 60 has both words)


def posts_wanted() -> int:
    if "SCRM_BENCH_PG_POSTS" in os.environ:
        return int(os.environ["SCRM_BENCH_PG_POSTS"])
    return 20_000 if QUICK else 1_000_000


def load(ws: Workspace, repo: TopicRepo, n: int) -> dict[str, float]:
    """Write `n` generated posts (90 days, the dashboard's topics tagged by the store hook, as ingest does)."""
    now, write_s, started = NOW.replace(tzinfo=None), 0.0, time.perf_counter()
    for k, batch in enumerate(Corpus(seed=5, authors=20_000).new_posts(n, batch=BATCH, span=SPAN)):
        t = time.perf_counter()
        ws.db.posts.write_batch(batch, now=now, stages=[repo.stage()])
        write_s += time.perf_counter() - t
        done = min(n, (k + 1) * BATCH)
        if done % 50_000 == 0 or done == n:
            rate = done / write_s
            print(f"postgres bench: {done:,}/{n:,} posts, {rate:,.0f} posts/s", file=sys.stderr, flush=True)
    analyze_s = time.perf_counter()
    with ws.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    stored = ws.db.posts.count()
    if stored != n:
        raise RuntimeError(f"the PostgreSQL workspace holds {stored} posts, expected {n}")
    return {
        "pg_posts": n,
        "pg_write_posts_per_s": round(n / write_s, 1),
        "pg_load_s": round(time.perf_counter() - started, 1),
        "pg_analyze_s": round(time.perf_counter() - analyze_s, 1),
    }


def full_text(ws: Workspace) -> dict[str, float]:
    """bench_streams' `fts_*` figures, with the PostgreSQL form of the same compiled query."""
    where = to_sql(parse(FTS_QUERY), ws.db.dialect)
    posts = ws.db.posts
    first = timed_ms(lambda: posts.page(where=where, limit=100), 1)[0]
    warm = timed_ms(lambda: posts.page(where=where, limit=100), 5)
    return {
        "pg_fts_query_ms": round(statistics.median(warm), 2),
        "pg_fts_query_ms_first": round(first, 2),
        "pg_fts_page_rows": len(posts.page(where=where, limit=100)),
        "pg_fts_count_ms": round(timed_ms(lambda: posts.count(where), 1)[0], 1),
        "pg_fts_matches": posts.count(where),
    }


def streams(ws: Workspace) -> dict[str, Any]:
    out: dict[str, Any] = {f"pg_{k}": v for k, v in deep_pages(ws).items()}
    out.update(full_text(ws))
    columns = column_queries(ws)  # the 6-column board: first page, live check, capped unread count
    out.update({f"pg_{k}": v for k, v in columns.items()})
    out["pg_unread_count_ms"] = columns["column_unread_count_ms"]["All mentions"]
    return out


def dashboard(repo: TopicRepo) -> dict[str, float]:
    now = NOW.replace(tzinfo=None)
    return {
        "pg_dashboard_refresh_ms": _ms(lambda: build(repo, now, Filters("30d", "Acme"), measures=False)),
        "pg_dashboard_refresh_ms_30d": _ms(lambda: build(repo, now, Filters("30d"), measures=False)),
        "pg_measures_ms_30d": _ms(lambda: repo.channel_totals(now - RANGES["30d"], now)),
        "pg_measures_ms_24h": _ms(lambda: repo.channel_totals(now - RANGES["24h"], now)),
    }


def run() -> dict[str, Any]:
    cluster = PgCluster()
    reason = cluster.unavailable_reason()
    if reason:
        return {"skipped": reason}
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="scrm-bench-pg-") as tmp:
            ws = Workspace.open(basedir=tmp, db_url=cluster.new_database())
            try:
                repo = TopicRepo(ws.db.engine, clock=lambda: NOW)
                for spec in TOPICS:
                    repo.add(*spec)
                out: dict[str, Any] = load(ws, repo, posts_wanted())
                out.update(streams(ws))
                out.update(dashboard(repo))
                return out
            finally:
                ws.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    if "--quick" in sys.argv:
        QUICK = True
    print(json.dumps(run(), indent=2))

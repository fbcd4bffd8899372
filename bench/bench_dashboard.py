"""Dashboard at scale (issue 5): a generated archive over 90 days (1,000,000 posts; 5,000 with --quick) tagged at
ingest into 5 topics, then dashboard refresh (rollups), the per-channel measurement table (aggregate SQL over
posts), topic tagging cost at ingest and a full re-tag."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _probes.corpus import EPOCH, Corpus

from scrm_desktop.core.measure import RANGES
from scrm_desktop.store.topics import TopicRepo
from scrm_desktop.ui.dashboard.data import Filters, build
from scrm_desktop.workspace import Workspace

QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
N = 5_000 if QUICK else int(os.environ.get("SCRM_BENCH_DASHBOARD_POSTS", "1000000"))
SPAN = timedelta(days=90)
BATCH = 500 if QUICK else 5_000
NOW = EPOCH + SPAN
TOPICS = (
    ("Acme", "brand", "acme"),
    ("Globex", "competitor", "globex"),
    ("Initech", "competitor", "initech"),
    ("Hooli", "competitor", "hooli"),
    ("Late refunds", "topic", "refund late"),
)


def _ms(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(median(times), 1)


def run() -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(basedir=tmp)
        try:
            repo = TopicRepo(ws.db.engine, clock=lambda: NOW)
            for spec in TOPICS:
                repo.add(*spec)
            plain_s = tagged_s = 0.0
            for k, batch in enumerate(Corpus(seed=5, authors=20_000).new_posts(N, batch=BATCH, span=SPAN)):
                t = time.perf_counter()
                # every other batch without the hook: the difference is what tagging + alert checks cost
                ws.db.posts.write_batch(batch, now=NOW.replace(tzinfo=None), stages=[repo.stage()] if k % 2 else [])
                if k % 2:
                    tagged_s += time.perf_counter() - t
                else:
                    plain_s += time.perf_counter() - t
            now = NOW.astimezone(UTC).replace(tzinfo=None)
            retag_started = time.perf_counter()
            for topic in repo.list():
                repo.retag(topic.id)
            retag_s = time.perf_counter() - retag_started
            half = N / 2
            out: dict[str, float | int] = {
                "dashboard_posts": N,
                "dashboard_ingest_posts_per_s_plain": round(half / plain_s, 1),
                "dashboard_ingest_posts_per_s_tagged": round(half / tagged_s, 1),
                "dashboard_retag_posts_per_s": round(N * len(TOPICS) / retag_s, 1),
            }
            for key in ("24h", "7d", "30d"):
                out[f"dashboard_refresh_ms_{key}"] = _ms(lambda k=key: build(repo, now, Filters(k), measures=False))
                out[f"dashboard_measures_ms_{key}"] = _ms(lambda k=key: repo.channel_totals(now - RANGES[k], now))
            out["dashboard_refresh_ms"] = _ms(lambda: build(repo, now, Filters("30d", "Acme"), measures=False))
            out["dashboard_refresh_with_measures_ms_30d"] = _ms(lambda: build(repo, now, Filters("30d")))
            out["dashboard_alerts"] = len(repo.alerts(limit=10_000))
            return out
        finally:
            ws.close()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

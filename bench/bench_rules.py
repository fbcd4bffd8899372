"""Ingest throughput with the classifiers and 50 active business rules, beside the plain pipeline on the same posts."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _probes.corpus import Corpus

from scrm_desktop.core import classify
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.workspace import Workspace

QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
NOW = datetime(2025, 3, 1, tzinfo=UTC)
WORDS = ("refund", "late", "broken", "outage", "battery", "router", "invoice", "warranty", "password", "courier")
FIELDS = ("channel:reddit", "sentiment:negative", "intent:purchase", "trait:venting", "channel:email", "lang:en")
ACTIONS = ("tag: t{i}", "priority: high", "assign: queue:q{i}", "case", "alert: a{i}", "notify: sam", "lead")


def fifty_rules() -> list[Rule]:
    """Fifty rules of the shapes teams write: words, phrases, fields, exclusions, author conditions."""
    out = []
    for i in range(50):
        w1, w2, field = WORDS[i % 10], WORDS[(i * 3 + 1) % 10], FIELDS[i % 6]
        query = [f"{w1} {field}", f'"{w1} {w2}" OR {w2}*', f"{field} -{w1}", f"({w1} OR {w2}) {field}", w1][i % 5]
        out.append(
            Rule(
                name=f"rule {i}",
                query=query,
                actions=parse_actions(ACTIONS[i % 7].format(i=i)),
                min_followers=1000 if i % 9 == 0 else None,
                min_prior_negative=1 if i % 13 == 0 else None,
            )
        )
    return out


def timed_ingest(base: Path, items: list[PostIn], with_rules: bool) -> tuple[float, int, float, float]:
    """(seconds for the first ingest, tag hits, seconds to ingest the same posts again: a poller's overlap,
    seconds of the first ingest spent in the rules stage: matching, hits, cases, alerts)."""
    ws = Workspace.open(str(base), clock=lambda: NOW)
    try:
        # only what is measured: sentiment and the store, plus (with rules) the classifier and the rules stage
        by_name = {stage.name: stage for stage in ws.ingestor.stages}
        wanted = ("normalise", "score", "store", *(("enrich", "rules") if with_rules else ()))
        ws.ingestor.stages = [stage for name, stage in by_name.items() if name in wanted]
        if with_rules:
            for rule in fifty_rules():
                ws.rules.save(rule)
        start = time.perf_counter()
        ws.ingestor.ingest(items)
        seconds = time.perf_counter() - start
        in_rules = ws.ingestor.stage_seconds["rules"]
        hits = len(ws.rules.pending("tag", limit=10**9)) if with_rules else 0
        start = time.perf_counter()
        ws.ingestor.ingest(items)  # every post known: skipped before scoring, no rule fires again
        again = time.perf_counter() - start
    finally:
        ws.close()
    return seconds, hits, again, in_rules


def run() -> dict[str, Any]:
    n = 2_000 if QUICK else 20_000
    items = Corpus(seed=1).post_ins(n)
    with tempfile.TemporaryDirectory(prefix="scrm-bench-rules-") as d:
        plain_s, _, _, _ = timed_ingest(Path(d) / "plain", items, with_rules=False)
        rules_s, tag_hits, again_s, stage_s = timed_ingest(Path(d) / "rules", items, with_rules=True)
    start = time.perf_counter()
    for item in items:
        classify.classify(item.text, item.title or "")
    classify_s = time.perf_counter() - start
    return {
        "rules_plain_ingest_posts_per_s": round(n / plain_s, 1),  # same posts, no classifiers or rules
        "ingest_with_rules_posts_per_s": round(n / rules_s, 1),  # rules act: cases, alerts, leads written too
        "rules_stage_posts_per_s": round(n / stage_s, 1),  # the rules stage alone, with its actions' writes
        "reingest_with_rules_posts_per_s": round(n / again_s, 1),  # the same posts again (all known)
        "rules_vs_plain_ratio": round(plain_s / rules_s, 3),
        "rules_classify_posts_per_s": round(n / classify_s, 1),  # classify() on these posts, one at a time
        "rules_posts": n,
        "rules_tag_hits": tag_hits,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

"""Exports as a manager opens them: every post a query matches (not a page of them), one row each, columns named,
formulas defused in CSV and values kept as they are in JSON; the case list; a bad format said plainly."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop import exports
from scrm_desktop.core.query import parse
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.report_data import ReportReads
from scrm_desktop.streams import StreamService
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    ws = Workspace.open(str(tmp_path / "home"), clock=lambda: NOW)
    posts = [
        PostIn("reddit", f"r-{i}", f"my laptop refund number {i}", NOW - timedelta(minutes=i), author_handle=f"u{i}")
        for i in range(1100)  # more than one keyset page
    ]
    posts.append(PostIn("mastodon", "evil", '=HYPERLINK("http://x") refund', NOW, author_handle="@evil"))
    posts.append(PostIn("mastodon", "other", "nothing to see", NOW, author_handle="someone"))
    ws.ingestor.ingest(posts)
    yield ws
    ws.close()


def test_a_query_exports_every_matching_post_to_csv(ws, tmp_path):
    out = tmp_path / "refunds.csv"
    rows = exports.export_query(StreamService(ws), "refund", out)
    with open(out, newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    assert rows == len(read) == ws.db.posts.count(to_sql(parse("refund"))) == 1101
    assert tuple(read[0]) == exports.POST_COLUMNS
    assert len({r["id"] for r in read}) == 1101  # no post twice across pages
    evil = next(r for r in read if r["author"] == "@evil")
    assert evil["text"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert evil["channel"] == "mastodon" and evil["sentiment"] in ("positive", "negative", "neutral")


def test_json_keeps_values_as_they_are(ws, tmp_path):
    out = tmp_path / "mastodon.json"
    assert exports.export_query(StreamService(ws), "channel:mastodon", out) == 2
    read = json.loads(out.read_text(encoding="utf-8"))
    assert {r["author"] for r in read} == {"@evil", "someone"}
    assert next(r for r in read if r["author"] == "@evil")["text"].startswith("=HYPERLINK")
    assert isinstance(read[0]["id"], int) and set(read[0]) == set(exports.POST_COLUMNS)


def test_the_case_list_exports_the_cases_of_the_period(ws, tmp_path):
    first, second = ws.db.posts.page(limit=2)
    for post in (first, second):
        ws.cases.open_from_post(post.id, "ana")
    found = ReportReads(ws.db.engine).cases(datetime(2026, 5, 1), datetime(2026, 5, 2))
    out = tmp_path / "cases.csv"
    assert exports.write(exports.cases_table(found), out) == 2
    with open(out, newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    assert tuple(read[0]) == exports.CASE_COLUMNS
    assert {r["status"] for r in read} == {"new"} and {r["channel"] for r in read} == {"mastodon"}
    assert ReportReads(ws.db.engine).cases(datetime(2026, 5, 2), datetime(2026, 5, 3)) == []


def test_an_unknown_format_is_refused_before_anything_is_read(ws, tmp_path):
    with pytest.raises(ValueError, match="csv or json"):
        exports.export_query(StreamService(ws), "refund", tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()

"""Exports a manager can open in a spreadsheet or a script: every post of a stream column or a search (all of them,
not only the rows on screen), the case list, the measurement table and the care KPIs, as CSV or JSON.

CSV cells a spreadsheet would run as a formula are defused (core.text.spreadsheet_safe); JSON keeps values as
they are. Files are written whole or not at all (a temporary file moved into place)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scrm_desktop.core.measure import ChannelMeasures
from scrm_desktop.core.post import Post
from scrm_desktop.core.text import spreadsheet_safe

FORMATS = ("csv", "json")
PAGE = 1000
POST_COLUMNS = (
    "id",
    "created_at",
    "channel",
    "author",
    "author_name",
    "followers",
    "sentiment",
    "sentiment_score",
    "likes",
    "reposts",
    "replies",
    "trait",
    "intent",
    "lead",
    "topics",
    "case_status",
    "url",
    "title",
    "text",
)
CASE_COLUMNS = (
    "id",
    "created_at",
    "channel",
    "author",
    "subject",
    "status",
    "priority",
    "scope",
    "assignee",
    "sla_due",
    "first_response_at",
    "resolved_at",
    "incident_id",
    "outcome",
    "resolution",
)
MEASURE_COLUMNS = (
    "channel",
    "mentions",
    "unique_authors",
    "potential_reach",
    "likes_per_post",
    "reposts_per_post",
    "replies_per_post",
    "link_share",
    "high_reach_share",
    "net_sentiment",
    "net_sentiment_change",
    "top_by_reach",
    "top_by_engagement",
    "advocates",
)
KPI_COLUMNS = (
    "by",  # all (the overall figures), agent or channel: an agent and a channel may share a name
    "name",
    "cases",
    "answered",
    "first_response_median_min",
    "first_response_mean_min",
    "resolved",
    "resolution_median_min",
    "resolution_mean_min",
    "sla_met",
    "sla_counted",
    "sla_share",
)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[list[Any]]


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def posts_table(found: Iterable[Post]) -> Table:
    rows = [
        [
            p.id,
            _when(p.created_at),
            p.channel,
            p.author_handle,
            p.author_name,
            p.author_followers,
            p.sentiment_label,
            _round(p.sentiment),
            p.likes,
            p.reposts,
            p.replies,
            p.trait,
            p.intent,
            p.is_lead,
            " | ".join(p.topics),
            p.status,
            p.url,
            p.title,
            p.text,
        ]
        for p in found
    ]
    return Table(POST_COLUMNS, rows)


def cases_table(found: Iterable[Any]) -> Table:
    """store.cases.Case values as rows (the outcome is the decision tree's, when an agent walked it)."""
    rows = []
    for c in found:
        outcome = (c.decision or {}).get("outcome") or {}
        rows.append(
            [
                c.id,
                _when(c.created_at),
                c.channel,
                c.author_handle,
                c.subject,
                c.status,
                c.priority,
                c.scope,
                c.assignee,
                _when(c.sla_due),
                _when(c.first_response_at),
                _when(c.resolved_at),
                c.incident_id,
                outcome.get("title", "") if isinstance(outcome, dict) else "",
                getattr(c, "resolution", ""),
            ]
        )
    return Table(CASE_COLUMNS, rows)


def measures_table(measures: Iterable[ChannelMeasures]) -> Table:
    rows = [
        [
            m.channel,
            m.mentions,
            m.unique_authors,
            m.potential_reach,
            _round(m.likes_per_post),
            _round(m.reposts_per_post),
            _round(m.replies_per_post),
            _round(m.link_share),
            _round(m.high_reach_share),
            _round(m.net_sentiment),
            _round(m.net_sentiment_change),
            " | ".join(h for h, _ in m.top_authors),
            " | ".join(h for h, _ in m.top_engaged),
            " | ".join(m.advocates),
        ]
        for m in measures
    ]
    return Table(MEASURE_COLUMNS, rows)


def kpi_table(overall: Any, agents: Iterable[Any] = (), channels: Iterable[Any] = ()) -> Table:
    """engage.kpis.KpiFigures as rows: the overall figures ("Everyone"), then per agent and per channel."""
    grouped = [("all", overall), *(("agent", f) for f in agents), *(("channel", f) for f in channels)]
    rows = [
        [
            by,
            f.agent or "Everyone",
            f.cases,
            f.responded,
            _round(f.first_response_median_min, 1),
            _round(f.first_response_mean_min, 1),
            f.resolved,
            _round(f.resolution_median_min, 1),
            _round(f.resolution_mean_min, 1),
            f.sla_met,
            f.sla_counted,
            _round(f.sla_share),
        ]
        for by, f in grouped
    ]
    return Table(KPI_COLUMNS, rows)


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """The format asked for, else the file's suffix; ValueError for anything but csv or json."""
    chosen = (fmt or Path(path).suffix.lstrip(".") or "csv").lower()
    if chosen not in FORMATS:
        raise ValueError(f"exports are {' or '.join(FORMATS)} (got {chosen!r})")
    return chosen


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def write(table: Table, path: str | Path, fmt: str | None = None) -> int:
    """Write the table as CSV (a header row) or JSON (a list of objects); returns the number of rows."""
    target = Path(path)
    kind = format_of(target, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as out:
        if kind == "csv":
            writer = csv.writer(out)
            writer.writerow(table.columns)
            writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
        else:
            json.dump([dict(zip(table.columns, row, strict=True)) for row in table.rows], out, ensure_ascii=False)
            out.write("\n")
    os.replace(tmp, target)
    return len(table.rows)


def every_post(
    page: Callable[..., list[Post]], query: str, *, newer_than: datetime | None = None, chunk: int = PAGE
) -> Iterator[Post]:
    """Every post matching a query, newest first, read a keyset page at a time (`page` is StreamService.page)."""
    before: tuple[datetime, int] | None = None
    while True:
        found = page(query, before=before, limit=chunk, newer_than=newer_than)
        yield from found
        if len(found) < chunk:
            return
        before = (found[-1].created_at, found[-1].id)


def export_query(
    service: Any,
    query: str,
    path: str | Path,
    fmt: str | None = None,
    *,
    newer_than: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Every post of a column or search (`service` is a streams.StreamService) to a file; the rows written.
    Raises QueryError for a query to fix, ValueError for a format, OSError for a file that cannot be written."""
    format_of(path, fmt)  # a wrong format says so before the database is read
    found: list[Post] = []
    for post in every_post(service.page, query, newer_than=newer_than):
        found.append(post)
        if progress is not None and len(found) % PAGE == 0:
            progress(len(found))
    return write(posts_table(found), path, fmt)

"""Care KPIs over a period: first-response time, resolution time and the share of SLAs met, per agent and overall.

Pure computation over KpiRow values (store/case_reports.py). A case counts for the SLA once it is decided: it was
answered (met when the first response came by the due time) or it is past due without an answer (missed); a case
still inside its SLA with no answer yet is not counted either way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean, median

from scrm_desktop.store.case_reports import KpiRow

PERIODS: dict[str, timedelta] = {
    "Last 24 hours": timedelta(hours=24),
    "Last 7 days": timedelta(days=7),
    "Last 30 days": timedelta(days=30),
    "Last 90 days": timedelta(days=90),
}
UNASSIGNED = "(nobody yet)"


@dataclass(frozen=True)
class KpiFigures:
    agent: str  # "" for everyone
    cases: int
    responded: int
    first_response_median_min: float | None
    first_response_mean_min: float | None
    resolved: int
    resolution_median_min: float | None
    resolution_mean_min: float | None
    sla_met: int
    sla_counted: int

    @property
    def sla_share(self) -> float | None:
        return self.sla_met / self.sla_counted if self.sla_counted else None


@dataclass(frozen=True)
class KpiReport:
    since: datetime
    until: datetime
    overall: KpiFigures
    agents: tuple[KpiFigures, ...]  # by agent name


def period(name: str, now: datetime) -> tuple[datetime, datetime]:
    """(since, until) of a named period ending now."""
    return now - PERIODS[name], now


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _figures(agent: str, rows: list[KpiRow], now: datetime) -> KpiFigures:
    first = [_minutes(r.first_response_at - r.created_at) for r in rows if r.first_response_at]
    resolved = [_minutes(r.resolved_at - r.created_at) for r in rows if r.resolved_at]
    met = sum(1 for r in rows if r.first_response_at and r.first_response_at <= r.sla_due)
    counted = sum(1 for r in rows if r.first_response_at or now > r.sla_due)
    return KpiFigures(
        agent,
        len(rows),
        len(first),
        median(first) if first else None,
        mean(first) if first else None,
        len(resolved),
        median(resolved) if resolved else None,
        mean(resolved) if resolved else None,
        met,
        counted,
    )


def compute(rows: Iterable[KpiRow], now: datetime, since: datetime, until: datetime) -> KpiReport:
    """The KPIs of the cases in `rows` (opened in [since, until)), overall and per agent."""
    every = list(rows)
    return KpiReport(since, until, _figures("", every, now), _grouped(every, now, lambda r: r.agent or UNASSIGNED))


def _grouped(rows: list[KpiRow], now: datetime, key: Callable[[KpiRow], str]) -> tuple[KpiFigures, ...]:
    groups: dict[str, list[KpiRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return tuple(_figures(name, groups[name], now) for name in sorted(groups))


UNDECIDED = "(not decided yet)"


@dataclass(frozen=True)
class CareReport:
    """The care report's tables: the KPIs overall and per agent, the same figures per channel (`agent` holds the
    channel's name there), and how many cases ended in each decision-tree outcome and each status."""

    kpis: KpiReport
    channels: tuple[KpiFigures, ...]
    outcomes: dict[str, int]
    statuses: dict[str, int]
    resolutions: dict[str, int] = field(default_factory=dict)  # resolved cases by what they were resolved with


def care_report(rows: Iterable[KpiRow], now: datetime, since: datetime, until: datetime) -> CareReport:
    every = list(rows)
    outcomes = Counter(r.outcome or UNDECIDED for r in every)
    statuses = Counter(r.status or "new" for r in every)
    return CareReport(
        compute(every, now, since, until),
        _grouped(every, now, lambda r: r.channel or "?"),
        dict(outcomes.most_common()),
        dict(statuses.most_common()),
        dict(Counter(r.resolution for r in every if r.resolution).most_common()),
    )


def format_minutes(value: float | None) -> str:
    """42 min, 3 h 05 min, 2 d 4 h; an em dash when there is nothing to show."""
    if value is None:
        return "—"
    total = round(value)
    if total < 60:
        return f"{total} min"
    hours, minutes = divmod(total, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"

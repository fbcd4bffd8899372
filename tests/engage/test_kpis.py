"""KPIs over hand-made cases in a real database: exact minutes, per agent and overall, SLA share."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from scrm_desktop.engage.kpis import compute, format_minutes, period
from scrm_desktop.engage.outbox import OutboxSender
from scrm_desktop.store.case_reports import CaseReports
from tests.engage.helpers import START, make_world


def _reply(world, case_id: int, agent: str) -> None:  # type: ignore[no-untyped-def]
    world.service.claim(case_id, agent)
    world.service.queue_reply(case_id, agent, "Sorry about that, we are on it.", world.repo.get(case_id).version)


def test_first_response_resolution_and_sla_per_agent_and_overall(tmp_path: Path) -> None:
    world = make_world(tmp_path, posts=3)
    # three cases opened at 09:00 with a 24 h SLA (priority 3), one more at 10:00
    first, second, third = (world.service.open_from_post(pid, "lead") for pid in world.post_ids[:3])
    world.clock.advance(minutes=60)
    late = world.service.open_from_post(world.post_ids[3], "lead", priority=1)  # due 11:00
    world.clock.advance(minutes=30)  # 10:30
    _reply(world, first.id, "ana")  # 90 min
    world.clock.advance(minutes=60)  # 11:30
    _reply(world, second.id, "ana")  # 150 min
    world.clock.advance(minutes=30)  # 12:00
    _reply(world, late.id, "ben")  # 120 min after opening, one hour after its due time
    world.service.set_status(late.id, "ben", "resolved")
    world.service.set_status(first.id, "ana", "resolved")  # 180 min after opening
    rows = CaseReports(world.db.engine).kpi_rows(START, START + timedelta(days=1))
    report = compute(rows, world.clock(), START, START + timedelta(days=1))

    assert report.overall.cases == 4 and report.overall.responded == 3
    assert report.overall.first_response_median_min == 120
    assert report.overall.first_response_mean_min == 120  # (90 + 150 + 120) / 3
    assert report.overall.resolution_median_min == 150  # 180 and 120
    assert (report.overall.sla_met, report.overall.sla_counted) == (2, 3)  # the third is still inside its SLA
    by_agent = {f.agent: f for f in report.agents}
    assert set(by_agent) == {"ana", "ben", "(nobody yet)"}
    assert by_agent["ana"].first_response_mean_min == 120 and by_agent["ana"].sla_share == 1.0
    assert by_agent["ben"].first_response_median_min == 120 and by_agent["ben"].sla_share == 0.0
    assert by_agent["(nobody yet)"].cases == 1 and by_agent["(nobody yet)"].sla_share is None
    assert third.id in {r.case_id for r in rows}


def test_a_case_routed_to_a_teams_queue_is_nobodys_yet_not_an_agents(tmp_path: Path) -> None:
    world = make_world(tmp_path, posts=2)
    lead, other = (world.service.open_from_post(pid, "lead") for pid in world.post_ids[:2])
    world.service.assign(lead.id, "lead", "queue:sales")  # a rule's "assign: queue:sales" does the same
    world.service.assign(other.id, "lead", "ben")
    rows = CaseReports(world.db.engine).kpi_rows(START, START + timedelta(days=1))
    report = compute(rows, world.clock(), START, START + timedelta(days=1))
    assert sorted(a.agent for a in report.agents) == ["(nobody yet)", "ben"]


def test_a_manual_reply_confirmed_later_still_counts_from_when_it_was_queued(tmp_path: Path) -> None:
    world = make_world(tmp_path, posts=1)
    rss_post = world.post_ids[-1]
    case = world.service.open_from_post(rss_post, "lead")
    world.clock.advance(minutes=25)
    _reply(world, case.id, "ana")
    [item] = world.repo.items(case_id=case.id)
    assert item.state == "manual"
    sender = OutboxSender(world.repo, world.db.sources, world.registry, None, lambda _s, _f: None, world.clock)  # type: ignore[arg-type]
    world.clock.advance(minutes=30)
    assert sender.confirm_sent(item.id, "https://example.org/reply")
    rows = CaseReports(world.db.engine).kpi_rows(START, START + timedelta(hours=2))
    assert compute(rows, world.clock(), START, START + timedelta(hours=2)).overall.first_response_median_min == 25


def test_periods_and_minutes_read_as_people_write_them() -> None:
    since, until = period("Last 7 days", START)
    assert until - since == timedelta(days=7)
    assert format_minutes(None) == "—"
    assert format_minutes(42.4) == "42 min"
    assert format_minutes(185) == "3 h 05 min"
    assert format_minutes(60 * 50) == "2 d 2 h"

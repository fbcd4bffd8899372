"""Report periods, schedules, file names, and the findings and recommendations read off the audit's figures."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scrm_desktop.core.report import (
    AuditFacts,
    Period,
    Schedule,
    file_stem,
    findings,
    last_complete,
    parse_period,
    recommendations,
)


def test_a_period_is_whole_utc_days_both_included() -> None:
    period = parse_period("2026-05-01", "2026-05-07")
    assert (period.start, period.end) == (datetime(2026, 5, 1), datetime(2026, 5, 8))
    assert period.days == 7 and period.label == "01 May 2026 – 07 May 2026"
    assert period.previous() == Period(date(2026, 4, 24), date(2026, 4, 30))
    assert parse_period("2026-05-01", "2026-05-01").label == "01 May 2026"


@pytest.mark.parametrize(
    "first, last, message",
    [
        ("May 1", "2026-05-02", "--from date must be a date like 2026-05-01"),
        ("2026-05-01", "2026-13-01", "--to date must be a date"),
        ("2026-05-07", "2026-05-01", "ends (2026-05-01) before it starts (2026-05-07)"),
        ("2020-01-01", "2026-01-01", "at most 366 days"),
    ],
)
def test_a_bad_period_says_what_to_type(first: str, last: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_period(first, last)


def test_schedules_report_on_the_newest_whole_day_or_week() -> None:
    wednesday = date(2026, 12, 9)
    assert last_complete("daily", wednesday) == Period(date(2026, 12, 8), date(2026, 12, 8))
    assert last_complete("weekly", wednesday) == Period(date(2026, 11, 30), date(2026, 12, 6))  # Monday to Sunday
    assert last_complete("weekly", date(2026, 12, 7)) == Period(date(2026, 11, 30), date(2026, 12, 6))
    with pytest.raises(ValueError, match="off, daily, weekly"):
        last_complete("hourly", wednesday)


def test_file_names_are_safe_and_name_the_period() -> None:
    week = Period(date(2026, 11, 30), date(2026, 12, 6))
    assert file_stem("audit", week, "Bright/wave Care") == "audit-bright-wave-care-2026-11-30_2026-12-06"
    assert file_stem("care", Period(date(2026, 12, 6), date(2026, 12, 6))) == "care-2026-12-06"


def test_a_schedule_read_from_settings_ignores_what_it_cannot_use() -> None:
    assert Schedule.from_settings({"every": "weekly", "folder": "/srv/reports"}).active
    assert not Schedule.from_settings({"every": "hourly", "folder": "/srv"}).active
    assert not Schedule.from_settings({"every": "daily"}).active  # no folder
    assert Schedule.from_settings("junk") == Schedule()
    assert "off" in Schedule().describe()


def test_findings_and_recommendations_name_the_figures_behind_them() -> None:
    facts = AuditFacts(
        brand="Brightwave",
        mentions=1200,
        net_sentiment=-0.3,
        net_change=-0.25,
        share_of_voice={"Brightwave": 0.3, "Corvex": 0.6, "Nimbly": 0.1},
        negative_by_channel={"email": 60, "reddit": 10},
        mentions_by_channel={"email": 100, "reddit": 400},
        spikes=("Brightwave Care",),
        cases=40,
        unanswered=5,
        sla_share=0.7,
        advocates=0,
        influencers=("@tessatech",),
    )
    said = " ".join(findings(facts))
    assert "1,200 posts" in said and "-0.30" in said and "Brightwave held 30%" in said and "Corvex, had 60%" in said
    advice = recommendations(facts)
    assert any("fell by 0.25" in r for r in advice)
    assert any("60% of the posts on email were negative" in r for r in advice)
    assert any("Brightwave Care" in r for r in advice)
    assert any("Only 70% of cases" in r for r in advice)
    assert any("5 cases have no first response" in r for r in advice)
    assert any(r.startswith("Corvex leads the share of voice") for r in advice)
    assert any("@tessatech" in r for r in advice)


def test_a_quiet_period_recommends_keeping_on_listening() -> None:
    quiet = AuditFacts(brand="", mentions=0, net_sentiment=None, net_change=None)
    assert recommendations(quiet) == ["Nothing calls for action: keep listening, and compare with the next period."]
    assert findings(quiet) == ["0 posts mentioned the tracked topics in the period."]


def test_the_care_report_s_findings_do_not_count_posts_it_did_not_read() -> None:
    care = AuditFacts(brand="", mentions=None, net_sentiment=None, net_change=None, cases=12, sla_share=0.75)
    assert findings(care) == ["12 posts became cases, 75% answered within their SLA."]


def test_schedules_are_a_list_one_daily_and_one_weekly_a_brand() -> None:
    from scrm_desktop.core.report import describe_schedules, schedules_from_settings, with_schedule

    old = {"every": "weekly", "folder": "/srv/reports"}  # a settings file from before there could be several
    assert schedules_from_settings(old) == [Schedule("weekly", "/srv/reports")]
    both = with_schedule(schedules_from_settings(old), Schedule("daily", "/srv/daily"))
    assert [s.every for s in both] == ["weekly", "daily"]
    moved = with_schedule(both, Schedule("weekly", "/srv/elsewhere"))
    assert [(s.every, s.folder) for s in moved] == [("daily", "/srv/daily"), ("weekly", "/srv/elsewhere")]
    other_brand = with_schedule(moved, Schedule("weekly", "/srv/corvex", "Corvex"))
    assert len(other_brand) == 3
    assert schedules_from_settings([*(s.to_settings() for s in moved), "junk", {"every": "daily"}]) == moved
    assert describe_schedules([]) == Schedule().describe()
    assert describe_schedules(moved).count("\n") == 1

"""`scrm-desktop report` as a user types it on the demo workspace: the audit PDF, exports whose rows are the store's,
one-line errors, and the schedule that `listen --once` writes its report on."""

from __future__ import annotations

import csv
from datetime import timedelta

import pypdf
import pytest

from scrm_desktop.cli import main
from scrm_desktop.core.query import parse
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.workspace import Workspace


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli-report")
    ws = Workspace.open(str(base), demo=True)
    ws.run_once()
    today = ws.clock().date()
    ws.close()
    return base, today


def words(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.extract_text().split())  # the extractor puts tabs between positioned words


def cli(home, *args: str) -> int:
    return main(["--basedir", str(home[0]), "--demo", "report", *args])


def days(home, back: int = 6) -> list[str]:
    today = home[1]
    return ["--from", str(today - timedelta(days=back)), "--to", str(today)]


def test_report_audit_writes_the_pdf(home, tmp_path, capsys):
    out = tmp_path / "audit.pdf"
    assert cli(home, "audit", *days(home), "--brand", "Brightwave", "--out", str(out)) == 0
    pages = pypdf.PdfReader(str(out)).pages
    assert f"wrote {out} ({len(pages)} pages, social media audit" in capsys.readouterr().out
    assert "Social media audit" in words(pages[0]) and "against Corvex, Nimbly" in words(pages[0])


def test_report_export_posts_has_the_stores_rows(home, tmp_path, capsys):
    out = tmp_path / "negative.csv"
    assert cli(home, "export", "posts", *days(home, 0), "--query", "sentiment:negative", "--out", str(out)) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ws = Workspace.open(str(home[0]), demo=True)
    today = home[1]
    expected = ws.db.posts.count(to_sql(parse(f"sentiment:negative since:{today} until:{today + timedelta(days=1)}")))
    ws.close()
    assert len(rows) == expected > 0
    assert f"({expected} row(s) of posts" in capsys.readouterr().out


MAY_1 = ["--from", "2026-05-01", "--to", "2026-05-01"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["audit", "--from", "2026-05-07", "--to", "2026-05-01", "--out", "x.pdf"], "before it starts"),
        (["audit", "--from", "yesterday", "--to", "2026-05-01", "--out", "x.pdf"], "a date like 2026-05-01"),
        (["export", "posts", "--from", "2026-05-01", "--to", "2026-05-01", "--out", "x.xlsx"], "csv or json"),
        (
            ["export", "posts", "--from", "2026-05-01", "--to", "2026-05-01", "--query", "(", "--out", "x.csv"],
            "--query",
        ),
        (
            ["care", "--from", "2026-05-01", "--to", "2026-05-01", "--brand", "Nope", "--out", "x.pdf"],
            "no topic 'Nope'",
        ),
    ],
)
def test_bad_report_arguments_say_so_in_one_line(home, tmp_path, capsys, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(home, *args) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_schedule_is_written_by_listen_once(home, tmp_path, capsys):
    folder = tmp_path / "reports"
    assert cli(home, "schedule", "--every", "daily", "--folder", str(folder)) == 0
    assert "scheduled reports: daily audit into" in capsys.readouterr().out
    assert main(["--basedir", str(home[0]), "--demo", "listen", "--once"]) == 0
    yesterday = home[1] - timedelta(days=1)
    written = sorted(p.name for p in folder.iterdir())
    assert written == [f"audit-daily-{yesterday}-measures.csv", f"audit-daily-{yesterday}.pdf"]
    assert "Social media audit" in words(pypdf.PdfReader(str(folder / written[1])).pages[0])
    assert main(["--basedir", str(home[0]), "--demo", "listen", "--once"]) == 0  # already there: not written again
    assert "wrote" not in capsys.readouterr().out.split("new post(s)")[-1]
    assert cli(home, "schedule", "--every", "off") == 0


def test_the_demos_first_care_report_shows_a_day_of_the_teams_work(tmp_path, capsys):
    """A fresh demo, the report the first command (as the guide shows it): the demo's day of posts and the care
    history behind the report are written first, beside the cases `seed` opens at first start."""
    out = tmp_path / "care.pdf"
    ws = Workspace.open(str(tmp_path / "home"), demo=True)
    today = ws.clock().date()
    ws.close()
    period = ["--from", str(today - timedelta(days=6)), "--to", str(today)]
    assert main(["--basedir", str(tmp_path / "home"), "--demo", "report", "care", *period, "--out", str(out)]) == 0
    whole = " ".join(words(page) for page in pypdf.PdfReader(str(out)).pages)
    for agent in ("Ana", "Ben", "Chloé", "Sam Reyes"):  # the care history's three agents, and seed's teammate
        assert f" {agent} " in whole, agent
    assert "Open or join an incident" in whole and "Status update to" in whole
    assert "posts mentioned" not in whole  # the care report does not count posts
    timeline = whole.split("Opened at crisis level 3")
    assert len(timeline) == 2 and " linked: " not in timeline[0].split("when (UTC) who what")[-1]  # opened first


def test_report_export_kpis_has_every_case_once_per_agent_and_per_channel(home, tmp_path, capsys):
    from sqlalchemy import text

    out = tmp_path / "kpis.csv"
    assert cli(home, "export", "kpis", *days(home), "--out", str(out)) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    first = home[1] - timedelta(days=6)
    ws = Workspace.open(str(home[0]), demo=True)
    with ws.db.engine.connect() as conn:
        by_channel = dict(
            conn.execute(
                text("SELECT channel, COUNT(*) FROM cases WHERE created_at >= :a AND created_at < :b GROUP BY channel"),
                {"a": str(first), "b": str(home[1] + timedelta(days=1))},
            ).all()
        )
    ws.close()
    assert [r["by"] for r in rows][:1] == ["all"] and {r["by"] for r in rows} == {"all", "agent", "channel"}
    [everyone] = [int(r["cases"]) for r in rows if r["by"] == "all"]
    assert everyone == sum(by_channel.values()) > 0
    assert sum(int(r["cases"]) for r in rows if r["by"] == "agent") == everyone  # each case counted for one agent
    assert {r["name"]: int(r["cases"]) for r in rows if r["by"] == "channel"} == by_channel
    assert f"({len(rows)} row(s) of kpis" in capsys.readouterr().out

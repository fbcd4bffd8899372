"""The demo workspace is alive on first start: a team, rules that open cases as the demo listens, a queue with each
kind of case, a running incident, known customers, yesterday's history and KPIs behind it."""

from __future__ import annotations

from datetime import timedelta

from scrm_desktop.cli import main
from scrm_desktop.engage import kpis
from scrm_desktop.engage.history import describe
from scrm_desktop.store.case_reports import CaseReports
from scrm_desktop.workspace import Workspace


def test_listen_once_on_the_demo_leaves_cases_rules_and_an_incident(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--basedir", str(tmp_path), "--demo", "listen", "--once"]) == 0
    assert "new post(s)" in capsys.readouterr().out
    ws = Workspace.open(str(tmp_path), demo=True)
    try:
        now = ws.cases.now()
        rules = ws.rules.list()
        assert len(rules) >= 3 and any(a.kind == "case" for r in rules for a in r.actions)
        [incident] = ws.cases.repo.incidents()
        assert incident.severity >= 3 and len(ws.cases.repo.linked_cases(incident.id)) >= 2
        # the no-show cases joined the running incident by themselves, and their history says why
        linked = {c.subject[:40]: c for c in ws.cases.repo.linked_cases(incident.id)}
        noshow = linked["Second Brightwave Care no-show this week"]
        [link] = [describe(e) for e in ws.cases.repo.events(noshow.id) if e.kind == "linked_incident"]
        assert link.endswith(
            f"system: linked it to incident #{incident.id} “{incident.title}” because the post says “no-show”"
        )
        assert not any("Shout-out" in subject for subject in linked)  # praise of a technician is not part of it
        queue = ws.cases.repo.queue("all", "", now, limit=1000)
        opened_by_rules = [c for c in queue if c.post_id and ws.rules.hits(c.post_id)]
        assert opened_by_rules, "the rules opened cases from what the demo heard"
        fired = ws.rules.activity(now - timedelta(days=1))
        assert all(fired.get(r.id, (0, None))[0] >= 1 for r in rules), "every demo rule fired on the demo's day"
        [urgent] = [c for c in queue if c.priority == 1]  # the unhappy VIP, opened by "VIP customers unhappy"
        assert (
            urgent.author_name == "Hana Tanaka"
            and urgent.status == "new"
            and urgent.id in {c.id for c in opened_by_rules}
        )
        assert {c.channel for c in queue} >= {"mastodon", "bluesky", "email", "reddit", "youtube"}
        subjects = " ".join(c.subject for c in queue).lower()
        for kind in ("nobody came", "refund", "shout-out", "business pricing", "bios"):
            assert kind in subjects, kind
        assert any(c.status == "waiting" for c in queue)
        assert any(c.holder(now) == "Sam Reyes" for c in queue)  # a teammate is working one
        assert any(c.assignee == "queue:sales" for c in queue)
        customers = {c.name: c for c in ws.customers.list()}
        assert len(customers) >= 5
        hana = customers["Hana Tanaka"]  # a customer record as a team keeps one: e-mail, tier, tags, a note
        assert hana.email == "hana.tanaka@mail.example" and hana.tier == "vip" and hana.note
        rows = CaseReports(ws.db.engine).kpi_rows(now - timedelta(days=2), now)
        report = kpis.compute(rows, now, now - timedelta(days=2), now)
        assert report.overall.resolved >= 4 and report.overall.first_response_median_min is not None
        assert "Sam Reyes" in [a.agent for a in report.agents]
    finally:
        ws.close()

    # a second start keeps the demo as it was worked (nothing is seeded twice)
    assert main(["--basedir", str(tmp_path), "--demo", "sources", "list"]) == 0
    again = Workspace.open(str(tmp_path), demo=True)
    try:
        assert len(again.cases.repo.incidents()) == 1 and len(again.rules.list()) == len(rules)
    finally:
        again.close()


def test_the_care_history_behind_the_reports_joins_the_demos_one_running_incident(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from scrm_desktop import demo_workspace

    ws = Workspace.open(str(tmp_path), demo=True)
    try:
        assert ws.run_once()[0].ok
        running = demo_workspace._incident(ws, demo_workspace._utc(ws.clock))  # as `seed` opens it
        assert demo_workspace.seed_care_history(ws) > 0
        [incident] = ws.cases.repo.incidents(open_only=False)  # one crisis, one incident: not a second one
        assert incident.id == running and incident.title == demo_workspace.INCIDENT["title"]
        assert incident.status != "resolved"  # the demo's incident is still running for the agent window
        assert len(ws.cases.repo.linked_cases(incident.id)) >= 5
        assert demo_workspace.seed_care_history(ws) == 0  # written once
    finally:
        ws.close()

"""The case service through a real Workspace: claims, the decision recorded with the case, reply checks, drafts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scrm_desktop.engage.cases import ClaimRefused, ReplyRefused
from scrm_desktop.store.cases import StaleCase
from tests.engage.helpers import make_world


def test_the_workspace_has_the_case_service_and_outbox(tmp_path: Path) -> None:
    from scrm_desktop.workspace import Workspace

    ws = Workspace.open(basedir=str(tmp_path / "base"))
    try:
        assert ws.cases.repo.queue("all", "ana", ws.cases.now()) == []
        assert ws.outbox.send_due() == []
    finally:
        ws.close()


def test_a_second_agent_is_told_who_holds_the_case(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    world.service.claim(case.id, "ana")
    with pytest.raises(ClaimRefused, match="held by ana until 09:15 UTC"):
        world.service.claim(case.id, "ben")
    assert world.service.others_here(case.id, "ben") == [("ana", "viewing")]
    with pytest.raises(ClaimRefused, match="agent name"):
        world.service.claim(case.id, "  ")
    world.service.release(case.id, "ana")
    assert world.service.claim(case.id, "ben").claimed_by == "ben"


def test_the_walk_is_stored_with_the_case_and_sets_scope_and_priority(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    session = world.service.start_decision("ana")
    for key in (2, 2, 1):  # negative, crisis signs, safety
        world.clock.advance(seconds=20)
        session.answer(key)
    decided = world.service.record_decision(case.id, session)
    assert decided.priority == 1 and decided.sla_due == case.created_at + timedelta(hours=1)
    assert decided.decision["agent"] == "ana" and decided.decision["outcome"]["crisis_level"] == 5
    assert [s["answer"] for s in decided.decision["path"]][-1] == "Safety risk or injury"
    assert world.repo.events(case.id)[-1].detail["notify"] == "crisis lead"
    with pytest.raises(ValueError, match="not finished"):
        world.service.record_decision(case.id, world.service.start_decision("ana"))


def test_suggested_templates_follow_the_decision_and_fill_the_context(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    session = world.service.start_decision("ana")
    for key in (2, 1, 4, 1, 1):  # unhappy customer, micro, canned reply
        session.answer(key)
    case = world.service.record_decision(case.id, session)
    [first, *_rest] = world.service.suggestions(case)
    assert first.category == "apology" and case.scope == "micro"
    text = world.service.fill(case, first, "Ana")
    assert "Hi Fan," in text and "Brightwave" in text and "Ana" in text  # greeted by first name


def test_a_case_of_a_running_incident_is_offered_the_we_are_on_it_update_not_the_all_clear(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    incident = world.service.open_incident("Technicians not arriving", 3, "lead", status_url="https://status.example/1")
    case = world.service.link(world.service.open_from_post(world.post_ids[0], "lead").id, incident.id, "lead")
    first = world.service.suggestions(case)[0]
    assert first.category == "status_update" and first.incident == "open"
    assert "working again" not in world.service.fill(case, first, "Ana")
    world.service.edit_incident(incident.id, status="resolved")
    first = world.service.suggestions(case)[0]
    assert first.id == "status-resolved" and "working again" in world.service.fill(case, first, "Ana")


def test_an_incident_s_own_update_comes_first_and_says_how_far_the_fix_is(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    late = world.service.open_incident("Technician visits late or missed", 3, "lead", status_url="https://s.example/2")
    case = world.service.link(world.service.open_from_post(world.post_ids[0], "lead").id, late.id, "lead")
    assert world.service.suggestions(case)[0].id == "status-missed-visits"  # its words, not the generic update
    outage = world.service.open_incident("Streaming outage", 3, "lead", status_url="https://s.example/3")
    case = world.service.link(world.service.open_from_post(world.post_ids[1], "lead").id, outage.id, "lead")
    generic = next(t for t in world.service.suggestions(case) if t.id == "status-incident")
    filled = [world.service.fill(world.service.repo.get(case.id), generic, "Ana")]
    world.service.edit_incident(outage.id, root_cause="A certificate expired on the streaming servers")
    filled.append(world.service.fill(world.service.repo.get(case.id), generic, "Ana"))
    world.service.edit_incident(outage.id, status="monitoring")
    filled.append(world.service.fill(world.service.repo.get(case.id), generic, "Ana"))
    assert [text.split("Current status: ")[1].split(".")[0] for text in filled] == [
        "we're looking into the cause",
        "we've found the cause and are fixing it",
        "a fix is in and we're watching closely that it holds",
    ]
    assert all("[[" not in text and "certificate" not in text for text in filled)  # never the team's root cause


def test_replies_are_checked_before_they_are_queued(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    with pytest.raises(ReplyRefused, match="claim case"):
        world.service.queue_reply(case.id, "ana", "hello", base_version=case.version)
    world.service.claim(case.id, "ana")
    with pytest.raises(ReplyRefused, match="fill in: order number"):
        world.service.queue_reply(case.id, "ana", "Send us [[order number]]", base_version=case.version)
    with pytest.raises(ReplyRefused, match="over the mastodon limit of 500"):
        world.service.queue_reply(case.id, "ana", "x" * 501, base_version=case.version)
    draft = world.service.save_draft(case.id, "ana", "Sorry about that!")
    assert world.repo.draft(case.id, "ana") == draft
    world.service.assign(case.id, "lead", "ana")  # someone changed the case meanwhile
    with pytest.raises(StaleCase, match="last change by lead"):
        world.service.queue_reply(case.id, "ana", draft.text, base_version=draft.base_version)
    assert world.repo.draft(case.id, "ana") is not None  # the draft is kept
    item = world.service.queue_reply(case.id, "ana", draft.text, base_version=world.repo.get(case.id).version)
    assert item.state == "queued" and world.repo.draft(case.id, "ana") is None


def test_the_support_view_pages_and_counts_past_500_cases_without_the_teams_ones(tmp_path: Path) -> None:
    from scrm_desktop.engage.cases import TEAM_QUEUES
    from scrm_desktop.store.cases import QueueFilter

    world = make_world(tmp_path, posts=510)
    sales, support = set(), set()
    posts = sorted(p.id for p in world.db.posts.page(limit=1000) if p.channel == "mastodon")
    assert len(posts) == 510
    for i, post_id in enumerate(posts):
        case = world.service.open_from_post(post_id, "lead")
        if i % 5 == 0:  # every fifth case goes to the sales team's queue
            world.service.assign(case.id, "lead", TEAM_QUEUES["sales"])
            sales.add(case.id)
        else:
            support.add(case.id)
    now = world.clock()
    assert world.service.queue_count(QueueFilter("support"), "ana", now) == len(support) == 408
    assert world.service.queue_count(QueueFilter("sales"), "ana", now) == len(sales) == 102
    seen = []
    for offset in range(0, 700, 200):
        seen += [r.case.id for r in world.service.queue_page(QueueFilter("support"), "ana", now, offset=offset)]
    assert len(seen) == len(set(seen)) and set(seen) == support  # every page, none twice, no lead among them
    narrowed = QueueFilter("support", text="order 5")  # the filters still apply: orders 5, 50..59, 500..509
    found = {r.case.subject for r in world.service.queue_page(narrowed, "ana", now)}
    assert len(found) == 16 and all("order 5" in s for s in found)  # less 5, 50, 55, 500 and 505 (sales)

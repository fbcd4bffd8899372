"""The decision tree answers from what the app knows: facts from real ingested posts, incidents, spikes, customers
and earlier cases; the walk they shorten, with every automatic step and its reason in the record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.cases import Case
from scrm_desktop.workspace import Workspace
from tests.engage.helpers import Clock

NOW = datetime(2025, 3, 3, 12, 0)  # naive UTC, as stored


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(basedir=str(tmp_path / "base"), clock=Clock(NOW.replace(tzinfo=UTC)))
    ws.cases.brand = "Brightwave"
    ws.topics.add("Brightwave Care", "topic", '"brightwave care" OR technician* OR "no show*"')
    ws.add_source("mastodon", "Masto", {"instance_url": "http://127.0.0.1:9/", "hashtags": ["x"]})
    yield ws
    ws.close()


def ingest(ws: Workspace, *posts: tuple[str, str], at: datetime = NOW, handle: str = "@jade") -> list[int]:
    """Posts as a listener brings them in: scored, classified and tagged by the app's own ingest."""
    source = ws.db.sources.get("Masto")
    items = [
        PostIn(
            "mastodon",
            external_id,
            text,
            (at - timedelta(seconds=i)).replace(tzinfo=UTC),
            author_handle=handle,
            author_name="Jade Mensah",
        )
        for i, (external_id, text) in enumerate(posts)
    ]
    ws.ingestor.ingest(items, source_id=source.id)
    ids = {p.external_id: p.id for p in ws.db.posts.page(limit=500)}
    return [ids[external_id] for external_id, _text in posts]


def case_for(ws: Workspace, text: str, external_id: str = "1") -> Case:
    [post_id] = ingest(ws, (external_id, text))
    return ws.cases.open_from_post(post_id, "lead")


COMPLAINT = "My Aero 14 keeps crashing since the update and support never answers. Not ok."
NO_SHOW = "@BrightwaveCare your technician was supposed to come at 9. It's 2pm. Nobody came, no call. Terrible."


def test_an_obvious_complaint_reaches_a_reply_in_one_choice(ws: Workspace) -> None:
    case = case_for(ws, COMPLAINT)
    facts = ws.cases.decision_facts(case)
    assert facts["negative"].value and facts["negative"].reason.startswith("sentiment −0.")
    assert "strongly negative" in facts["negative"].reason
    assert facts["complaint"].value and not facts["crisis_words"].value and not facts["spike"].value
    assert facts["incident_match"].reason == "no open incident"
    assert (facts["known_customer"].value, facts["repeat"].value) == (False, False)

    session = ws.cases.start_decision("ana", case)
    assert [s.node for s in session.steps] == ["tone", "crisis_signs", "negative_kind", "scope"]
    assert all(s.auto for s in session.steps) and session.current.id == "reply_kind"
    session.answer(1)  # a canned reply fits: the agent's only choice
    assert session.outcome.id == "respond_canned" and session.choices == 1

    record = ws.cases.record_decision(case.id, session).decision
    assert record["choices"] == 1
    auto = [(s["node"], s["reason"]) for s in record["path"] if s.get("auto")]
    assert [node for node, _r in auto] == ["tone", "crisis_signs", "negative_kind", "scope"]
    assert "sentiment −0." in auto[0][1]
    assert "no crisis words" in auto[1][1] and "no spike" in auto[1][1]
    assert auto[2][1].startswith("intent: ") or auto[2][1].startswith("trait: ")
    assert record["path"][-1] == {
        "node": "reply_kind",
        "question": "Can a canned reply answer it, or does it need a personal one?",
        "answer": "A canned reply fits",
        "at": record["path"][-1]["at"],
    }
    assert record["facts"]["negative"]["value"] is True


def test_without_a_case_nothing_is_answered_for_the_agent(ws: Workspace) -> None:
    session = ws.cases.start_decision("ana")
    assert session.steps == [] and session.current.id == "tone" and session.facts == {}


def test_a_lead_goes_straight_to_sales(ws: Workspace) -> None:
    case = case_for(ws, "Looking for a new laptop for video editing. Budget around $1200. Recommendations?")
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "route_sales" and session.choices == 0
    [step] = session.steps
    assert step.auto and step.answer.startswith("It wants to buy")
    assert step.reason in ("intent: purchase", "a sales lead")


def test_a_post_matching_an_open_incident_goes_to_the_incident(ws: Workspace) -> None:
    incident = ws.cases.open_incident("Technicians not arriving", 3, "lead")
    case = case_for(ws, NO_SHOW)
    assert case.incident_id == incident.id  # the new case joined the incident by itself
    fact = ws.cases.decision_facts(case)["incident_match"]
    assert fact.value
    assert fact.reason == (
        "the case is linked to the open incident 'Technicians not arriving'; the post shares words of its title"
        " (technician)"
    )
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "incident" and session.choices == 0
    assert session.steps[-1].answer == "Many people, one cause (macro)" and "Technicians" in session.steps[-1].reason


def test_a_long_incident_title_needs_two_of_its_words(ws: Workspace) -> None:
    ws.cases.open_incident("Brightwave Care technicians not arriving for booked visits", 3, "lead")  # the demo's
    no_show = ws.cases.decision_facts(case_for(ws, NO_SHOW))["incident_match"]
    assert no_show.value and no_show.reason.endswith("shares words of its title (care, technician)")
    cancel = case_for(ws, "Cancelled my Brightwave Care subscription today. Support never called back. Awful.", "2")
    assert cancel.incident_id is None and not ws.cases.decision_facts(cancel)["incident_match"].value


def test_an_unrelated_incident_does_not_match(ws: Workspace) -> None:
    ws.cases.open_incident("Technicians not arriving", 3, "lead")
    case = case_for(ws, "My order arrived broken and nobody helps. Awful.")
    fact = ws.cases.decision_facts(case)["incident_match"]
    assert not fact.value and fact.reason == "no open incident matches this post"


def test_a_known_vip_customer_with_an_earlier_case_gets_a_personal_reply(ws: Workspace) -> None:
    [first_id] = ingest(ws, ("0", "My Flux 13 won't charge, please help"), at=NOW - timedelta(days=5))
    earlier = ws.cases.open_from_post(first_id, "lead")
    ws.cases.clock.now = (NOW - timedelta(days=3)).replace(tzinfo=UTC)  # type: ignore[attr-defined]
    ws.cases.set_status(earlier.id, "lead", "resolved")
    ws.cases.clock.now = NOW.replace(tzinfo=UTC)  # type: ignore[attr-defined]
    case = case_for(ws, COMPLAINT)
    author_id = ws.db.posts.get(case.post_id).author_id
    customer = ws.customers.create("Jade Mensah", tier="vip")
    ws.customers.link(author_id, customer.id, actor="ana")

    facts = ws.cases.decision_facts(case)
    assert facts["known_customer"].reason == "known customer: Jade Mensah (VIP)" and facts["vip"].value
    assert facts["repeat"].reason == "1 earlier case from this author, last resolved 3 d ago"
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "respond_personal" and session.choices == 0
    assert session.steps[-1].reason.startswith("1 earlier case from this author, last resolved 3 d ago")


def test_another_author_or_channel_is_not_an_earlier_case(ws: Workspace) -> None:
    [other] = ingest(ws, ("0", COMPLAINT), at=NOW - timedelta(days=1), handle="@ben")
    ws.cases.open_from_post(other, "lead")
    case = case_for(ws, COMPLAINT)
    assert ws.cases.repo.earlier_cases(case.channel, case.author_handle, case.id) == []
    assert ws.cases.repo.earlier_cases("bluesky", "@ben", case.id + 1) == []
    assert [c.post_id for c in ws.cases.repo.earlier_cases("mastodon", "@ben", case.id)] == [other]


def test_a_refund_request_goes_to_the_refund_templates(ws: Workspace) -> None:
    case = case_for(ws, "My Aero 16 died after two weeks. I want a refund, this is not ok.")
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "respond_refund" and session.outcome.category == "refund"
    assert session.steps[-1].reason.startswith("asks for: refund")


def test_crisis_words_lead_to_the_crisis_question(ws: Workspace) -> None:
    case = case_for(ws, "My Vista 17 battery started smoking on my desk. Dangerous and awful, I'm calling a lawyer.")
    session = ws.cases.start_decision("ana", case)
    assert session.current.id == "crisis_kind" and session.choices == 0  # which sign is the agent's call
    assert "crisis words: dangerous, lawyer, smoking" in session.steps[-1].reason


def test_a_strongly_positive_post_goes_to_the_positive_branch(ws: Workspace) -> None:
    case = case_for(ws, "Brightwave Care tech Sam was on time, friendly and fixed the hinge in 30 min. Brilliant!")
    session = ws.cases.start_decision("ana", case)
    assert session.current.id == "positive_kind" and session.steps[0].reason.startswith("sentiment +0.")


def test_a_question_goes_to_the_answer_outcome(ws: Workspace) -> None:
    case = case_for(ws, "Can you upgrade the RAM on the Aero 16?")
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "answer_question" and session.outcome.category == "answer"


def test_a_spike_of_similar_posts_is_a_crisis_sign(ws: Workspace) -> None:
    calm = [(f"c{h}-{k}", f"Brightwave Care visit went fine {h}") for h in range(48) for k in range(2)]
    for h in range(48):  # two calm posts an hour for two days, then a burst of no-show complaints
        ingest(ws, *calm[2 * h : 2 * h + 2], at=NOW - timedelta(hours=50 - h))
    said = "Brightwave Care technician was supposed to come. Nobody came, no call. Terrible."
    burst = [(f"b{i}", f"{said} {i}") for i in range(40)]
    ingest(ws, *burst, at=NOW - timedelta(minutes=5))
    assert any(a.topic == "Brightwave Care" for a in ws.topics.alerts())
    case = case_for(ws, NO_SHOW, external_id="x")
    fact = ws.cases.decision_facts(case)["spike"]
    assert fact.value and fact.reason.startswith("a spike on 'Brightwave Care'")
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "escalate_2" and session.choices == 0

    ws.cases.open_incident("Technician no-shows", 2, "lead")  # once an incident covers it, it is that incident
    session = ws.cases.start_decision("ana", case)
    assert session.outcome.id == "incident"


def test_a_spike_is_about_a_post_only_when_the_post_shares_its_terms() -> None:
    from scrm_desktop.core.post import Post
    from scrm_desktop.engage.decision_facts import facts_for_case
    from scrm_desktop.store.topics import Alert

    post = Post(1, "mastodon", "1", "my Flux 13 keeps crashing", NOW, sentiment=-0.6, topics=("Brightwave",))
    window = (NOW - timedelta(hours=1), NOW, 80, 4.0, 9.0, ("technician", "late"), (), NOW, None, None)
    spike = Alert(1, 1, "Brightwave", "negative", *window)
    assert not facts_for_case(post, now=NOW, spikes=[spike])["spike"].value  # in the topic, but not like them
    bare = Alert(2, 1, "Brightwave", "volume", *window[:5], (), *window[6:])  # no top terms: the topic decides
    assert facts_for_case(post, now=NOW, spikes=[bare])["spike"].value
    assert not facts_for_case(post, now=NOW, spikes=[bare], broad_topics=["Brightwave"])["spike"].value
    about = Post(2, "mastodon", "2", "technician late again", NOW, sentiment=-0.6, topics=("Brightwave",))
    fact = facts_for_case(about, now=NOW, spikes=[spike], broad_topics=["Brightwave"], brand="Brightwave")["spike"]
    assert fact.value
    assert fact.reason == "a spike on 'Brightwave' (80 negative posts an hour against ~4; terms: technician, late)"
    long_ago = Post(3, "mastodon", "3", "technician late", NOW - timedelta(days=2), topics=("Brightwave",))
    assert not facts_for_case(long_ago, now=NOW, spikes=[spike])["spike"].value
    rule = Alert(-1, 0, "Brightwave", "rule", *window)  # a business rule's alert is not a spike
    assert not facts_for_case(about, now=NOW, spikes=[rule])["spike"].value
    assert facts_for_case(None, now=NOW) == {}


def test_once_an_agent_decides_an_author_trolls_their_other_cases_are_answered_troll(ws: Workspace) -> None:
    taunt = "Brightwave laptops are garbage and so is everyone who buys one. Pathetic."
    older = case_for(ws, "Brightwave Care? more like Brightwave Don't Care. Pathetic garbage.", external_id="t0")
    first = case_for(ws, taunt, external_id="t1")  # worked first (queues go by priority and due, not by number)
    assert not ws.cases.decision_facts(first)["troll_before"].value  # nobody decided anything about them yet
    session = ws.cases.start_decision("ana", first)
    while session.current.id != "negative_kind":  # the app took it for a complaint: the agent knows better
        session.back()
    session.answer(1)  # "A troll (ridicules, provokes on purpose)"
    assert session.outcome.id == "troll"
    ws.cases.record_decision(first.id, session)

    newer = case_for(ws, "Brightwave users, cope harder. Garbage laptops, pathetic support.", external_id="t2")
    for case in (older, newer):
        fact = ws.cases.decision_facts(case)["troll_before"]
        assert fact.value and fact.reason == f"ana decided case #{first.id} from this author was a troll"
        again = ws.cases.start_decision("ben", case)
        assert again.outcome.id == "troll" and again.choices == 0  # monitor only, notify the lead: nothing to pick
        assert "was a troll" in again.steps[-1].reason

    [other_id] = ingest(ws, ("o1", COMPLAINT), handle="@kim")  # another author's complaint goes on as before
    other = ws.cases.open_from_post(other_id, "lead")
    assert not ws.cases.decision_facts(other)["troll_before"].value
    assert ws.cases.start_decision("ben", other).current.id == "reply_kind"

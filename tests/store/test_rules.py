"""Business rules at ingest: order, every action recorded, dry runs equal real runs, broken rules refused;
classification stored with each post and correctable; trait:/intent: as stream queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Action, Rule, RuleError, effects, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.tables import authors
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

TEXTS = [
    ("amy", 50, "@AcmeHelp my laptop won't boot after the update, help please"),
    ("bob", 90_000, "Which laptop should I get for uni? budget 900"),
    ("cat", 10, "Switching to Corvex, done with Acme"),
    ("dan", 5_000, "Love my Aero, best laptop I've owned"),
    ("amy", 50, "still broken, this is the worst support ever"),
    ("eve", 20, "the fan noise is something else lol"),
    ("amy", 50, "third day, laptop still broken. refund please"),
    ("fay", 300, "Would be great if the app had a dark mode"),
]


def make_posts(texts=TEXTS, start: int = 0) -> list[PostIn]:
    return [
        PostIn(
            channel="mastodon",
            external_id=f"p{start + i}",
            text=text,
            created_at=NOW - timedelta(minutes=100 - i),
            author_handle=handle,
            author_followers=followers,
        )
        for i, (handle, followers, text) in enumerate(texts)
    ]


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    yield workspace
    workspace.close()


def rule(name: str, query: str, actions: str, **kw) -> Rule:
    return Rule(name=name, query=query, actions=parse_actions(actions), **kw)


def stored(ws) -> dict[str, int]:
    return {p.external_id: p.id for p in ws.db.posts.page(limit=1000)}


def test_classification_is_stored_with_each_post_and_queryable(ws):
    ws.ingestor.ingest(make_posts())
    by_text = {p.text: p for p in ws.db.posts.page()}
    lead = by_text["Which laptop should I get for uni? budget 900"]
    assert (lead.trait, lead.intent, lead.is_lead) == ("future", "purchase", True)
    assert by_text["Switching to Corvex, done with Acme"].trait == "past"
    purchase = ws.db.posts.page(to_sql(parse("intent:purchase")))
    assert [p.id for p in purchase] == [lead.id]
    venting = {p.text for p in ws.db.posts.page(to_sql(parse("trait:venting")))}
    assert venting == {t for _, _, t in TEXTS if t.startswith(("@AcmeHelp", "third day"))}
    with ws.db.engine.connect() as conn:
        from scrm_desktop.store.tables import posts

        cues = conn.execute(select(posts.c.classification).where(posts.c.id == lead.id)).scalar_one()
    assert cues["lead_products"] == ["laptop"] and cues["intent_cues"]


def test_rules_run_in_order_and_record_every_action(ws):
    first = ws.rules.save(rule("Big voices", "", "tag: influencer\npriority: high\nnotify: sam", min_followers=1000))
    second = ws.rules.save(rule("Leads", "intent:purchase", "lead\nassign: queue:sales\npriority: urgent"))
    ws.rules.save(rule("Cases", "broken OR boot", "case: check warranty\nalert"))
    ws.ingestor.ingest(make_posts())
    ids = stored(ws)
    bob = ws.rules.hits(ids["p1"])
    assert [(h["rule_name"], h["action"], h["value"]) for h in bob] == [
        ("Big voices", "tag", "influencer"),
        ("Big voices", "priority", "high"),
        ("Big voices", "notify", "sam"),
        ("Leads", "lead", ""),
        ("Leads", "assign", "queue:sales"),
        ("Leads", "priority", "urgent"),
    ]
    result = effects(bob)
    assert result.priority == "urgent" and result.assignee == "queue:sales" and result.tags == ["influencer"]
    assert {h["action"] for h in ws.rules.hits(ids["p0"])} == {"case", "alert"}
    assert [h["value"] for h in ws.rules.pending("case")] == ["check warranty"] * 3
    # order changed: Leads first, so Big voices' priority now wins on bob's next post
    ws.rules.move(second.id, -1)
    assert [r.name for r in ws.rules.list()] == ["Leads", "Big voices", "Cases"]
    ws.ingestor.ingest(make_posts([("bob", 90_000, "Looking for a new laptop for my son.")], start=100))
    assert effects(ws.rules.hits(stored(ws)["p100"])).priority == "high"
    assert first.id is not None


def test_stop_keeps_later_rules_off_matched_posts_and_disabled_rules_do_nothing(ws):
    ws.rules.save(rule("Angry amy", "author:amy", "tag: amy", stop=True))
    ws.rules.save(rule("Broken", "broken", "tag: broken"))
    off = ws.rules.save(rule("Everyone", "laptop", "tag: laptop"))
    ws.rules.set_enabled(off.id, False)
    ws.ingestor.ingest(make_posts())
    tags = {ext: effects(ws.rules.hits(pid)).tags for ext, pid in stored(ws).items()}
    assert tags["p4"] == ["amy"] and tags["p6"] == ["amy"]  # amy's broken posts stopped at the first rule
    assert all("laptop" not in t for t in tags.values())


def test_mark_as_lead_sets_the_post(ws):
    ws.rules.save(rule("Dark mode fans", "dark mode", "lead"))
    ws.ingestor.ingest(make_posts())
    assert ws.db.posts.get(stored(ws)["p7"]).is_lead is True


def test_author_conditions_vip_and_history(ws):
    ws.ingestor.ingest(make_posts([("amy", 50, "Love my Aero, best laptop I've owned"), ("eve", 20, "hello")]))
    with ws.db.engine.connect() as conn:
        amy = conn.execute(select(authors.c.id).where(authors.c.handle == "amy")).scalar_one()
    ws.rules.set_vip(amy)
    ws.rules.save(rule("VIP", "", "tag: vip", vip_only=True))
    ws.rules.save(rule("Repeat unhappy", "", "tag: repeat", min_prior_negative=1))
    ws.ingestor.ingest(make_posts([("amy", 50, "still broken, this is the worst support ever")], start=10))
    ws.ingestor.ingest(make_posts([("amy", 50, "day three, still broken"), ("eve", 20, "awful, broken")], start=11))
    tags = {ext: effects(ws.rules.hits(pid)).tags for ext, pid in stored(ws).items()}
    assert ws.db.posts.get(stored(ws)["p10"]).sentiment_label == "negative"
    assert tags["p10"] == ["vip"]  # amy had no negative post before this one
    assert tags["p11"] == ["vip", "repeat"]  # now she has
    assert tags["p12"] == []  # eve: not VIP, and her first negative post


def test_dry_run_counts_equal_the_real_run(ws):
    candidates = [
        rule("a", "laptop", "tag: a"),
        rule("b", "trait:venting OR trait:past", "tag: b"),
        rule("c", "", "tag: c", min_followers=100),
        rule("d", "-laptop", "tag: d", min_prior_negative=1),
    ]
    ws.ingestor.ingest(make_posts())
    dry = {r.name: ws.rules.dry_run(r, last=len(TEXTS)) for r in candidates}
    # the same posts again through ingest, with the rules active, on a fresh database
    for r in candidates:
        ws.rules.save(r)
    ws.db.posts.delete_posts(stored(ws).values())
    ws.ingestor.ingest(make_posts(start=200))
    fired: dict[str, int] = {}
    for pid in stored(ws).values():
        for name in {h["rule_name"] for h in ws.rules.hits(pid)}:
            fired[name] = fired.get(name, 0) + 1
    assert {name: matched for name, (matched, _) in dry.items()} == {r.name: fired.get(r.name, 0) for r in candidates}
    assert dry["a"][1] == len(TEXTS) and dry["a"][0] > 0


@pytest.mark.parametrize(
    ("bad", "part", "position"),
    [
        (Rule("x", 'refund AND ("broken', (Action("tag", "t"),)), "query", 12),
        (Rule("x", "chanel:reddit", (Action("tag", "t"),)), "query", 0),
        (Rule("x", "trait:ventng", (Action("tag", "t"),)), "query", 0),
        (Rule("", "refund", (Action("tag", "t"),)), "name", 0),
        (Rule("x", "refund", ()), "actions", 0),
        (Rule("x", "refund", (Action("priority", "asap"),)), "actions", 0),
        (Rule("x", "", (Action("tag", "t"),)), "query", 0),
        (Rule("x", "refund", (Action("tag", "t"),), min_followers=-5), "followers", 0),
    ],
)
def test_broken_rules_are_refused_with_the_reason(ws, bad, part, position):
    with pytest.raises(RuleError) as caught:
        ws.rules.save(bad)
    assert caught.value.part == part and caught.value.message
    if part == "query":
        assert caught.value.position >= position
    with pytest.raises(RuleError):
        ws.rules.dry_run(bad)
    assert ws.rules.list() == []


def test_rule_names_are_unique(ws):
    ws.rules.save(rule("Leads", "intent:purchase", "lead"))
    with pytest.raises(RuleError, match="already a rule"):
        ws.rules.save(rule("Leads", "refund", "tag: r"))


def test_an_agent_correction_is_kept_beside_the_automatic_value(ws):
    ws.ingestor.ingest(make_posts())
    pid = stored(ws)["p5"]  # "the fan noise is something else lol": passive
    ws.corrections.correct(pid, "trait", "Venting", agent="sam")
    ws.corrections.correct(pid, "trait", "collaborative", agent="lee")
    assert ws.db.posts.get(pid).trait == "collaborative"
    assert ws.corrections.view(pid)["trait"] | {"at": ""} == {
        "auto": "passive",
        "value": "collaborative",
        "agent": "lee",
        "at": "",
    }
    assert [h["value"] for h in ws.corrections.history(pid)] == ["venting", "collaborative"]
    assert [p.id for p in ws.db.posts.page(to_sql(parse("trait:collaborative")))].count(pid) == 1
    with pytest.raises(ValueError, match="trait must be one of"):
        ws.corrections.correct(pid, "trait", "grumpy")
    with pytest.raises(ValueError, match="Only trait or intent"):
        ws.corrections.correct(pid, "sentiment", "positive")

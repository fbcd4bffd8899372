"""Business rules at ingest: order, every action recorded, dry runs equal real runs, broken rules refused;
classification stored with each post and correctable; trait:/intent: as stream queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Action, Rule, RuleError, effects, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.batch import PostStage
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
    with pytest.raises(ValueError, match="Only trait, intent or lead"):
        ws.corrections.correct(pid, "sentiment", "positive")


# ---- actions that act -------------------------------------------------------------------------------------------
def case_of(ws, post_id: int):
    from scrm_desktop.store.cases_tables import cases

    with ws.db.engine.connect() as conn:
        case_id = conn.execute(select(cases.c.id).where(cases.c.post_id == post_id)).scalar()
    return None if case_id is None else ws.cases.repo.get(case_id)


def case_count(ws) -> int:
    from scrm_desktop.store.cases_tables import cases

    with ws.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(cases)).scalar_one()


def test_every_action_takes_effect(ws):
    ws.rules.save(rule("Big voices", "", "tag: influencer\npriority: high", min_followers=1000))
    ws.rules.save(rule("Leads", "intent:purchase", "lead\nassign: queue:sales\nnotify: sam"))
    ws.rules.save(rule("Broken", "broken OR boot", "case: check warranty\nalert: hardware?"))
    ws.ingestor.ingest(make_posts())
    ids = stored(ws)
    # open a case (default priority), with "opened by rule" in its history
    broken = case_of(ws, ids["p0"])
    assert (broken.status, broken.priority, broken.assignee) == ("new", 3, "")
    [opened] = ws.cases.repo.events(broken.id)
    assert opened.actor == "rule: Broken" and opened.kind == "opened"
    assert opened.detail["rule"] == "Broken" and opened.detail["note"] == "check warranty"
    assert broken.sla_due == broken.created_at + timedelta(hours=24)
    # assign to a queue (opens the case) with the priority an earlier rule set; lead marked
    lead = case_of(ws, ids["p1"])
    assert (lead.assignee, lead.priority, lead.status) == ("queue:sales", 2, "new")
    assert lead.sla_due == lead.created_at + timedelta(hours=4)
    assert ws.db.posts.get(ids["p1"]).is_lead is True
    # priority alone does not open a case (dan: big voice, no case action)
    assert case_of(ws, ids["p3"]) is None
    assert case_count(ws) == 4  # p0, p4, p6 (broken/boot) and p1 (assigned)
    # tag: a stream query over rule tags
    tagged = {p.id for p in ws.db.posts.page(to_sql(parse("tag:Influencer")))}
    assert tagged == {ids["p1"], ids["p3"]}
    # alert: in the dashboard's list beside spike alerts, with the rule, message and post; acknowledgeable
    rule_alerts = [a for a in ws.topics.alerts() if a.kind == "rule"]
    assert len(rule_alerts) == 3 and {a.example_post_ids[0] for a in rule_alerts} == {ids["p0"], ids["p4"], ids["p6"]}
    first = next(a for a in rule_alerts if a.example_post_ids == (ids["p0"],))
    assert first.topic == "Broken" and first.top_terms == ("hardware?",) and "won't boot" in first.detail
    assert {p.id for p in ws.db.posts.page(to_sql(parse(first.query)))} == {ids["p0"]}
    ws.topics.acknowledge(first.id, "lee")
    ws.topics.acknowledge(first.id, "kim")  # the first acknowledgement stands
    again = next(a for a in ws.topics.alerts() if a.id == first.id)
    assert again.acknowledged_by == "lee" and again.acknowledged_at is not None
    assert first.id not in {a.id for a in ws.topics.alerts(unacknowledged_only=True)}
    # notify: what the desktop notices read
    [(hit_id, name, who, post)] = ws.rules.notices(0)
    assert (name, who, post.id, post.author_handle) == ("Leads", "sam", ids["p1"], "bob")
    assert ws.rules.notices(hit_id) == [] and ws.rules.latest_hit_id() >= hit_id


def test_later_rules_see_what_earlier_rules_did_and_stop_holds(ws):
    ws.rules.save(rule("Refunds", "refund", "tag: money\nassign: sam"))
    ws.rules.save(rule("Escalate money", "tag:money status:new assignee:sam", "priority: urgent\nalert", stop=True))
    ws.rules.save(rule("Everything broken", "broken", "case\nassign: lee"))
    ws.rules.save(rule("Unassigned", "assignee:none status:none", "tag: untouched"))
    ws.ingestor.ingest(make_posts())
    ids = stored(ws)
    refund = case_of(ws, ids["p6"])  # "third day, laptop still broken. refund please"
    assert (refund.assignee, refund.priority) == ("sam", 1)  # the stop kept "Everything broken" off it
    assert [h["rule_name"] for h in ws.rules.hits(ids["p6"])] == ["Refunds"] * 2 + ["Escalate money"] * 2
    assert case_of(ws, ids["p4"]).assignee == "lee"  # broken, no refund
    untouched = {pid for pid in ids.values() if "untouched" in effects(ws.rules.hits(pid)).tags}
    assert untouched == {ids[k] for k in ("p0", "p1", "p2", "p3", "p5", "p7")}


def test_a_batch_ingested_again_or_rolled_back_never_acts_twice(ws):
    ws.rules.save(rule("Broken", "broken", "case\nalert\nassign: lee"))
    ws.ingestor.ingest(make_posts())
    ws.ingestor.ingest(make_posts())  # the same posts again: nothing new is stored, no rule fires again
    assert case_count(ws) == 2 and len([a for a in ws.topics.alerts() if a.kind == "rule"]) == 2

    def crash(batch):
        raise RuntimeError("power cut")

    more = make_posts([("gus", 1, "broken on arrival")], start=50)
    stages = ws.ingestor.stages
    ws.ingestor.stages = [*stages, PostStage("crash", crash)]  # fails after the rules, inside the same transaction
    with pytest.raises(RuntimeError, match="power cut"):
        ws.ingestor.ingest(more)
    ws.ingestor.stages = stages
    assert case_count(ws) == 2 and "p50" not in stored(ws)  # rolled back with the posts
    ws.ingestor.ingest(more)
    ws.ingestor.ingest(more)
    assert case_count(ws) == 3 and len([a for a in ws.topics.alerts() if a.kind == "rule"]) == 3
    assert len(ws.cases.repo.events(case_of(ws, stored(ws)["p50"]).id)) == 1


def test_priority_words_map_to_case_priorities_and_slas(ws):
    for i, word in enumerate(("low", "normal", "high", "urgent")):
        ws.rules.save(rule(f"r{i}", f"author:{word}", f"priority: {word}\ncase"))
    ws.ingestor.ingest(make_posts([(w, 1, "help") for w in ("low", "normal", "high", "urgent")]))
    got = {p.author_handle: case_of(ws, p.id) for p in ws.db.posts.page()}
    assert {h: c.priority for h, c in got.items()} == {"low": 4, "normal": 3, "high": 2, "urgent": 1}
    assert got["urgent"].sla_due - got["urgent"].created_at == timedelta(hours=1)
    assert got["low"].sla_due - got["low"].created_at == timedelta(hours=72)


def test_rule_tables_match_the_migration(ws):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from scrm_desktop.store.tables import metadata

    with ws.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if any(n in repr(d) for n in ("rule_alerts", "ix_rule_hits"))] == []


# ---- status: and assignee: --------------------------------------------------------------------------------------
WORKFLOW_QUERIES = [
    "status:new",
    "status:open",
    "status:waiting",
    "status:resolved",
    "status:closed",
    "status:none",
    "-status:none",
    "assignee:sam",
    "assignee:SAM",
    'assignee:"queue:sales"',
    "assignee:none",
    "-assignee:none",
    "status:open OR assignee:none",
    "laptop -status:closed",
    "tag:vip",
    "tag:vip -assignee:sam",
]


def test_status_and_assignee_agree_in_sql_and_in_memory(ws):
    ws.rules.save(rule("VIP", "laptop", "tag: vip"))
    ws.ingestor.ingest(make_posts())
    ids = stored(ws)
    service, agent = ws.cases, "lead"
    plan = {
        "p0": ("open", "sam"),
        "p1": ("new", "queue:sales"),
        "p2": ("waiting", ""),
        "p3": ("resolved", "Sam"),
        "p4": ("closed", "lee"),
    }
    for ext, (status, assignee) in plan.items():
        case = service.open_from_post(ids[ext], agent)
        if assignee:
            service.assign(case.id, agent, assignee)
        if status != "new":
            service.set_status(case.id, agent, status)
    # the posts as memory sees them: status and assignee from their cases, tags from the rule hits
    by_id = {p.id: p for p in ws.db.posts.page(limit=100)}
    memory = []
    for pid, post in by_id.items():
        case = case_of(ws, pid)
        memory.append(
            replace(
                post,
                status=case.status if case else "",
                assignee=case.assignee if case else "",
                tags=tuple(effects(ws.rules.hits(pid)).tags),
            )
        )
    for text in WORKFLOW_QUERIES:
        query = parse(text)
        in_sql = {p.id for p in ws.db.posts.page(to_sql(query), limit=100)}
        in_memory = {p.id for p in memory if query.matches(p)}
        assert in_sql == in_memory, text
    assert {p.id for p in ws.db.posts.page(to_sql(parse("status:none")))} == {ids[k] for k in ("p5", "p6", "p7")}
    assert {p.id for p in ws.db.posts.page(to_sql(parse("assignee:sam")))} == {ids["p0"], ids["p3"]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("status:opne", "Did you mean status:open"),
        ("status:", "needs a value"),
        ("assignee:", "needs a value"),
    ],
)
def test_bad_workflow_values_are_refused_with_the_reason(ws, text, reason):
    with pytest.raises(RuleError, match=reason) as caught:
        ws.rules.save(rule("x", text, "tag: t"))
    assert caught.value.part == "query"


def test_a_rule_priority_counts_when_an_agent_opens_the_case_later(ws):
    ws.rules.save(rule("Angry", "broken", "priority: urgent"))
    ws.ingestor.ingest(make_posts())
    ids = stored(ws)
    assert case_of(ws, ids["p4"]) is None  # a priority alone opens no case
    assert ws.cases.open_from_post(ids["p4"], "kim").priority == 1
    assert ws.cases.open_from_post(ids["p5"], "kim").priority == 3  # no rule: normal
    assert ws.cases.open_from_post(ids["p6"], "kim", priority=4).priority == 4  # the agent's choice wins


def test_rule_alerts_never_push_spike_alerts_out_of_the_list(ws):
    ws.topics.add("Brightwave", "brand", "brightwave")
    ws.rules.save(rule("Technician", "technician", "alert: call back"))
    start = NOW - timedelta(hours=50)

    def posts(prefix: str, texts: list[tuple[datetime, str]]) -> list[PostIn]:
        return [
            PostIn(channel="rss", external_id=f"{prefix}{i}", text=text, created_at=when)
            for i, (when, text) in enumerate(texts)
        ]

    calm = [
        (start + timedelta(hours=h, minutes=k * 7), f"brightwave laptop review {h}")
        for h in range(48)
        for k in range(3)
    ]
    ws.ingestor.ingest(posts("c", calm))
    peak = start + timedelta(hours=49)
    burst = [(peak + timedelta(seconds=i * 50), f"brightwave technician never came {i}, awful") for i in range(60)]
    ws.ingestor.ingest(posts("b", burst))
    listed = ws.topics.alerts(limit=5)
    assert sorted(a.kind for a in listed) == ["negative", "rule", "rule", "rule", "volume"]
    assert [a.window_start for a in listed] == sorted((a.window_start for a in listed), reverse=True)
    assert len([a for a in ws.topics.alerts() if a.kind == "rule"]) == 60


def test_rule_actions_and_workflow_fields_on_postgresql(pg_url, tmp_path):
    ws = Workspace.open(str(tmp_path / "pg"), db_url=pg_url, clock=lambda: NOW)
    try:
        ws.rules.save(rule("Leads", "intent:purchase", "lead\nassign: queue:sales\npriority: urgent\nnotify: sam"))
        ws.rules.save(rule("Broken", "broken OR boot", "tag: hardware\ncase: warranty\nalert: check"))
        ws.rules.save(rule("Escalate", "tag:hardware status:new", "priority: high"))
        ws.ingestor.ingest(make_posts())
        ws.ingestor.ingest(make_posts())  # nothing fires twice
        ids = stored(ws)
        assert case_count(ws) == 4 and len([a for a in ws.topics.alerts() if a.kind == "rule"]) == 3
        assert (case_of(ws, ids["p1"]).assignee, case_of(ws, ids["p1"]).priority) == ("queue:sales", 1)
        assert case_of(ws, ids["p0"]).priority == 2 and ws.db.posts.get(ids["p1"]).is_lead
        found = {
            text: {p.id for p in ws.db.posts.page(to_sql(parse(text), "postgresql"))}
            for text in ('assignee:"queue:sales"', "status:new -assignee:none", "tag:HARDWARE", "status:none")
        }
        assert found['assignee:"queue:sales"'] == found["status:new -assignee:none"] == {ids["p1"]}
        assert found["tag:HARDWARE"] == {ids["p0"], ids["p4"], ids["p6"]}
        assert len(found["status:none"]) == len(TEXTS) - 4
        [alert] = [a for a in ws.topics.alerts() if a.kind == "rule" and a.example_post_ids == (ids["p0"],)]
        ws.topics.acknowledge(alert.id, "kim")
        assert next(a for a in ws.topics.alerts() if a.id == alert.id).acknowledged_by == "kim"
        assert [n[1:3] for n in ws.rules.notices(0)] == [("Leads", "sam")]
    finally:
        ws.close()

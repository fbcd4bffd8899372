"""The demo workspace alive on first start: business rules that open cases, a running incident, known customers,
a teammate, and a day of care history (answered, resolved, waiting, held by a colleague) with KPIs behind it
(`seed`, at first start); and the fuller day of care work the demo's reports are drawn from (`seed_care_history`,
before its first report). One incident, the demo's crisis, runs through both.

Everything here is written for this project (Brightwave laptops and its at-home repair service Brightwave Care, as
in the demo plugin); the times are relative to the first start so the queue always looks like this morning's.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Action, Rule
from scrm_desktop.engage.cases import SLA_BY_PRIORITY
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.case_reports import CaseReports
from scrm_desktop.store.cases import CaseRepo, NewReply
from scrm_desktop.store.query_sql import to_sql

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

log = logging.getLogger(__name__)

TEAMMATE = ("demo-teammate-sam", "Sam Reyes")  # a colleague on the same (demo) database
DEMO_BRAND = "Brightwave"
INCIDENT = {
    "title": "Brightwave Care technicians not arriving for booked visits",
    "severity": 3,
    "root_cause": "The dispatch partner's scheduling system dropped this morning's bookings",
    "status_url": "https://status.brightwave.example/incidents/care-dispatch",
    # how people say it: a new case whose post says one of these joins the incident by itself
    "keywords": "\n".join(
        (
            "no-show*",
            "didn't show up",
            "did not show up",
            "not show up",
            "never showed up",
            "didn't turn up",
            "not turning up",
            "technician never came",
            "tech that never comes",
            "nobody came",
            "no one came",
            "no one ever came",
            "never arrived",
            "missed visit*",
            "missed technician visit*",
            "isn't coming",
        )
    ),
}

RULES = (
    Rule(
        "Care no-shows from people with reach",
        'topic:"Brightwave Care" sentiment:negative',
        (Action("case", "technician visit"), Action("priority", "high"), Action("tag", "no-show")),
        min_followers=200,
    ),
    Rule(
        "Sales leads to the sales queue",
        "intent:purchase",
        (Action("lead"), Action("case", "sales lead"), Action("assign", "queue:sales")),
        min_followers=100,
    ),
    Rule(
        "VIP customers unhappy",
        "sentiment:negative",
        (Action("case"), Action("priority", "urgent"), Action("notify", "lead")),
        vip_only=True,
    ),
    Rule(
        "Press and news about us",
        "channel:rss topic:Brightwave sentiment:negative",
        (Action("alert", "press coverage: tell communications"), Action("tag", "press")),
    ),
)


@dataclass(frozen=True)
class SeedPost:
    key: str
    channel: str
    handle: str
    name: str
    followers: int
    hours_ago: float
    text: str


POSTS = (
    SeedPost(
        "noshow-1",
        "mastodon",
        "rosa_costa@social.example",
        "Rosa Costa",
        640,
        1.5,
        "Took the morning off for the Brightwave Care technician. Window was 8-10. It's 11:30, nobody came, nobody"
        " called. @BrightwaveCare what is going on?",
    ),
    SeedPost(
        "noshow-2",
        "bluesky",
        "tomas-varga.bsky.example",
        "Tomas Varga",
        210,
        0.8,
        "Second Brightwave Care no-show this week for my Aero 16 repair. I booked the visit, I stayed in, nothing.",
    ),
    SeedPost(
        "refund",
        "email",
        "ines.alvarez@mail.example",
        "Ines Alvarez",
        0,
        3.0,
        "Hello, I returned my Vista 17 sixteen days ago (return BW-55120) and the refund has still not reached my"
        " card. Can you tell me when it will arrive?",
    ),
    SeedPost(
        "praise",
        "reddit",
        "mara_codes",
        "Mara Lindqvist",
        4210,
        2.2,
        "Shout-out to Brightwave Care: the technician swapped the hinge on my Flux Pro in twenty minutes and"
        " explained what went wrong. Great service.",
    ),
    SeedPost(
        "lead",
        "bluesky",
        "studio-north.bsky.example",
        "Studio North",
        930,
        0.5,
        "We're equipping a 14-person design studio. Does Brightwave do business pricing on the Aero 16? Who do I"
        " talk to for a quote?",
    ),
    SeedPost(
        "question",
        "youtube",
        "@femi_makes",
        "Femi Adeyemi",
        120,
        4.0,
        "How do I update the BIOS on an Aero 14 without the Brightwave app? The app keeps failing at 40%.",
    ),
    SeedPost(
        "waiting",
        "mastodon",
        "gus_haddad@techhub.example",
        "Gus Haddad",
        85,
        6.0,
        "My Brightwave Flux 13 won't charge past 60% since the last update. Anyone else?",
    ),
    SeedPost(
        "held",
        "reddit",
        "quinn_larsen",
        "Quinn Larsen",
        300,
        1.0,
        "Brightwave support chat closed on me twice while I was giving my order number. Order arrived with a"
        " cracked screen.",
    ),
    # yesterday's work: answered and resolved (history and KPIs)
    SeedPost(
        "done-noshow",
        "email",
        "hana.tanaka@mail.example",
        "Hana Tanaka",
        0,
        27.0,
        "The Brightwave Care visit I booked for my Aero 14 never happened. I need the laptop for work on Monday.",
    ),
    SeedPost(
        "done-refund",
        "reddit",
        "kofi_builds",
        "Kofi Mensah",
        150,
        24.0,
        "Three weeks and still no refund for the Flux 13 I sent back. Brightwave, this is getting silly.",
    ),
    SeedPost(
        "done-praise",
        "mastodon",
        "priya.writes@social.example",
        "Priya Patel",
        1105,
        20.0,
        "Brightwave's new Flux Pro keyboard is the best I've typed on. Thank you for bringing back real key travel!",
    ),
    SeedPost(
        "done-lead",
        "email",
        "procurement@northfield-school.example",
        "Northfield School",
        0,
        22.0,
        "We are looking to buy 30 Brightwave Flux 13 laptops for our students. Do you offer education pricing?",
    ),
)

CUSTOMERS = (  # name, handle on that channel, channel, tier, tags, the team's note
    ("Rosa Costa", "rosa_costa@social.example", "mastodon", "vip", ("care-plan",), "Care plan since 2024."),
    ("Mara Lindqvist", "mara_codes", "reddit", "", ("advocate",), "Answers Aero questions on r/laptops unasked."),
    ("Ines Alvarez", "ines.alvarez@mail.example", "email", "", ("returns",), "Return RMA-2231 (Flux 13, dead pixel)."),
    ("Hana Tanaka", "hana.tanaka@mail.example", "email", "vip", ("care-plan",), "Prefers a phone call back."),
    (
        "Northfield School",
        "procurement@northfield-school.example",
        "email",
        "",
        ("education", "b2b"),
        "40 Flux 13 for the new lab; quote requested.",
    ),
)


def _utc(clock: Callable[[], datetime]) -> datetime:
    now = clock()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def seed(ws: Workspace) -> bool:
    """Write the demo's team, rules, customers, incident and cases once (False when the database has cases
    or rules already: a demo someone has worked in is left as it is)."""
    if ws.rules.list() or ws.cases.repo.queue_count("all", "", ws.cases.now()) or ws.cases.repo.incidents():
        return False
    now = _utc(ws.clock)
    if not ws.settings.extra.get("brand"):
        ws.set_brand(DEMO_BRAND)
    ws.cases.repo.register_agent(TEAMMATE[0], TEAMMATE[1], now - timedelta(days=3))
    ids = _posts(ws, now)
    _customers(ws, ids)
    incident = _incident(ws, now)
    _cases(ws, ids, now)
    for rule in RULES:
        ws.rules.save(rule)
    _vip_writes_again(ws, now)
    log.info("demo workspace seeded: %d posts, %d rules, incident #%d", len(ids), len(RULES), incident)
    return True


def _posts(ws: Workspace, now: datetime) -> dict[str, int]:
    items = [
        PostIn(
            channel=p.channel,
            external_id=f"demo-seed:{p.key}",
            text=p.text,
            created_at=(now - timedelta(hours=p.hours_ago)).replace(tzinfo=UTC),
            author_handle=p.handle,
            author_name=p.name,
            author_followers=p.followers or None,
        )
        for p in POSTS
    ]
    report = ws.ingestor.ingest(items)
    if report.first_id is None or report.last_id is None:
        return {}
    stored = ws.db.posts.by_ids(range(report.first_id, report.last_id + 1))
    return {p.external_id.removeprefix("demo-seed:"): p.id for p in stored if p.external_id.startswith("demo-seed:")}


def _customers(ws: Workspace, ids: dict[str, int]) -> None:
    for name, handle, channel, tier, tags, note in CUSTOMERS:
        profile = ws.customers.find_profile(channel, handle)
        if profile is None:
            continue
        email = handle if channel == "email" else ""
        customer = ws.customers.create(name, email=email, tier=tier, tags=tags, note=note, actor=TEAMMATE[1])
        ws.customers.link(profile.author_id, customer.id, actor=TEAMMATE[1])
        if tier == "vip":
            ws.rules.set_vip(profile.author_id)


VIP_AGAIN = SeedPost(
    "vip-again",
    "email",
    "hana.tanaka@mail.example",
    "Hana Tanaka",
    0,
    0.4,
    "Third cancelled Brightwave Care visit on my care plan. I pay for priority service and I am very disappointed. "
    "Please call me today.",
)


def _vip_writes_again(ws: Workspace, now: datetime) -> None:
    """A VIP customer writes after the rules are in place: "VIP customers unhappy" fires at ingest, as it would
    on a real day, and opens the urgent case the lead is told about (the queue's top row)."""
    p = VIP_AGAIN
    created = (now - timedelta(hours=p.hours_ago)).replace(tzinfo=UTC)
    ws.ingestor.ingest(
        [PostIn(p.channel, f"demo-seed:{p.key}", p.text, created, author_handle=p.handle, author_name=p.name)]
    )


def _incident(ws: Workspace, now: datetime) -> int:
    service = dataclasses.replace(ws.cases, clock=lambda: now - timedelta(hours=2))
    incident = service.open_incident(
        INCIDENT["title"],
        INCIDENT["severity"],
        TEAMMATE[1],
        root_cause=INCIDENT["root_cause"],
        status_url=INCIDENT["status_url"],
        keywords=INCIDENT["keywords"],
    )
    return int(incident.id)


def _at(ws: Workspace, when: datetime) -> Any:
    """The case service as it was at `when` (the seeded history keeps its own times)."""
    return dataclasses.replace(ws.cases, clock=lambda: when)


def _cases(ws: Workspace, ids: dict[str, int], now: datetime) -> None:
    sam = TEAMMATE[1]
    hours = {p.key: p.hours_ago for p in POSTS}

    def opened(key: str, priority: int | None = None, minutes_later: float = 4) -> Any:
        when = now - timedelta(hours=hours[key]) + timedelta(minutes=minutes_later)
        return _at(ws, when).open_from_post(ids[key], sam, priority=priority), when

    def answer(case: Any, when: datetime, text: str, template: str = "") -> None:
        service = _at(ws, when)
        service.claim(case.id, sam)
        item = service.queue_reply(case.id, sam, text, service.repo.get(case.id).version, template)
        service.repo.move(item.id, ("manual", "queued"), when, state="sent", sent_at=when)

    # open work: each kind of case the demo produces; the no-shows join the running incident by themselves
    for key in ("noshow-1", "noshow-2"):
        if key in ids:
            opened(key, priority=2)
    if "refund" in ids:
        opened("refund", priority=3)
    if "praise" in ids:
        opened("praise", priority=4)
    if "lead" in ids:
        case, when = opened("lead", priority=2)
        _at(ws, when).assign(case.id, sam, "queue:sales")
    if "question" in ids:
        opened("question", priority=3)
    if "waiting" in ids:
        case, when = opened("waiting", priority=3)
        answer(
            case,
            when + timedelta(minutes=25),
            "Hi Gus, Sam from Brightwave here. Sorry about the charging limit. Could you tell us the battery health"
            " shown in Settings > Battery, so we can see whether the update or the battery is at fault?",
        )
        _at(ws, when + timedelta(minutes=26)).wait_for_customer(case.id, sam)
    if "held" in ids:
        case, when = opened("held", priority=2)
        live = _at(ws, now - timedelta(minutes=2))
        live.claim(case.id, sam)
        live.add_note(case.id, sam, "Asked the warehouse for the shipping photos of this order before replying.")

    # yesterday: answered and resolved, so the history and the KPIs have something to show
    done = (
        (
            "done-noshow",
            "rebooked",
            "Hi Hana, Sam from Brightwave here. I'm sorry the technician did not come. I have booked a priority"
            " visit for Saturday 9-11 and you will get a confirmation by email today.",
        ),
        (
            "done-refund",
            "refunded",
            "Hi Kofi, Sam from Brightwave here. Sorry for the wait: your refund was sent today and should reach your"
            " card within 3 working days.",
        ),
        (
            "done-praise",
            "answered",
            "Thank you so much, Priya! The whole Brightwave team is glad to hear it. Sam",
        ),
        (
            "done-lead",
            "sold",
            "Thanks for your interest! I'm Sam from Brightwave. A colleague from our education team will email you"
            " a quote for 30 Flux 13 laptops by tomorrow.",
        ),
    )
    for key, outcome, text in done:
        if key not in ids:
            continue
        case, when = opened(key, minutes_later=6)
        answer(case, when + timedelta(minutes=35), text)
        _at(ws, when + timedelta(hours=3)).resolve(case.id, sam, outcome)


# ---- the care history behind the reports ---------------------------------------------------------------------
AGENTS = ("Ana", "Ben", "Chloé")
OUTCOMES = (  # (decision-tree action, outcome title), as in resources/decision_tree.yaml
    ("respond", "Rectify with a canned reply"),
    ("respond", "Rectify with a personal reply"),
    ("respond", "Fix the facts"),
    ("monitor", "Monitor only"),
)
CRISIS_OUTCOME = ("open_incident", "Open or join an incident")
REPLY = "Sorry about this. We are looking into it now and will follow up here."
STATUS_UPDATE = "Update: extra technicians are booked for every missed visit; we will confirm your new slot today."
CASES = 36
CRISIS_CASES = 12


def seed_care_history(ws: Workspace, seed: int = 7) -> int:
    """A day of care work behind the demo's reports, written once (none when the workspace already has cases in
    the last day by its agents): cases for negative posts, decided, answered and resolved by three agents at
    plausible times (a few late, a few not yet answered), and the crisis's cases linked to the demo's incident (the
    one `seed` opened; opened here, then resolved, where it did not run), with a status update. The cases `seed`
    and the rules opened are left as they are. The cases made."""
    now = _utc(ws.clock)
    recent = CaseReports(ws.db.engine).kpi_rows(now - timedelta(days=2), now + timedelta(minutes=1))
    if any(r.agent in AGENTS for r in recent):  # `seed`'s own cases (Sam's) do not count: they are always there
        return 0
    rng = random.Random(seed)
    seeder = _Seeder(ws.cases.repo, rng, now)

    def without_case(query: str, limit: int) -> list[Any]:
        return [p for p in ws.db.posts.page(to_sql(parse(query)), limit=limit) if not p.status][::-1]  # oldest first

    negative = without_case("sentiment:negative -channel:rss", 2000)
    crisis = without_case('topic:"Brightwave Care" sentiment:negative', 400)
    crisis_ids = {p.id for p in crisis}
    made = [seeder.case(p) for p in _spread([p for p in negative if p.id not in crisis_ids], CASES)]
    linked = [seeder.case(p, CRISIS_OUTCOME) for p in _spread(crisis, CRISIS_CASES)]
    if linked:
        running = [i for i in ws.cases.repo.incidents() if i.title == INCIDENT["title"]]
        seeder.incident(linked, running[0].id if running else None)
    return len(made) + len(linked)


def _spread(found: list[Any], n: int) -> list[Any]:
    """n posts spread over the list (the day, oldest to newest), not the n newest."""
    if len(found) <= n:
        return list(found)
    step = len(found) / n
    return [found[int(i * step)] for i in range(n)]


class _Seeder:
    def __init__(self, repo: CaseRepo, rng: random.Random, now: datetime) -> None:
        self.repo, self.rng, self.now = repo, rng, now

    def _at(self, after: datetime, low_min: float, high_min: float) -> datetime | None:
        at = after + timedelta(minutes=self.rng.uniform(low_min, high_min))
        return at if at < self.now else None

    def case(self, post: Any, outcome: tuple[str, str] | None = None) -> int:
        opened = min(post.created_at + timedelta(minutes=self.rng.uniform(1, 12)), self.now)
        priority = 1 if outcome else self.rng.choice((2, 3, 3, 3))
        agent = self.rng.choice(AGENTS)
        values = {
            "channel": post.channel,
            "author_handle": post.author_handle,
            "author_name": post.author_name,
            "subject": " ".join((post.title or post.text).split())[:200],
            "priority": priority,
            "sla_due": opened + SLA_BY_PRIORITY[priority],
        }
        case = self.repo.open_case(post.id, values, "rules", opened)
        action, title = outcome or self.rng.choice(OUTCOMES)
        decided = self._at(opened, 2, 40)
        if decided is None:
            return case.id
        decision = {"outcome": {"action": action, "title": title}, "agent": agent}
        detail = {"action": action, "outcome": title}
        values = {"decision": decision, "status": "open", "assignee": agent}
        self.repo.update(case.id, agent, decided, "decided", detail, **values)
        slow = self.rng.random() < 0.15  # a few answers miss the SLA
        answered = self._at(decided, 60 * 5 if slow else 3, 60 * 8 if slow else 90)
        if answered is None or action == "monitor":
            return case.id
        self._reply(case.id, post.channel, REPLY, agent, answered)
        resolved = self._at(answered, 20, 240)
        if resolved is not None and self.rng.random() < 0.8:
            how = self.rng.choice(("answered", "answered", "fixed", "rebooked", "refunded"))
            detail = {"status": "resolved", "outcome": how}
            self.repo.update(
                case.id, agent, resolved, "resolved", detail, status="resolved", resolved_at=resolved, resolution=how
            )
        return case.id

    def _reply(
        self, case_id: int, channel: str, text: str, agent: str, at: datetime, incident: int | None = None
    ) -> None:
        reply = NewReply(channel=channel, text=text, manual=True)
        item = self.repo.queue_reply(case_id, reply, agent, at, incident_id=incident)
        self.repo.move(item.id, ("manual",), at + timedelta(minutes=2), state="sent", sent_at=at + timedelta(minutes=2))

    def incident(self, case_ids: list[int], running: int | None = None) -> None:
        """Link the crisis cases to the `running` incident, or to one opened (and later resolved) here."""
        first = self.repo.get(case_ids[0])
        opened = first.created_at + timedelta(minutes=20)
        if running is None:
            incident = self.repo.create_incident(
                INCIDENT["title"],
                INCIDENT["severity"],
                "Ana",
                min(opened, self.now),
                status_url=INCIDENT["status_url"],
                keywords=INCIDENT["keywords"],
            )
        else:
            incident = self.repo.incident(running)
            opened = max(opened, incident.created_at)  # a case is linked once the incident is there, not before
        linked: list[tuple[datetime, int]] = []
        for case_id in case_ids:
            case = self.repo.get(case_id)
            at = max(case.created_at, opened) + timedelta(minutes=5)
            if at >= self.now:
                continue
            detail = {"incident_id": incident.id, "title": incident.title}
            self.repo.update(case_id, "Ana", at, "linked_incident", detail, incident_id=incident.id, scope="macro")
            linked.append((at, case_id))
        if not linked:
            return
        cases = {case_id: self.repo.get(case_id) for _at, case_id in linked}

        def still_open(case_id: int, when: datetime) -> bool:
            done = cases[case_id].resolved_at or cases[case_id].closed_at
            return done is None or done > when

        # mid-crisis (or later, where the day's first linked cases were all answered by then), to the cases
        # linked and still open at that time: the timeline always shows the update when one could be sent
        update_at, to = None, []
        for linked_at, _case_id in linked[len(linked) // 2 :]:
            when = linked_at + timedelta(minutes=15)
            to = [case_id for at, case_id in linked if at < when and still_open(case_id, when)]
            if when < self.now and to:
                update_at = when
                break
        if update_at is not None:
            for case_id in to:
                self._reply(case_id, cases[case_id].channel, STATUS_UPDATE, "Ana", update_at, incident.id)
            if running is None:
                self.repo.update_incident(incident.id, update_at, status="monitoring")
        resolved = linked[-1][0] + timedelta(hours=2)
        if running is None and resolved < self.now:  # the demo's running incident stays running
            self.repo.update_incident(
                incident.id, resolved, status="resolved", resolved_at=resolved, root_cause=INCIDENT["root_cause"]
            )

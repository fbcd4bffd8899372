"""The demo workspace alive on first start: business rules that open cases, a running incident, known customers,
a teammate, and a day of care history (answered, resolved, waiting, held by a colleague) with KPIs behind it.

Everything here is written for this project (Brightwave laptops and its at-home repair service Brightwave Care, as
in the demo plugin); the times are relative to the first start so the queue always looks like this morning's.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm_desktop.core.rules import Action, Rule
from scrm_desktop.listening.api import PostIn

log = logging.getLogger(__name__)

TEAMMATE = ("demo-teammate-sam", "Sam Reyes")  # a colleague on the same (demo) database
DEMO_BRAND = "Brightwave"
INCIDENT = {
    "title": "Brightwave Care technicians not arriving for booked visits",
    "severity": 3,
    "root_cause": "The dispatch partner's scheduling system dropped this morning's bookings",
    "status_url": "https://status.brightwave.example/incidents/care-dispatch",
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

CUSTOMERS = (  # name, handle on that channel, channel, tier, tags
    ("Rosa Costa", "rosa_costa@social.example", "mastodon", "vip", ("care-plan",)),
    ("Mara Lindqvist", "mara_codes", "reddit", "", ("advocate",)),
    ("Ines Alvarez", "ines.alvarez@mail.example", "email", "", ("returns",)),
    ("Hana Tanaka", "hana.tanaka@mail.example", "email", "vip", ("care-plan",)),
    ("Northfield School", "procurement@northfield-school.example", "email", "", ("education", "b2b")),
)


def _utc(clock: Callable[[], datetime]) -> datetime:
    now = clock()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def seed(ws: Any) -> bool:
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
    _cases(ws, ids, now, incident)
    for rule in RULES:
        ws.rules.save(rule)
    log.info("demo workspace seeded: %d posts, %d rules, incident #%d", len(ids), len(RULES), incident)
    return True


def _posts(ws: Any, now: datetime) -> dict[str, int]:
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


def _customers(ws: Any, ids: dict[str, int]) -> None:
    for name, handle, channel, tier, tags in CUSTOMERS:
        profile = ws.customers.find_profile(channel, handle)
        if profile is None:
            continue
        customer = ws.customers.create(name, tier=tier, tags=tags, actor=TEAMMATE[1])
        ws.customers.link(profile.author_id, customer.id, actor=TEAMMATE[1])
        if tier == "vip":
            ws.rules.set_vip(profile.author_id)


def _incident(ws: Any, now: datetime) -> int:
    service = dataclasses.replace(ws.cases, clock=lambda: now - timedelta(hours=2))
    incident = service.open_incident(
        INCIDENT["title"],
        INCIDENT["severity"],
        TEAMMATE[1],
        root_cause=INCIDENT["root_cause"],
        status_url=INCIDENT["status_url"],
    )
    return int(incident.id)


def _at(ws: Any, when: datetime) -> Any:
    """The case service as it was at `when` (the seeded history keeps its own times)."""
    return dataclasses.replace(ws.cases, clock=lambda: when)


def _cases(ws: Any, ids: dict[str, int], now: datetime, incident: int) -> None:
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

    # open work: each kind of case the demo produces
    for key in ("noshow-1", "noshow-2"):
        if key in ids:
            case, when = opened(key, priority=2)
            _at(ws, when + timedelta(minutes=3)).link(case.id, incident, sam)
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

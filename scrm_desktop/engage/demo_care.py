"""A day of sample care work for the demo workspace, so its care report and audit have something to show: cases for
negative posts, answered and resolved by three agents at plausible times (a few late, a few not yet answered), and
one incident for the Brightwave Care crisis with its linked cases, a status update and its resolution."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from scrm_desktop.core.query import parse
from scrm_desktop.engage.cases import SLA_BY_PRIORITY
from scrm_desktop.engage.outbox import naive
from scrm_desktop.store.case_reports import CaseReports
from scrm_desktop.store.cases import CaseRepo, NewReply
from scrm_desktop.store.query_sql import to_sql

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


def ensure_demo_care(ws: Any, seed: int = 7) -> int:
    """Open the sample cases once (none when the workspace already has cases in the last day); the cases made."""
    now = naive(ws.clock())
    if CaseReports(ws.db.engine).kpi_rows(now - timedelta(days=2), now + timedelta(minutes=1)):
        return 0
    rng = random.Random(seed)
    seeder = _Seeder(ws.cases.repo, rng, now)
    negative = ws.db.posts.page(to_sql(parse("sentiment:negative -channel:rss")), limit=2000)[::-1]  # oldest first
    crisis = ws.db.posts.page(to_sql(parse('topic:"Brightwave Care" sentiment:negative')), limit=400)[::-1]
    crisis_ids = {p.id for p in crisis}
    made = [seeder.case(p) for p in _spread([p for p in negative if p.id not in crisis_ids], CASES)]
    linked = [seeder.case(p, CRISIS_OUTCOME) for p in _spread(crisis, CRISIS_CASES)]
    if linked:
        seeder.incident(linked)
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

    def incident(self, case_ids: list[int]) -> None:
        first = self.repo.get(case_ids[0])
        opened = first.created_at + timedelta(minutes=20)
        incident = self.repo.create_incident(
            "Brightwave Care technicians not turning up",
            3,
            "Ana",
            min(opened, self.now),
            status_url="https://status.brightwave.example/care",
        )
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
        update_at = linked[len(linked) // 2][0] + timedelta(minutes=15)  # mid-crisis, to the cases linked by then
        if update_at < self.now:
            for at, case_id in linked:
                case = self.repo.get(case_id)
                if at < update_at and case.status not in ("resolved", "closed"):
                    self._reply(case_id, case.channel, STATUS_UPDATE, "Ana", update_at, incident.id)
            self.repo.update_incident(incident.id, update_at, status="monitoring")
        resolved = linked[-1][0] + timedelta(hours=2)
        if resolved < self.now:
            cause = "A scheduling change double-booked technicians in two regions"
            self.repo.update_incident(incident.id, resolved, status="resolved", resolved_at=resolved, root_cause=cause)

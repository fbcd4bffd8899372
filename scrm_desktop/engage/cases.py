"""The case service: open cases from posts, claim them, walk the decision tree, draft and queue replies,
and run incidents (macro issues) whose status updates go to every linked case through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.post import Post
from scrm_desktop.core.rules import CASE_PRIORITY, effects
from scrm_desktop.core.sentiment import Analyzer
from scrm_desktop.engage.decision_facts import facts_for_case
from scrm_desktop.engage.decision_tree import DecisionSession, DecisionTree, Fact, default_tree
from scrm_desktop.engage.incident_match import auto_link, check_keywords
from scrm_desktop.engage.outbox import naive
from scrm_desktop.engage.templates import (
    Template,
    check_reply,
    default_templates,
    display_name,
    first_name,
    public_status,
    render,
    suggest,
)
from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.store.cases import (
    CASE_STATUSES,
    Case,
    CaseOpening,
    CaseRepo,
    Draft,
    Incident,
    NewReply,
    OutboxItem,
    QueueFilter,
    QueueRow,
    incidents_in,
    open_cases_in,
)
from scrm_desktop.store.posts import PostRepo
from scrm_desktop.store.rule_actions import CASE_ACTIONS, RuleOpening
from scrm_desktop.store.sources import SourceRepo

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from scrm_desktop.store.customers import CustomerRepo
    from scrm_desktop.store.topics import TopicRepo

SLA_BY_PRIORITY = {1: timedelta(hours=1), 2: timedelta(hours=4), 3: timedelta(hours=24), 4: timedelta(hours=72)}
PRIORITY_BY_CRISIS_LEVEL = {5: 1, 4: 1, 3: 1, 2: 2, 1: 2}
LEASE_S = 15 * 60  # a claim lapses after 15 minutes without activity
PRESENCE_TTL_S = 120
# how a case was resolved (cases.resolution): the care report counts cases by these
RESOLUTIONS = ("answered", "fixed", "refunded", "rebooked", "sold", "no action needed", "duplicate", "spam")


TEAM_QUEUES = {"sales": "queue:sales"}  # queue views of a team: the cases assigned to the team's queue


def store_view(flt: QueueFilter, agent: str) -> tuple[QueueFilter, str]:
    """The store's filter and owner for a queue view: a team's view (`sales`) is the cases assigned to its queue,
    which the store reads as that queue's "mine"; `support` is every open case but the teams' queues' ones; any
    other view is the store's own, for the agent."""
    if flt.view == "support":
        return replace(flt, view="all", exclude_assignees=tuple(TEAM_QUEUES.values())), agent
    team = TEAM_QUEUES.get(flt.view)
    return (replace(flt, view="mine"), team) if team else (flt, agent)


def case_values(post: Post, priority: int, now: datetime, assignee: str = "") -> dict[str, Any]:
    """The columns of a case opened on a post, by an agent or by a rule: the one definition of its subject and
    SLA due time."""
    return {
        "channel": post.channel,
        "author_handle": post.author_handle,
        "author_name": post.author_name,
        "subject": (post.title or post.text).strip().replace("\n", " ")[:200],
        "status": "new",
        "priority": priority,
        "scope": "",
        "assignee": assignee,
        "decision": {},
        "sla_due": now + SLA_BY_PRIORITY.get(priority, SLA_BY_PRIORITY[3]),
        "incident_id": None,
    }


def _rule_opening(fired: RuleOpening) -> CaseOpening:
    result = effects(fired.hits)
    opener = next(h for h in fired.hits if h["action"] in CASE_ACTIONS)
    values = case_values(fired.post, CASE_PRIORITY.get(result.priority, 3), fired.at, result.assignee)
    notes = [h["value"] for h in fired.hits if h["action"] == "case" and h["value"]]
    detail: dict[str, Any] = {"rule": opener["rule_name"], "rule_id": opener["rule_id"]}
    detail["note"] = "; ".join(notes)[:1000]
    if result.priority:
        detail["priority"] = result.priority
    if result.assignee:
        detail["assignee"] = result.assignee
    return CaseOpening(fired.post.id, values, f"rule: {opener['rule_name']}", detail)


class ClaimRefused(RuntimeError):
    """Someone else holds the case; the message names them."""


class ReplyRefused(ValueError):
    """The reply cannot be queued yet (placeholders, too long, not claimed); the message says why."""


@dataclass
class CaseService:
    repo: CaseRepo
    posts: PostRepo
    sources: SourceRepo
    registry: PluginRegistry
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    analyzer: Analyzer | None = None
    brand: str = ""
    tree: DecisionTree = field(default_factory=default_tree)
    templates: list[Template] = field(default_factory=default_templates)
    # the case priority business rules gave a post (`priority:` actions), used when an agent opens its case
    rule_priority: Callable[[int], int | None] | None = None
    # what the decision tree may know about a case (None: that feature is not installed): spike alerts, customers
    topics: TopicRepo | None = None
    customers: CustomerRepo | None = None

    def now(self) -> datetime:
        return naive(self.clock())

    # ---- cases -------------------------------------------------------------------------------------------
    def open_from_post(self, post_id: int, agent: str, priority: int | None = None) -> Case:
        """Open (or return) the post's case; without a priority, the one rules set for the post, else normal (3)."""
        post = self.posts.get(post_id)
        if post is None:
            raise LookupError(f"there is no post #{post_id}")
        if priority is None:
            priority = (self.rule_priority(post_id) if self.rule_priority else None) or 3
        now = self.now()
        if (case_id := self.repo.case_for_post(post_id)) is not None:
            return self.repo.get(case_id)
        opening = self._joining(CaseOpening(post_id, case_values(post, priority, now), agent), post, now)
        return self.repo.open_case(post_id, opening.values, agent, now, linked=opening.linked)

    def open_for_rules(self, conn: Connection, openings: Sequence[RuleOpening]) -> None:
        """Open the cases business rules asked for, in the ingest transaction `conn` (the rules post stage): the
        last priority and assignee the post's rules set win; "opened by rule X" goes in the history, and a case
        whose post matches a running incident is linked to it. A post that has a case already keeps it as it is."""
        running = incidents_in(conn) if openings else []
        by_time: dict[datetime, list[CaseOpening]] = {}
        for fired in openings:
            by_time.setdefault(fired.at, []).append(self._joining(_rule_opening(fired), fired.post, fired.at, running))
        for at, batch in by_time.items():
            open_cases_in(conn, batch, at)

    def _joining(
        self, opening: CaseOpening, post: Post, at: datetime, running: Sequence[Incident] | None = None
    ) -> CaseOpening:
        """The opening, linked to the running incident its post matches (engage/incident_match.auto_link): the
        case is born macro, in that incident, and its history says why."""
        found = auto_link(post, self.repo.incidents() if running is None else running, at, self.brand)
        if found is None:
            return opening
        values = {**opening.values, "incident_id": found.incident.id, "scope": "macro"}
        return replace(opening, values=values, linked=found.detail())

    def claim(self, case_id: int, agent: str) -> Case:
        if not agent.strip():
            raise ClaimRefused("set your agent name first (Settings) so teammates see who holds a case")
        if not self.repo.claim(case_id, agent, self.now(), LEASE_S):
            case = self.repo.get(case_id)
            raise ClaimRefused(
                f"case #{case_id} is held by {case.claimed_by} until {case.lease_expires:%H:%M} UTC "
                "(the claim lapses after 15 minutes without activity)"
            )
        self.repo.mark_presence(case_id, agent, "viewing", self.now(), PRESENCE_TTL_S)
        return self.repo.get(case_id)

    def touch(self, case_id: int, agent: str, activity: str = "viewing") -> bool:
        """The agent is active on the case: renew the lease and the presence marker."""
        self.repo.mark_presence(case_id, agent, activity, self.now(), PRESENCE_TTL_S)
        return self.repo.renew(case_id, agent, self.now(), LEASE_S)

    def release(self, case_id: int, agent: str) -> None:
        self.repo.release(case_id, agent, self.now())
        self.repo.clear_presence(case_id, agent)

    def others_here(self, case_id: int, agent: str) -> list[tuple[str, str]]:
        return [(a, act) for a, act in self.repo.presence(case_id, self.now()) if a != agent]

    def set_status(self, case_id: int, agent: str, status: str) -> Case:
        if status not in CASE_STATUSES:
            raise ValueError(f"unknown status {status!r} (one of: {', '.join(CASE_STATUSES)})")
        values: dict[str, Any] = {"status": status}
        if status == "resolved":
            values["resolved_at"] = self.now()
        if status == "closed":
            values["closed_at"] = self.now()
        return self.repo.update(case_id, agent, self.now(), "status", {"status": status}, **values)

    def assign(self, case_id: int, agent: str, assignee: str) -> Case:
        """Give the case to a teammate (or back to the pool with ""): our claim goes, so they can take it."""
        assignee = " ".join(assignee.split())
        case = self.repo.update(case_id, agent, self.now(), "assigned", {"assignee": assignee}, assignee=assignee)
        if assignee != agent:
            self.release(case_id, agent)
            case = self.repo.get(case_id)
        return case

    def resolve(self, case_id: int, agent: str, outcome: str, note: str = "") -> Case:
        """The matter is dealt with: resolved with an outcome (counted in the KPIs); the claim is let go."""
        if outcome not in RESOLUTIONS:
            raise ValueError(f"unknown outcome {outcome!r} (one of: {', '.join(RESOLUTIONS)})")
        now = self.now()
        detail = {"status": "resolved", "outcome": outcome} | ({"note": note} if note else {})
        values = {"status": "resolved", "resolution": outcome, "resolved_at": now, "snoozed_until": None}
        case = self.repo.update(case_id, agent, now, "resolved", detail, **values)
        self.release(case_id, agent)
        return case

    def close(self, case_id: int, agent: str) -> Case:
        """Closed for good (no more work, e.g. after the customer confirmed); the claim is let go."""
        case = self.set_status(case_id, agent, "closed")
        self.release(case_id, agent)
        return case

    def wait_for_customer(self, case_id: int, agent: str) -> Case:
        """Waiting on the customer's answer: the case leaves "mine" when the claim lapses, the SLA clock is met."""
        case = self.repo.update(case_id, agent, self.now(), "waiting", {"status": "waiting"}, status="waiting")
        self.release(case_id, agent)
        return case

    def snooze(self, case_id: int, agent: str, until: datetime) -> Case:
        """Out of every queue (but "Snoozed") until `until`, then back where it was; the claim is let go."""
        until = naive(until)
        if until <= self.now():
            raise ValueError("snooze until a time in the future")
        case = self.repo.update(
            case_id, agent, self.now(), "snoozed", {"until": until.isoformat(timespec="minutes")}, snoozed_until=until
        )
        self.release(case_id, agent)
        return case

    def set_priority(self, case_id: int, agent: str, priority: int) -> Case:
        """P1 urgent .. P4 low; the SLA due time follows (counted from when the case opened)."""
        if priority not in SLA_BY_PRIORITY:
            raise ValueError("priority is 1 (urgent) to 4 (low)")
        case = self.repo.get(case_id)
        detail = {"from": case.priority, "to": priority}
        due = case.created_at + SLA_BY_PRIORITY[priority]
        return self.repo.update(case_id, agent, self.now(), "priority", detail, priority=priority, sla_due=due)

    def add_note(self, case_id: int, agent: str, text: str) -> None:
        """An internal note for teammates (never sent to the customer)."""
        text = text.strip()
        if not text:
            raise ValueError("the note is empty")
        self.repo.add_event(case_id, agent, self.now(), "note", {"text": text[:4000]})

    def add_post(self, case_id: int, post_id: int, agent: str) -> Case:
        """Add another post (a follow-up, the same matter elsewhere) to an open case."""
        return self.repo.add_post(case_id, post_id, agent, self.now())

    def case_for_post(self, post_id: int) -> Case | None:
        case_id = self.repo.case_for_post(post_id)
        return None if case_id is None else self.repo.get(case_id)

    def next_case(self, agent: str, view: str = "mine", after: int | None = None) -> Case | None:
        """The case to work next: the first of `view` nobody else holds (then of the support queue, then of all
        open cases), skipping `after`: a support view never hands over a sales lead while support work waits."""
        now = self.now()
        for name in dict.fromkeys((view, "support", "all")):
            for row in self.queue_page(QueueFilter(name), agent, now, limit=50):
                if row.case.id != after and row.case.holder(now) in (None, agent):
                    return row.case
        return None

    def queue_page(
        self, flt: QueueFilter, agent: str, now: datetime, *, offset: int = 0, limit: int = 200
    ) -> list[QueueRow]:
        """One page of a queue view: the store's views, a team's (`sales`: the cases routed to `queue:sales`) and
        `support` (every open case but the teams' ones), in the store's order."""
        flt, owner = store_view(flt, agent)
        return self.repo.queue_page(flt, owner, now, offset=offset, limit=limit)

    def queue_count(self, flt: QueueFilter, agent: str, now: datetime) -> int:
        """How many cases a queue view holds, the team views and `support` included."""
        flt, owner = store_view(flt, agent)
        return self.repo.queue_count(flt, owner, now)

    # ---- agents ------------------------------------------------------------------------------------------
    def register_agent(self, agent_id: str, name: str) -> None:
        """This desktop's agent on the database (AgentNameTaken when a teammate uses the name)."""
        self.repo.register_agent(agent_id, name, self.now())

    def teammates(self, agent: str) -> list[str]:
        """The other agents' names, for "assign to"."""
        return [a.name for a in self.repo.agents() if a.name != agent]

    # ---- the decision tree -------------------------------------------------------------------------------
    def start_decision(self, agent: str, case: Case | None = None) -> DecisionSession:
        """A walk of the tree; for a case, the questions the app can answer from what it knows are answered."""
        facts = self.decision_facts(case) if case is not None else {}
        return DecisionSession(self.tree, agent=agent, clock=self.clock, facts=facts)

    def decision_facts(self, case: Case) -> dict[str, Fact]:
        """The case's facts for the tree: its post, open incidents, spikes on its topics, customer, earlier cases."""
        post = self.posts.get(case.post_id) if case.post_id else None
        if post is None:
            return {}
        spikes, broad = [], []
        if self.topics is not None and post.topics:
            spikes = self.topics.alerts(limit=200)
            broad = [t.name for t in self.topics.list() if t.kind != "topic"]
        customer = None
        if self.customers is not None and post.author_id is not None:
            customer = self.customers.customer_for_author(post.author_id)
        unlinked = {e.detail.get("incident_id") for e in self.repo.events(case.id) if e.kind == "unlinked_incident"}
        incidents = self.repo.incidents(open_only=True)
        others = self.repo.earlier_cases(case.channel, case.author_handle, case.id, later=True)  # one read for both
        return facts_for_case(
            post,
            now=self.now(),
            incidents=incidents,
            linked=next((i for i in incidents if i.id == case.incident_id), None),
            not_about=[i for i in unlinked if isinstance(i, int)],  # the agent said it is not about those
            spikes=spikes,
            broad_topics=broad,
            customer=customer,
            earlier=[c for c in others if c.id < case.id],
            others=others,
            brand=self.brand,
        )

    def record_decision(self, case_id: int, session: DecisionSession) -> Case:
        """Store the walk (path, answers, agent, times, outcome) and apply what it decided."""
        outcome = session.outcome
        if outcome is None:
            raise ValueError("the decision is not finished yet")
        values: dict[str, Any] = {"decision": session.record(), "status": "open"}
        if outcome.scope:
            values["scope"] = outcome.scope
        if outcome.crisis_level:
            values["priority"] = PRIORITY_BY_CRISIS_LEVEL[outcome.crisis_level]
            values["sla_due"] = self.repo.get(case_id).created_at + SLA_BY_PRIORITY[values["priority"]]
        detail = {"action": outcome.action, "outcome": outcome.title, "notify": outcome.notify}
        return self.repo.update(case_id, session.agent, self.now(), "decided", detail, **values)

    # ---- replies -----------------------------------------------------------------------------------------
    def context(self, case: Case, agent: str, incident: Incident | None = None) -> dict[str, Any]:
        return {
            "first_name": first_name(case.author_name, case.author_handle),
            "author_name": case.author_name or case.author_handle,
            "handle": case.author_handle,
            "brand": self.brand,
            "case_id": case.id,
            "agent_name": display_name(agent),  # signed as the agent's name ("ana" -> "Ana"), never "agent"
            "incident_url": incident.status_url if incident else "",
            "incident_status": public_status(incident),
        }

    def reply_category(self, case: Case) -> str:
        """The template category a reply most likely needs when the agent replies without walking the tree:
        the decision's when there is one, else from the post (a lead, praise, an incident's case, a complaint)."""
        decided = (case.decision.get("outcome") or {}).get("category", "") if case.decision else ""
        if decided:
            return str(decided)
        if case.incident_id:
            return "status_update"
        post = self.posts.get(case.post_id) if case.post_id else None
        if post is None:
            return ""
        if post.is_lead or post.intent == "purchase":
            return "sales_handoff"
        if post.sentiment_label == "positive":
            return "thank_you"
        if post.sentiment_label == "negative" or post.intent in ("venting", "transactional", "request"):
            return "apology"
        return ""

    def suggestions(self, case: Case) -> list[Template]:
        """The templates for the case's reply, best first (engage.templates.suggest), in reply_category's
        category and, for a case linked to an incident, for the incident's state (running or resolved)."""
        category = self.reply_category(case)
        post_text = self.repo.post_text(case.post_id)
        incident = self.repo.incident(case.incident_id) if case.incident_id else None
        state = "" if incident is None else ("resolved" if incident.resolved_at else "open")
        about = "" if incident is None else f"{incident.title}\n{incident.keywords}"
        return suggest(self.templates, post_text, case.channel, category, self.repo.past_replies(), state, about)

    def fill(self, case: Case, template: Template, agent: str) -> str:
        incident = self.repo.incident(case.incident_id) if case.incident_id else None
        return self.render_reply(case, template, agent, incident)

    def render_reply(self, case: Case, template: Template, agent: str, incident: Incident | None) -> str:
        """`fill` with the case's incident already read (the GUI reads it with the case, off its thread)."""
        return render(template.text, self.context(case, agent, incident))

    def save_draft(self, case_id: int, agent: str, text: str, template_id: str = "", base_version: int = 0) -> Draft:
        """Keep the agent's reply; the base version is the case version the agent started from."""
        base = base_version or self.repo.get(case_id).version
        draft = Draft(case_id, agent, text, template_id, base, self.now())
        self.repo.save_draft(draft)
        self.repo.mark_presence(case_id, agent, "replying", self.now(), PRESENCE_TTL_S)
        return draft

    def queue_reply(self, case_id: int, agent: str, text: str, base_version: int, template_id: str = "") -> OutboxItem:
        """Check and queue a reply (StaleCase when the case changed since `base_version`)."""
        case = self.repo.get(case_id)
        if case.holder(self.now()) != agent:
            raise ReplyRefused(
                f"claim case #{case_id} before replying (held by: {case.holder(self.now()) or 'nobody'})"
            )
        check = check_reply(text, case.channel, self.analyzer)
        if not check.ok:
            raise ReplyRefused("; ".join(check.problems))
        reply = self._new_reply(case, text, template_id)
        item = self.repo.queue_reply(case_id, reply, agent, self.now(), base_version=base_version)
        self.repo.renew(case_id, agent, self.now(), LEASE_S)
        return item

    def _new_reply(self, case: Case, text: str, template_id: str = "") -> NewReply:
        post = self.posts.get(case.post_id) if case.post_id else None
        source_name = post.source_name if post else ""
        can_publish = False
        if source_name:
            try:
                plugin = self.registry.get(self.sources.get(source_name).plugin)
                can_publish = plugin.can_publish
            except LookupError:
                can_publish = False
        return NewReply(
            channel=case.channel,
            text=text,
            source_name=source_name,
            in_reply_to=post.external_id if post else "",
            reply_url=post.url if post else "",
            manual=not can_publish,
            template_id=template_id,
        )

    # ---- incidents ---------------------------------------------------------------------------------------
    def open_incident(
        self, title: str, severity: int, agent: str, root_cause: str = "", status_url: str = "", keywords: str = ""
    ) -> Incident:
        """A new incident; `keywords`: phrases people use for it (one a line or between commas), with which new
        cases join it by themselves (engage/incident_match.py)."""
        if not 1 <= severity <= 5:
            raise ValueError("severity is a crisis level from 1 to 5")
        if not title.strip():
            raise ValueError("an incident needs a title")
        return self.repo.create_incident(
            title.strip(),
            severity,
            agent,
            self.now(),
            root_cause=root_cause,
            status_url=status_url,
            keywords=check_keywords(keywords),
        )

    def link(self, case_id: int, incident_id: int, agent: str) -> Case:
        incident = self.repo.incident(incident_id)
        case = self.repo.get(case_id)
        if case.incident_id == incident_id:
            return case  # linked already (perhaps by itself when it opened): nothing to record twice
        detail = {"incident_id": incident_id, "title": incident.title}
        return self.repo.update(
            case_id, agent, self.now(), "linked_incident", detail, incident_id=incident_id, scope="macro"
        )

    def unlink(self, case_id: int, agent: str) -> Case:
        """The case is not part of its incident after all (linked by mistake, or by itself on words that misled):
        out of it, so its status updates no longer reach this customer; the scope goes back to what the decision
        said (micro) or to undecided. The incident is kept out of the case's decision facts from now on."""
        case = self.repo.get(case_id)
        if case.incident_id is None:
            raise ValueError(f"case #{case_id} is not linked to an incident")
        incident = self.repo.incident(case.incident_id)
        scope = "micro" if ((case.decision or {}).get("outcome") or {}).get("scope") == "micro" else ""
        detail = {"incident_id": incident.id, "title": incident.title}
        return self.repo.update(case_id, agent, self.now(), "unlinked_incident", detail, incident_id=None, scope=scope)

    def edit_incident(self, incident_id: int, **values: Any) -> Incident:
        """Change an incident's title, severity, status, root cause, status link or keywords (checked as when
        opened)."""
        if "severity" in values and not 1 <= int(values["severity"]) <= 5:
            raise ValueError("severity is a crisis level from 1 to 5")
        if "title" in values and not str(values["title"]).strip():
            raise ValueError("an incident needs a title")
        if "keywords" in values:
            values["keywords"] = check_keywords(str(values["keywords"]))
        if "status" in values:
            values["resolved_at"] = self.now() if values["status"] == "resolved" else None
        return self.repo.update_incident(incident_id, self.now(), **values)

    def status_update(self, incident_id: int, text: str, agent: str, status: str = "") -> list[OutboxItem]:
        """Queue a status update to every open case linked to the incident ({variables} filled per case)."""
        incident = self.repo.incident(incident_id)
        if status:
            incident = self.repo.update_incident(
                incident_id, self.now(), status=status, resolved_at=self.now() if status == "resolved" else None
            )
        items = []
        for case in self.repo.linked_cases(incident_id):
            if case.status in ("resolved", "closed"):
                continue
            body = render(text, self.context(case, agent, incident))
            check = check_reply(body, case.channel)
            if not check.ok:
                raise ReplyRefused(f"case #{case.id}: " + "; ".join(check.problems))
            reply = self._new_reply(case, body)
            items.append(self.repo.queue_reply(case.id, reply, agent, self.now(), incident_id=incident_id))
        return items

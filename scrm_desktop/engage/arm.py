"""ARM (Action / Reaction / Management) facts for a case: what was said and where, the intent and the cues behind
it, what we know about the author, which business rules fired, and the action taken. Gathered in one call so the
GUI can run it on a worker thread and show the result when it lands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.post import Post
from scrm_desktop.store.case_reports import AuthorRecord, CaseReports
from scrm_desktop.store.cases import Case, CaseEvent, CaseRepo
from scrm_desktop.store.posts import PostRepo

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

PRIVATE_CHANNELS = frozenset({"email", "dm"})  # one-to-one: nobody else reads the conversation


@dataclass(frozen=True)
class ArmFacts:
    case: Case
    post: Post | None
    thread: list[Post]
    private: bool
    cues: Mapping[str, Any]  # trait_cues, intent_cues, lead_products
    corrections: Mapping[str, Mapping[str, str]]  # field -> {auto, value, agent, at}
    author: AuthorRecord | None
    customer: Any | None  # a Customer from ws.customers when that feature is installed
    rules: list[dict[str, Any]]
    events: list[CaseEvent] = field(default_factory=list)
    customers_enabled: bool = False  # the customers feature is installed (so "no record" means something)

    @property
    def decision_path(self) -> list[str]:
        return [step.get("answer", "") for step in (self.case.decision or {}).get("path", [])]

    @property
    def outcome(self) -> Mapping[str, Any] | None:
        return (self.case.decision or {}).get("outcome")


def gather(ws: Workspace, case_id: int, thread_limit: int = 8) -> ArmFacts:
    """Everything the ARM panel shows for a case (several small queries: run it off the GUI thread)."""
    repo: CaseRepo = ws.cases.repo
    posts: PostRepo = ws.db.posts
    case = repo.get(case_id)
    post = posts.get(case.post_id) if case.post_id else None
    reports = CaseReports(ws.db.engine)
    thread = posts.thread(post, limit=thread_limit) if post else []
    cues = reports.classification(post.id) if post else {}
    corrections = ws.corrections.view(post.id) if post and hasattr(ws, "corrections") else {}
    author = reports.author(post.author_id, post.id) if post and post.author_id else None
    customer = None
    if post and post.author_id and hasattr(ws, "customers"):
        customer = ws.customers.customer_for_author(post.author_id)
    rules = ws.rules.hits(post.id) if post and hasattr(ws, "rules") else []
    return ArmFacts(
        case=case,
        post=post,
        thread=thread,
        private=case.channel in PRIVATE_CHANNELS,
        cues=cues,
        corrections=corrections,
        author=author,
        customer=customer,
        rules=rules,
        events=repo.events(case_id),
        customers_enabled=hasattr(ws, "customers"),
    )

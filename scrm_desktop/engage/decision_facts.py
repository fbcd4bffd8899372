"""What the app knows about a case before the agent reads it, as decision-tree facts (see decision_tree.FACTS):
the post's sentiment, intent and trait, crisis words, spikes on its topics, open incidents it matches, the
author's customer record and earlier cases. Pure: the case service gathers the inputs, this weighs them."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from scrm_desktop.core.post import Post
from scrm_desktop.engage.decision_tree import FACTS, Fact
from scrm_desktop.engage.incident_match import brand_words, match_incident, shared, stems
from scrm_desktop.store.cases import Case, Incident
from scrm_desktop.store.customers import Customer
from scrm_desktop.store.topics import Alert

NEGATIVE_AT = -0.3  # "strongly negative": a complaint, not a shrug
POSITIVE_AT = 0.3
COMPLAINT_INTENTS = ("venting", "request", "transactional")
COMPLAINT_TRAITS = ("venting", "passive", "past")
SPIKE_MARGIN = timedelta(hours=3)  # a spike this close to the post's time is about it

CRISIS_WORDS = re.compile(
    r"\b(?:fires?|on fire|smok(?:e|ing)|burn(?:ed|t|s)?|explod\w*|exploded|sparks?|electric shock|injur\w*|"
    r"hospital|unsafe|dangerous|lawyers?|attorneys?|su(?:e|ing)|lawsuit|legal action|court|small claims|"
    r"regulators?|trading standards|ftc|ombudsman|journalists?|reporters?|the press|press inquiry|newspaper|"
    r"going to the media|ceo|founder|executives?)\b",
    re.IGNORECASE,
)
REFUND_WORDS = re.compile(
    r"\b(?:refund\w*|money back|reimburs\w*|charge ?back|cancel(?:l?ing|l?ed)? (?:my |the |our )?"
    r"(?:\w+ )?(?:subscription|plan|order|contract|account|care))\b",
    re.IGNORECASE,
)


def _sentiment(post: Post) -> dict[str, Fact]:
    score = post.sentiment
    strong = "strongly negative" if score <= NEGATIVE_AT else "clearly positive" if score >= POSITIVE_AT else "mild"
    said = f"sentiment {score:+.2f} ({strong})".replace("-", "−")
    return {
        "negative": Fact("negative", score <= NEGATIVE_AT, said),
        "positive": Fact("positive", score >= POSITIVE_AT, said),
    }


def _intent(post: Post) -> dict[str, Fact]:
    intent = f"intent: {post.intent}" if post.intent else "no intent detected"
    purchase = post.intent == "purchase" or post.is_lead
    why_purchase = intent if post.intent == "purchase" else "a sales lead" if post.is_lead else intent
    if post.intent in COMPLAINT_INTENTS:
        complaint, why = True, intent
    elif post.trait in COMPLAINT_TRAITS:
        complaint, why = True, f"trait: {post.trait}"
    else:
        complaint, why = False, f"{intent}, trait: {post.trait or 'none'} (no complaint detected)"
    return {
        "purchase": Fact("purchase", purchase, why_purchase),
        "question": Fact("question", post.intent == "information", intent),
        "complaint": Fact("complaint", complaint, why),
    }


def _words(post: Post) -> dict[str, Fact]:
    text = f"{post.title} {post.text}"
    crisis = sorted({m.group(0).lower() for m in CRISIS_WORDS.finditer(text)})
    refund = sorted({m.group(0).lower() for m in REFUND_WORDS.finditer(text)})
    return {
        "crisis_words": Fact(
            "crisis_words",
            bool(crisis),
            f"crisis words: {', '.join(crisis)}" if crisis else "no crisis words (safety, legal, press, executives)",
        ),
        "refund": Fact(
            "refund", bool(refund), f"asks for: {', '.join(refund)}" if refund else "no refund or cancellation asked"
        ),
    }


def _spike(post: Post, spikes: Sequence[Alert], broad: Collection[str], brand: str) -> Fact:
    """A volume or negative spike on one of the post's topics near its time whose top terms the post shares (two
    of them): a hashtag or the brand's name alone puts every complaint in the topic, similar or not. A spike
    without top terms counts on a topic of its own, never on a broad one (a whole brand)."""
    ignore = brand_words(brand)
    words = stems(f"{post.title} {post.text}", ignore)
    for s in spikes:
        if s.kind not in ("volume", "negative") or s.topic not in post.topics:
            continue
        near = s.window_start - SPIKE_MARGIN <= post.created_at <= s.window_end + SPIKE_MARGIN
        terms = stems(" ".join(s.top_terms), ignore)
        similar = len(shared(terms, words)) >= min(2, len(terms)) if terms else s.topic not in broad
        if near and similar:
            kind = "negative posts" if s.kind == "negative" else "posts"
            about = f"; terms: {', '.join(s.top_terms[:4])}" if s.top_terms else ""
            said = f"a spike on '{s.topic}' ({s.value} {kind} an hour against ~{s.baseline:.0f}{about})"
            return Fact("spike", True, said)
    return Fact("spike", False, "no spike of posts like this one on its topics")


def _incident(
    post: Post, incidents: Sequence[Incident], brand: str, linked: Incident | None, not_about: Collection[int]
) -> Fact:
    """The case's own incident when it is linked to one (a resolved one no longer counts), else the open
    incident its post matches (engage/incident_match.py: keywords said, or title words shared), leaving out
    those an agent unlinked the case from (`not_about`)."""
    if linked is not None and linked.status != "resolved":
        found = match_incident(post, [linked], brand)
        said = f"the case is linked to the open incident '{linked.title}'" + (f"; {found.because}" if found else "")
        return Fact("incident_match", True, said)
    found = match_incident(post, [i for i in incidents if i.id not in not_about], brand)
    if found is None:
        return Fact("incident_match", False, "no open incident matches this post" if incidents else "no open incident")
    title = found.incident.title
    if found.keywords:
        return Fact("incident_match", True, f"an open incident '{title}' matches: {found.because}")
    return Fact("incident_match", True, f"an open incident '{title}' matches this post's words ({found.words})")


def _customer(post: Post, customer: Customer | None) -> dict[str, Fact]:
    name = customer.name if customer else ""
    vip = (customer is not None and customer.vip) or post.author_vip
    if customer is not None:
        known = Fact("known_customer", True, f"known customer: {name}{' (VIP)' if vip else ''}")
    else:
        known = Fact("known_customer", False, "no customer record for this author")
    return {
        "known_customer": known,
        "vip": Fact("vip", vip, f"VIP: {name or post.author_handle}" if vip else "not a VIP"),
    }


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} d ago"


def _earlier(earlier: Sequence[Case], now: datetime) -> Fact:
    if not earlier:
        return Fact("repeat", False, "no earlier cases from this author")
    n = len(earlier)
    last = earlier[0]
    if last.resolved_at and last.status in ("resolved", "closed"):
        state = f"last resolved {_ago(last.resolved_at, now)}"
    else:
        state = f"the last (#{last.id}, {_ago(last.created_at, now)}) is {last.status}"
    return Fact("repeat", True, f"{n} earlier case{'s' if n != 1 else ''} from this author, {state}")


def _troll_before(others: Sequence[Case]) -> Fact:
    """An agent already decided this author trolls (another of their cases ended at the tree's `troll` outcome)."""
    for case in others:
        outcome = (case.decision or {}).get("outcome") or {}
        if outcome.get("id") == "troll":
            who = case.decision.get("agent") or "an agent"
            return Fact("troll_before", True, f"{who} decided case #{case.id} from this author was a troll")
    return Fact("troll_before", False, "")  # unsaid: "not decided a troll" would crowd every complaint's reasons


def facts_for_case(
    post: Post | None,
    *,
    now: datetime,
    incidents: Sequence[Incident] = (),
    spikes: Sequence[Alert] = (),
    broad_topics: Collection[str] = (),
    customer: Customer | None = None,
    earlier: Sequence[Case] = (),
    others: Sequence[Case] | None = None,
    brand: str = "",
    linked: Incident | None = None,
    not_about: Collection[int] = (),
) -> dict[str, Fact]:
    """Every fact in FACTS for a case's post (`now`, `created_at` and windows are naive UTC); no post, no facts.
    `broad_topics`: topic names of whole brands (kind brand or competitor), see _spike; `linked`: the incident
    the case is linked to, if any; `not_about`: ids of incidents an agent unlinked the case from; `earlier`: the
    author's cases opened before this one; `others`: all their other cases (troll_before; default `earlier`)."""
    if post is None:
        return {}
    facts = {**_sentiment(post), **_intent(post), **_words(post), **_customer(post, customer)}
    facts["spike"] = _spike(post, spikes, broad_topics, brand)
    facts["incident_match"] = _incident(post, incidents, brand, linked, not_about)
    facts["repeat"] = _earlier(earlier, now)
    facts["troll_before"] = _troll_before(earlier if others is None else others)
    assert set(facts) == set(FACTS), set(FACTS) ^ set(facts)
    return {name: facts[name] for name in FACTS}

"""The prepare stages (docs/architecture.md): pure work on a batch of drafts before the store, with no database,
so they can run in the ingesting thread or in a worker process (listening/workers.py). This module imports only
the core and the plugin API: a worker process starts without SQLAlchemy or Qt.

A prepare stage's `run` is a module-level function or an object whose state pickles (the analyzer with the
agents' sentiment corrections, the classifier's corrections), so the same stages run in a worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.classify import classify_many
from scrm_desktop.core.sentiment import Analyzer, score_many
from scrm_desktop.core.text import normalize_text
from scrm_desktop.listening.api import PostIn

if TYPE_CHECKING:
    from scrm_desktop.core.classify_model import Corrections
    from scrm_desktop.store.batch import NewPost

MAX_FUTURE = timedelta(minutes=5)


def to_naive_utc(when: datetime) -> datetime:
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None)


def safe_url(url: str) -> str:
    """Only web links survive: a javascript: or data: URL from a hostile post is dropped."""
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) and len(url) < 4000 else ""


@dataclass
class Drafts:
    """The batch before it is stored, in the one shape every prepare stage reads: the incoming posts, their keys,
    and one dict of NewPost fields per post that the stages fill column by column (normalise makes them)."""

    items: list[PostIn]
    keys: list[tuple[str, str]]
    now: datetime  # naive UTC
    rows: list[dict[str, Any]] = field(default_factory=list)

    def scored_texts(self) -> list[str]:
        """What the analyzer reads per post: the title too, when the text does not contain it."""
        return [
            f"{title}\n{text}" if (title := r["title"]) and title not in (text := r["text"]) else r["text"]
            for r in self.rows
        ]

    def posts(self) -> list[NewPost]:
        from scrm_desktop.store.batch import NewPost

        return [NewPost(**row) for row in self.rows]


@dataclass(frozen=True)
class PrepareStage:
    """A step before the store, outside the write lock: pure work on the drafts (no database)."""

    name: str
    run: Callable[[Drafts], None]


def normalise(drafts: Drafts) -> None:
    """Prepare stage: plain, capped text and names, naive UTC times (a future time is the ingest time), web
    links only."""
    now = drafts.now
    rows = []
    for p, (channel, external_id) in zip(drafts.items, drafts.keys, strict=True):
        is_html = p.text_format == "html"
        created = to_naive_utc(p.created_at)
        if created > now + MAX_FUTURE:  # a wrong clock upstream must not pin a post above everything
            created = now
        rows.append(
            {
                "channel": channel,
                "external_id": external_id,
                "text": normalize_text(p.text or "", is_html=is_html),
                "created_at": created,
                "author_handle": normalize_text(p.author_handle or "", max_len=300),
                "author_name": normalize_text(p.author_name or "", max_len=300),
                "author_followers": p.author_followers,
                "url": safe_url(p.url or ""),
                "title": normalize_text(p.title or "", is_html=is_html, max_len=1000),
                "lang": (p.lang or "").strip().lower()[:20],
                "reply_to": (p.reply_to or "")[:500],
                "thread_id": (p.thread_id or "")[:500],
                "likes": p.likes,
                "reposts": p.reposts,
                "replies": p.replies,
                "extra": dict(p.extra or {}),
            }
        )
    drafts.rows = rows


class Scorer:
    """Prepare stage: sentiment score, label and its reasons (the first twelve) for every draft."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def __call__(self, drafts: Drafts) -> None:
        texts = drafts.scored_texts()
        unique = list(dict.fromkeys(texts))  # a retweet or cross-post of the same text is scored once
        columns = dict(zip(unique, score_many(self.analyzer, unique), strict=True))
        for row, text in zip(drafts.rows, texts, strict=True):
            found = columns[text]
            row["sentiment"], row["sentiment_label"] = round(found.score, 4), found.label
            row["sentiment_reasons"] = [{"cue": r.cue, "weight": r.weight, "kind": r.kind} for r in found.reasons[:12]]


class Enricher:
    """Prepare stage: trait, intent and lead, with the confidence and reasons behind them, for every draft
    (core.classify), read with the workspace's agent corrections in mind and the sentiment the score stage gave.
    A rule or an agent may still change them later. A text that comes more than once in the batch (a repost, a
    cross-post) is classified once."""

    def __init__(self, corrections: Corrections | None = None) -> None:
        self.corrections = corrections

    def __call__(self, drafts: Drafts) -> None:
        keys = [(row["text"], row["title"], row.get("sentiment_label") or "") for row in drafts.rows]
        unique = list(dict.fromkeys(keys))
        done = dict(zip(unique, classify_many(unique, self.corrections), strict=True))
        for row, key in zip(drafts.rows, keys, strict=True):
            found = done[key]
            row["trait"], row["intent"], row["is_lead"] = found.trait, found.intent, found.is_lead
            row["classification"] = found.as_json()

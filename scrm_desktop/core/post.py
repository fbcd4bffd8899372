"""The stored post as the rest of the app sees it: a plain value, no database session behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    channel: str
    external_id: str
    text: str
    created_at: datetime  # UTC, naive (as stored)
    author_handle: str = ""
    author_name: str = ""
    author_followers: int | None = None
    author_id: int | None = None
    source_id: int | None = None
    source_name: str = ""
    url: str = ""
    title: str = ""
    lang: str = ""
    sentiment: float = 0.0
    sentiment_label: str = "neutral"
    reply_to: str = ""
    thread_id: str = ""
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    is_read: bool = False
    tags: tuple[str, ...] = field(default=())
    trait: str = ""  # venting | passive | past | collaborative | advocate | future | ""
    intent: str = ""  # transactional | request | venting | information | engaged | community | purchase | ""
    is_lead: bool = False
    topics: tuple[str, ...] = field(default=())
    author_vip: bool = False  # the author is flagged VIP (author_flags.vip)
    author_advocate: bool = False  # the author is an advocate (author_flags.advocate)
    status: str = ""  # the post's case status (new, open, waiting, resolved, closed); "" when it has no case
    assignee: str = ""  # the case's assignee (a person or queue:name); "" when unassigned or no case

    @property
    def has_link(self) -> bool:
        return bool(self.url) or "http://" in self.text or "https://" in self.text

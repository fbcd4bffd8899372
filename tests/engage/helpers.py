"""Builds a real database with a Mastodon source, an RSS source and posts to open cases on (tests only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from scrm_plugins.mastodon import MastodonPlugin
from scrm_plugins.rss import RssPlugin

from scrm_desktop.engage.cases import CaseService
from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.store.cases import CaseRepo
from scrm_desktop.store.database import Database
from scrm_desktop.store.posts import NewPost

START = datetime(2025, 3, 1, 9, 0)  # naive UTC, as stored


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class World:
    db: Database
    repo: CaseRepo
    service: CaseService
    registry: PluginRegistry
    clock: Clock
    post_ids: list[int]


def make_world(tmp_path: Path, instance_url: str = "http://127.0.0.1:9/", posts: int = 3) -> World:
    db = Database(f"sqlite:///{tmp_path / 'cases.db'}")
    clock = Clock()
    registry = PluginRegistry()
    registry.add(MastodonPlugin)
    registry.add(RssPlugin)
    masto = db.sources.add("Masto", "mastodon", {"instance_url": instance_url, "hashtags": ["x"]}, 300, now=START)
    feed = db.sources.add("Feed", "rss", {"url": "http://127.0.0.1:9/feed"}, 300, now=START)
    batch = [
        NewPost(
            "mastodon",
            f"1170{i}",
            f"my order {i} arrived broken",
            START,
            author_handle=f"@fan{i}@x.social",
            author_name=f"Fan {i}",
            url=f"https://x.social/@fan{i}/1170{i}",
        )
        for i in range(posts)
    ]
    db.posts.write_batch(batch, now=START, source_id=masto.id)
    db.posts.write_batch(
        [NewPost("rss", "item-1", "Brightwave is down again", START, author_name="Blog")], now=START, source_id=feed.id
    )
    ids = sorted(p.id for p in db.posts.page(limit=100))
    repo = CaseRepo(db.engine)
    service = CaseService(repo, db.posts, db.sources, registry, clock=clock, brand="Brightwave")
    return World(db, repo, service, registry, clock, ids)

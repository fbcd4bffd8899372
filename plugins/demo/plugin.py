"""The demo source: replays the offline Brightwave scenario as if it were being heard live."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from scrm_desktop.listening.api import ConfigError, ConfigField, FetchContext, FetchResult, Plugin, PostIn

from .scenario import iter_posts

MAX_POSTS_PER_FETCH = 2000  # a day at the default rate fits in one page; a week-long gap takes a few
MAX_RATE = 300.0
MAX_BACKFILL_HOURS = 24 * 30


class DemoPlugin(Plugin):
    """A living command center with no network: a fictional brand, its competitors, and a crisis."""

    name = "demo"
    title = "Demo scenario (offline)"
    version = "1.0"
    config_fields = (
        ConfigField("seed", "Scenario seed", kind="int", default=7, help="Another number, another story."),
        ConfigField(
            "rate",
            "Posts per minute at peak",
            kind="float",
            default=2.0,
            help="Busiest-hour rate (mid-afternoon UTC); nights are about a tenth of it. Decimals allowed.",
        ),
        ConfigField(
            "backfill_hours",
            "Hours of history on first fetch",
            kind="int",
            default=24,
            help="The first fetch fills the streams with this much past conversation.",
        ),
    )
    default_interval = 15

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        seed, rate, backfill = settings(ctx.config)
        now = ctx.now()
        anchor = _cursor_time(cursor, "anchor") or now
        since = _cursor_time(cursor, "until") or now - timedelta(hours=backfill)
        if since >= now:  # nothing new yet (or the clock went back): keep the cursor as it is
            return FetchResult(posts=[], cursor=_cursor(anchor, since))
        posts = list(islice(iter_posts(seed, rate, anchor, since, now), MAX_POSTS_PER_FETCH + 1))
        if len(posts) <= MAX_POSTS_PER_FETCH:
            return FetchResult(posts=posts, cursor=_cursor(anchor, now))
        page = _page(posts)
        return FetchResult(posts=page, cursor=_cursor(anchor, page[-1].created_at), more=True)


def settings(config: Mapping[str, Any]) -> tuple[int, float, int]:
    """(seed, rate, backfill_hours) from the source config, checked."""
    seed = int(config.get("seed", 7) if config.get("seed") is not None else 7)
    raw_rate = config.get("rate")
    try:
        rate = float(raw_rate if raw_rate not in (None, "") else 2.0)
    except (TypeError, ValueError):
        raise ConfigError(f"Posts per minute at peak: expected a number, got {raw_rate!r}") from None
    if not 0 < rate <= MAX_RATE:
        raise ConfigError(f"Posts per minute at peak must be above 0 and at most {MAX_RATE:g}, got {rate:g}")
    backfill = config.get("backfill_hours")
    backfill = 24 if backfill is None else int(backfill)
    if not 0 <= backfill <= MAX_BACKFILL_HOURS:
        raise ConfigError(f"Hours of history must be between 0 and {MAX_BACKFILL_HOURS}, got {backfill}")
    return seed, rate, backfill


def _page(posts: list[PostIn]) -> list[PostIn]:
    """The first MAX_POSTS_PER_FETCH posts, stopping before a run of equal times so the cursor (a time)
    never falls between two posts that share it."""
    page = posts[:MAX_POSTS_PER_FETCH]
    following = posts[MAX_POSTS_PER_FETCH]
    while len(page) > 1 and page[-1].created_at == following.created_at:
        following = page.pop()
    return page


def _cursor(anchor: datetime, until: datetime) -> dict[str, str]:
    return {"anchor": anchor.isoformat(), "until": until.isoformat()}


def _cursor_time(cursor: Mapping[str, Any], key: str) -> datetime | None:
    value = cursor.get(key)
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None  # a damaged cursor starts the scenario afresh rather than stopping the source
    return when if when.tzinfo else when.replace(tzinfo=UTC)

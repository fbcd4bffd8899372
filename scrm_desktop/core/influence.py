"""Influencers and advocates (pure scoring). Influencers: reach, meaning followers plus engagement on their
posts. Advocates: repeated positive, unprompted mentions (not replies), whatever their reach."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scrm_desktop.core.text import spreadsheet_safe

ADVOCATE_MIN_POSTS = 3  # positive unprompted mentions in the period ("repeated")
ADVOCATE_MIN_SHARE = 0.75  # of the author's posts in the period that are positive


@dataclass(frozen=True, slots=True)
class Activity:
    """One author's posts over a period, summed."""

    author_id: int
    channel: str
    handle: str
    display_name: str
    followers: int
    posts: int
    positive: int
    negative: int
    unprompted_positive: int  # positive posts that are not replies
    engagement: int  # likes + reposts + replies on their posts
    vip: bool = False

    @property
    def positive_share(self) -> float:
        return self.positive / self.posts if self.posts else 0.0

    @property
    def reach(self) -> int:
        return self.followers + self.engagement


@dataclass(frozen=True, slots=True)
class Ranked:
    activity: Activity
    score: float
    examples: tuple[int, ...] = ()  # post ids that show why


def influence_score(a: Activity) -> float:
    """Orders of magnitude of followers, plus engagement per post weighted double (an audience that reacts)."""
    per_post = a.engagement / a.posts if a.posts else 0.0
    return round(math.log10(1 + a.followers) + 2 * math.log10(1 + per_post), 4)


def is_advocate(a: Activity, min_posts: int = ADVOCATE_MIN_POSTS, min_share: float = ADVOCATE_MIN_SHARE) -> bool:
    return a.unprompted_positive >= min_posts and a.positive_share >= min_share


def advocacy_score(a: Activity) -> float:
    """How many unprompted positive mentions, tempered by the share of negative ones; reach does not count."""
    return round(a.unprompted_positive * a.positive_share - a.negative * 0.5, 4)


def rank_influencers(acts: Iterable[Activity], limit: int = 100, min_posts: int = 1) -> list[Ranked]:
    ranked = [Ranked(a, influence_score(a)) for a in acts if a.posts >= min_posts]
    ranked.sort(key=lambda r: (-r.score, -r.activity.reach, r.activity.author_id))
    return ranked[:limit]


def rank_advocates(acts: Iterable[Activity], limit: int = 100) -> list[Ranked]:
    ranked = [Ranked(a, advocacy_score(a)) for a in acts if is_advocate(a)]
    ranked.sort(key=lambda r: (-r.score, -r.activity.unprompted_positive, r.activity.author_id))
    return ranked[:limit]


CSV_HEADER = (
    "rank",
    "channel",
    "handle",
    "display_name",
    "score",
    "posts",
    "positive",
    "negative",
    "positive_share",
    "unprompted_positive",
    "followers",
    "engagement",
    "reach",
    "example_post_ids",
)


def csv_rows(ranked: Iterable[Ranked]) -> list[list[str]]:
    """Rows under CSV_HEADER; text cells that a spreadsheet would run as a formula are prefixed with '."""
    out = []
    for i, r in enumerate(ranked, start=1):
        a = r.activity
        out.append(
            [
                str(i),
                a.channel,
                spreadsheet_safe(a.handle),
                spreadsheet_safe(a.display_name),
                f"{r.score:g}",
                str(a.posts),
                str(a.positive),
                str(a.negative),
                f"{a.positive_share:.2f}",
                str(a.unprompted_positive),
                str(a.followers),
                str(a.engagement),
                str(a.reach),
                " ".join(map(str, r.examples)),
            ]
        )
    return out

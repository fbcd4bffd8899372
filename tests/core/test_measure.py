"""Share of voice, net sentiment, the per-channel measurement framework and the time fields."""

from __future__ import annotations

from datetime import datetime

import pytest

from scrm_desktop.core.measure import (
    ChannelTotals,
    SentimentCounts,
    measure_channel,
    net_sentiment,
    positive_share_of_voice,
    share_of_voice,
    share_series,
    window_query,
)
from scrm_desktop.core.post import Post
from scrm_desktop.core.query import QueryError, parse


def test_share_of_voice_is_each_brand_over_all_tracked() -> None:
    shares = share_of_voice({"Brightwave": 60, "Corvex": 30, "Nimbly": 10})
    assert shares == pytest.approx({"Brightwave": 0.6, "Corvex": 0.3, "Nimbly": 0.1})
    assert share_of_voice({"Brightwave": 0, "Corvex": 0}) == {"Brightwave": 0.0, "Corvex": 0.0}


def test_positive_share_and_net_sentiment() -> None:
    counts = {"Brightwave": SentimentCounts(10, 30, 60), "Corvex": SentimentCounts(30, 5, 15)}
    assert positive_share_of_voice(counts) == pytest.approx({"Brightwave": 0.25, "Corvex": 0.75})
    assert net_sentiment(counts["Brightwave"]) == pytest.approx(-0.2)
    assert net_sentiment(SentimentCounts()) is None


def test_share_series_per_bucket() -> None:
    t1, t2 = datetime(2024, 5, 1, 10), datetime(2024, 5, 1, 11)
    rows = [(t2, "A", 1), (t1, "A", 3), (t1, "B", 1), (t2, "B", 3), (t2, "X", 50)]
    buckets, shares = share_series(rows, ["A", "B"])
    assert buckets == [t1, t2]
    assert shares == {"A": [0.75, 0.25], "B": [0.25, 0.75]}


def test_channel_measures() -> None:
    totals = ChannelTotals(
        "reddit",
        4,
        3,
        1500,
        8,
        2,
        6,
        1,
        SentimentCounts(2, 1, 1),
        previous_sentiment=SentimentCounts(0, 2, 2),
        from_high_reach=2,
    )
    m = measure_channel(totals, [("@big", 1000)], top_engaged=[("@loud", 40)])
    assert (m.mentions, m.unique_authors, m.potential_reach) == (4, 3, 1500)
    assert (m.likes_per_post, m.reposts_per_post, m.replies_per_post, m.link_share) == (2.0, 0.5, 1.5, 0.25)
    assert m.high_reach_share == 0.5 and m.top_authors == (("@big", 1000),) and m.top_engaged == (("@loud", 40),)
    assert m.net_sentiment == pytest.approx(0.25) and m.net_sentiment_change == pytest.approx(0.75)
    empty = measure_channel(ChannelTotals("rss", 0, 0, 0, 0, 0, 0, 0, SentimentCounts(), SentimentCounts()))
    assert (
        empty.likes_per_post == 0.0
        and empty.high_reach_share == 0.0
        and empty.net_sentiment is None
        and empty.net_sentiment_change is None
    )


def test_window_fields_select_exactly_the_window() -> None:
    q = parse(window_query(datetime(2024, 5, 1, 10), datetime(2024, 5, 1, 11)))
    inside = Post(1, "rss", "a", "x", datetime(2024, 5, 1, 10, 59, 59))
    edge = Post(2, "rss", "b", "x", datetime(2024, 5, 1, 11))
    before = Post(3, "rss", "c", "x", datetime(2024, 5, 1, 9, 59))
    assert [q.matches(p) for p in (inside, edge, before)] == [True, False, False]
    assert parse("since:2024-05-01").matches(before)


def test_bad_time_value_is_a_clear_query_error() -> None:
    with pytest.raises(QueryError, match="since:2024"):
        parse("since:yesterday")

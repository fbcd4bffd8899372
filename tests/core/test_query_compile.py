"""The compiled form of a query (rules at ingest) agrees with Query.matches post for post."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import parse
from scrm_desktop.core.query_compile import Indexed, compile_query

WORDS = st.sampled_from(["refund", "Late", "café", "ref*", "re*", "late*", "lat", "naïve", "wait🤔", "order", "z*"])
ATOMS = st.one_of(
    WORDS,
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(
        [
            "channel:rss",
            "sentiment:neg",
            "author:jane",
            "is:read",
            "has:link",
            "tag:a",
            "status:open",
            "status:none",
            "assignee:sam",
            "assignee:none",
        ]
    ),
)


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map(" OR ".join),
        inner.map(lambda q: f"-({q})"),
    )


TEXTS = st.lists(
    st.sampled_from(["refund", "refunds", "late", "Late", "cafe", "café", "order", "naive", "wait", "🤔", "re", "zz"]),
    max_size=8,
).map(" ".join)
POSTS = st.builds(
    lambda text, title, channel, label, tags, status, assignee, url: Post(
        1,
        channel,
        "x",
        text,
        datetime(2026, 1, 1),
        author_handle="jane",
        title=title,
        sentiment_label=label,
        tags=tags,
        status=status,
        assignee=assignee,
        url=url,
    ),
    TEXTS,
    TEXTS,
    st.sampled_from(["rss", "reddit"]),
    st.sampled_from(["negative", "neutral"]),
    st.lists(st.sampled_from(["a", "A", "b"]), max_size=2).map(tuple),
    st.sampled_from(["", "open", "closed"]),
    st.sampled_from(["", "Sam", "lee"]),
    st.sampled_from(["", "https://example.com/x"]),
)


@settings(max_examples=400, database=None, deadline=None)
@given(st.recursive(ATOMS, _compose, max_leaves=6), POSTS)
def test_compiled_query_agrees_with_matches(text: str, post: Post) -> None:
    query = parse(text)
    assert compile_query(query)(Indexed.of(post)) is query.matches(post)


def test_a_changed_post_keeps_its_text_index():
    post = Post(1, "rss", "x", "refund late", datetime(2026, 1, 1))
    indexed = Indexed.of(post)
    test = compile_query(parse("refu* tag:vip"))
    assert not test(indexed)
    assert test(indexed.with_post(Post(1, "rss", "x", "refund late", datetime(2026, 1, 1), tags=("vip",))))

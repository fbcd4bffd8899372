"""The compiled forms of a query (rules and topics at ingest) agree with Query.matches post for post."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import parse
from scrm_desktop.core.query_compile import Indexed, IndexedBatch, compile_batch, compile_query

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
    st.sampled_from(
        [
            *("refund", "refunds", "late", "Late", "cafe", "café", "order", "naive", "wait", "🤔", "re", "zz"),
            *("REFUND's", "re-fund", "late,", "x_order", "order2", "(late)", "pre-order", "lat3"),  # ASCII tokens
        ]
    ),
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


@settings(max_examples=300, database=None, deadline=None)
@given(st.recursive(ATOMS, _compose, max_leaves=6), st.lists(POSTS, max_size=6))
def test_a_query_over_a_batch_finds_the_posts_it_matches_one_by_one(text: str, posts: list[Post]) -> None:
    query = parse(text)
    batch = {i: post for i, post in enumerate(posts, start=10)}
    assert compile_batch(query)(IndexedBatch(batch)) == {i for i, post in batch.items() if query.matches(post)}


def test_a_batch_answers_words_prefixes_phrases_and_exclusions():
    texts = ["Refund please, the order is late", "late again", "refunds are slow", "", "order late"]
    batch = IndexedBatch(
        {i: Post(i, "rss", str(i), t, datetime(2026, 1, 1), title="Order" * (i == 3)) for i, t in enumerate(texts)}
    )
    found = {q: compile_batch(parse(q))(batch) for q in ("refund", "refund*", '"order late"', "order -late", "")}
    assert found == {
        "refund": {0},
        "refund*": {0, 2},
        '"order late"': {4},
        "order -late": {3},
        "": {0, 1, 2, 3, 4},
    }


def test_a_changed_post_keeps_its_text_index():
    post = Post(1, "rss", "x", "refund late", datetime(2026, 1, 1))
    indexed = Indexed.of(post)
    test = compile_query(parse("refu* tag:vip"))
    assert not test(indexed)
    assert test(indexed.with_post(Post(1, "rss", "x", "refund late", datetime(2026, 1, 1), tags=("vip",))))

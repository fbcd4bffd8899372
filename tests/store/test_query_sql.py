"""Queries in SQL agree with Query.matches on the same posts; hostile text never reaches SQLite as syntax."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.dialects import postgresql

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import MAX_DEPTH, FieldSpec, QueryError, parse
from scrm_desktop.core.query_fields import FIELDS as REGISTRY
from scrm_desktop.core.tokens import tokenize
from scrm_desktop.store.engine import open_engine, upgrade
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.tables import authors, posts, sources

WHEN = datetime(2024, 5, 1, 12, 0)
AUTHORS = [  # (channel, handle, display name)
    ("reddit", "bob", "Bob Smith"),
    ("reddit", "@JaneDoe", "Jane Doe"),
    ("rss", "Émile", "ÉMILE Zola"),
    ("mastodon", "ann@mastodon.social", "ann"),
]
SOURCES = ["Dell blog", "dell NEWS", "Ünïcode feed"]


@dataclass(frozen=True)
class Row:
    """One post as the test stores it; `author` and `source` index AUTHORS and SOURCES."""

    text: str
    title: str = ""
    channel: str = "reddit"
    author: int | None = None
    source: int | None = None
    url: str = ""
    lang: str = ""
    sentiment_label: str = "neutral"
    is_read: bool = False


def _new_engine(folder: Path) -> Engine:
    eng = open_engine(f"sqlite:///{folder / 'query.db'}")
    upgrade(eng)
    return eng


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = _new_engine(tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, list[Post]]]:
    """The CORPUS stored once for the read-only tests (creating a schema costs a fifth of a second)."""
    eng = _new_engine(tmp_path_factory.mktemp("corpus"))
    yield eng, store(eng, CORPUS)
    eng.dispose()


def store(engine: Engine, rows: Sequence[Row], people: Sequence[tuple[str, str, str]] = AUTHORS) -> list[Post]:
    """Replace the database's content with `rows` (`people` are the authors `Row.author` points into);
    return the same posts as the app holds them in memory."""
    with engine.begin() as conn:
        for table in (posts, authors, sources):
            conn.execute(delete(table))
        conn.execute(
            insert(authors),
            [
                {
                    "id": i + 1,
                    "channel": c,
                    "handle": h,
                    "display_name": n,
                    "first_seen": WHEN,
                    "last_seen": WHEN,
                    "post_count": 0,
                }
                for i, (c, h, n) in enumerate(people)
            ],
        )
        conn.execute(
            insert(sources),
            [
                {
                    "id": i + 1,
                    "name": name,
                    "plugin": "rss",
                    "config": {},
                    "interval_s": 600,
                    "enabled": True,
                    "created_at": WHEN,
                    "cursor": {},
                    "items_last_run": 0,
                    "items_total": 0,
                    "consecutive_failures": 0,
                }
                for i, name in enumerate(SOURCES)
            ],
        )
        conn.execute(insert(posts), [_db_row(i + 1, row) for i, row in enumerate(rows)])
        if conn.dialect.name == "sqlite":  # what PostRepo.write_batch does for each batch it stores
            conn.exec_driver_sql("INSERT INTO posts_fts(rowid, title, text) SELECT id, title, text FROM posts")
    return [_post(i + 1, row, people) for i, row in enumerate(rows)]


def _db_row(pid: int, row: Row) -> dict[str, object]:
    return {
        "id": pid,
        "source_id": None if row.source is None else row.source + 1,
        "channel": row.channel,
        "external_id": str(pid),
        "url": row.url,
        "author_id": None if row.author is None else row.author + 1,
        "title": row.title,
        "text": row.text,
        "lang": row.lang,
        "created_at": WHEN + timedelta(minutes=pid),
        "ingested_at": WHEN,
        "sentiment": 0.0,
        "sentiment_label": row.sentiment_label,
        "sentiment_reasons": [],
        "reply_to": "",
        "thread_id": "",
        "likes": None,
        "reposts": None,
        "replies": None,
        "is_read": row.is_read,
        "extra": {},
    }


def _post(pid: int, row: Row, people: Sequence[tuple[str, str, str]]) -> Post:
    _, handle, name = people[row.author] if row.author is not None else ("", "", "")
    return Post(
        id=pid,
        channel=row.channel,
        external_id=str(pid),
        text=row.text,
        created_at=WHEN,
        title=row.title,
        url=row.url,
        lang=row.lang,
        sentiment_label=row.sentiment_label,
        is_read=row.is_read,
        author_handle=handle,
        author_name=name,
        source_name=SOURCES[row.source] if row.source is not None else "",
    )


def sql_ids(engine: Engine, text: str) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(select(posts.c.id).where(to_sql(parse(text)))).scalars())


def memory_ids(held: Sequence[Post], text: str) -> set[int]:
    query = parse(text)
    return {p.id for p in held if query.matches(p)}


CORPUS = [
    Row("My REFUND is late again", title="Refund request", author=0, source=0, lang="en"),
    Row(
        "Refunds processed, see https://dell.example/returns",
        channel="rss",
        source=0,
        sentiment_label="positive",
        lang="en-GB",
        is_read=True,
    ),
    Row("Le café était naïve... très en retard", channel="rss", author=2, source=2, lang="fr"),
    Row("late delivery AGAIN!!! wait🤔 #fail", author=1, sentiment_label="negative", url="https://r.example/1"),
    Row("e-mail support never answered", channel="mastodon", author=3, source=1, lang="EN"),
    Row("HTTPS://shouting.example is not a link to Post.has_link", channel="bluesky", is_read=True),
    Row("", title="Only a title: refund delayed", channel="youtube"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("refund", {1, 7}),
        ("refund*", {1, 2, 7}),
        ('"refund is late"', {1}),
        ('"request my"', set()),  # no phrase across title and text
        ("CAFE naive", {3}),
        ("late OR retard", {1, 4, 3}),
        ("late -again", set()),
        ("late -delivery", {1}),
        ("-refund*", {3, 4, 5, 6}),
        ("-(refund OR late) -channel:bluesky", {2, 3, 5}),  # "Refunds" is not "refund"
        ("e-mail", {5}),
        ("wait🤔", {4}),
        ("wait", set()),  # 🤔 is a token character for SQLite's Unicode 6.1 tables: `wait🤔` is one token
        ("channel:rss", {2, 3}),
        ("channel:rss OR sentiment:neg", {2, 3, 4}),
        ("author:bob", {1}),
        ("author:@janedoe", {4}),
        ('author:"jane doe"', {4}),
        ("-author:bob", {2, 3, 4, 5, 6, 7}),  # posts without an author are kept
        ("author:Émile", {3}),
        ("author:émile", set()),  # A-Z only, in both
        ("author:ann@mastodon.social", {5}),
        ('source:"dell blog"', {1, 2}),
        ("-source:dell", {1, 2, 3, 4, 5, 6, 7}),
        ("has:link", {2, 4}),
        ("-has:link", {1, 3, 5, 6, 7}),
        ("is:unread", {1, 3, 4, 5, 7}),
        ("is:read refund*", {2}),
        ("lang:en", {1, 2, 5}),
        ("lang:en-gb", {2}),
        ("", {1, 2, 3, 4, 5, 6, 7}),
        ("(refund channel:rss) OR (late -is:read) OR author:ann@mastodon.social", {4, 5, 1}),
        ("refund* (channel:reddit OR -has:link) -delayed", {1}),
    ],
)
def test_sql_and_memory_agree_on_the_corpus(corpus: tuple[Engine, list[Post]], query: str, expected: set[int]) -> None:
    engine, held = corpus
    assert memory_ids(held, query) == expected
    assert sql_ids(engine, query) == expected


def test_text_only_subtree_becomes_one_bound_match() -> None:
    compiled = to_sql(parse('refund* "late delivery" -broken (cafe OR café) channel:rss')).compile()
    sql = str(compiled)
    assert sql.count("MATCH") == 1
    assert '"refund" *' not in sql  # user text is bound, never in the SQL itself
    assert '(("cafe" OR "café") AND "refund" * AND "late delivery" NOT "broken")' in compiled.params.values()


def test_postgresql_gets_a_bound_tsquery() -> None:
    compiled = to_sql(parse('refund* "late delivery" -broken channel:rss'), "postgresql").compile(
        dialect=postgresql.dialect()
    )
    sql = str(compiled)
    assert "posts.search @@ to_tsquery(" in sql and "MATCH" not in sql
    assert "('refund':* & ('late' <-> 'delivery') & !'broken')" in compiled.params.values()


def test_unavailable_field_is_a_query_error_at_compile_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # a field registered in the language with neither SQL nor a posts column yet
    monkeypatch.setitem(REGISTRY, "stage", FieldSpec("stage", "a future field", lambda p, k, s: True, attr="stage"))
    query = parse("refund -stage:open")
    with pytest.raises(QueryError, match=r"`stage:` is not available yet in this workspace") as caught:
        to_sql(query)
    assert (caught.value.position, caught.value.length) == (8, 10)


HOSTILE = [
    "NEAR(refund late, 2)",
    "refund NEAR/2 late",
    "^refund",
    "refund^",
    "title:refund",
    "text:late",
    "re:fund",
    '"refund" + "late"',
    "{title text}: refund",
    "'; DROP TABLE posts; --",
    "1 OR 1=1",
    'x" OR "1"="1',
    '"\\"',
    'refund "*" late',
    "* refund",
    "refund AND NOT late",
    "a:b:c",
    "posts_fts",
    '"MATCH" "NOT" "AND" "OR"',
    "rowid:1",
    "\\",
    "%_%",
    "refund\x00",
    "refund\x1b[31m",
    "late\u202e",
    "x" * 10_000,
    "(" * 200 + "a" + ")" * 200,
    "-" * 500 + "a",
    '"' * 7,
    "((refund)",
    "refund))",
    "é" * 2000,
    "🤔" * 500,
    "refund " * 285,
    "refund OR " * 200 + "late",
    "channel:rss " * 180,
    "(late channel:rss) OR " * 90 + "x",
    "-(" * 25 + "late channel:rss" + ")" * 25,
    "(a OR (b " * 12 + "channel:rss" + "))" * 12,
    "-(a (-b OR " * 12 + "c" + "))" * 12,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_give_a_query_error_or_the_right_answer(corpus: tuple[Engine, list[Post]], query: str) -> None:
    engine, held = corpus
    try:
        expected = memory_ids(held, query)
    except QueryError:
        return
    assert sql_ids(engine, query) == expected  # sqlite3.OperationalError would fail the test here


# Shapes that load SQLite's and FTS5's fixed-size parser stacks most, as (template, depth units per repeat).
NESTED = [
    (lambda k: "-(" * k + "late channel:reddit" + ")" * k, 2),
    (lambda k: "(late OR (refund " * k + "is:unread" + "))" * k, 2),
    (lambda k: "(late OR (refund " * k + "cafe" + "))" * k, 2),
    (lambda k: "(-late OR -(refund " * k + "-cafe" + "))" * k, 3),
    (lambda k: "(author:bob OR -(source:x " * k + "late" + "))" * k, 3),
    (lambda k: "-(is:read " * k + "late" + ")" * k, 2),
]


@pytest.mark.parametrize(("nest", "units"), NESTED, ids=range(len(NESTED)))
def test_deepest_allowed_nesting_runs_in_sqlite(
    corpus: tuple[Engine, list[Post]], nest: Callable[[int], str], units: int
) -> None:
    engine, held = corpus
    query = nest(MAX_DEPTH // units)
    assert sql_ids(engine, query) == memory_ids(held, query)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse(nest(MAX_DEPTH // units + 1))


# ---- property: random posts, random queries ------------------------------------------------------------------------
VOCAB = [
    "refund",
    "Refund",
    "REFUNDS",
    "late",
    "café",
    "CAFE",
    "naïve",
    "naive",
    "e-mail",
    "email",
    "don't",
    "über",
    "Straße",
    "İstanbul",
    "istanbul",
    "wait🤔",
    "great😀",
    "ǖber",
    "x1",
    "2024",
    "a\u0301b",
    "µ",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "日本語",
    "#help",
    "@bob",
    "C++",
    "https://x.example",
    "http",
    "ok",
]
SEPARATORS = [" ", " ", ", ", "! ", "\n", "-", "/", ""]
text_st = st.lists(st.tuples(st.sampled_from(VOCAB), st.sampled_from(SEPARATORS)), max_size=7).map(
    lambda parts: "".join(w + s for w, s in parts)
)
row_st = st.builds(
    Row,
    text=text_st,
    title=st.one_of(st.just(""), text_st),
    channel=st.sampled_from(["reddit", "rss", "mastodon"]),
    author=st.one_of(st.none(), st.integers(0, len(AUTHORS) - 1)),
    source=st.one_of(st.none(), st.integers(0, len(SOURCES) - 1)),
    url=st.sampled_from(["", "https://x.example"]),
    lang=st.sampled_from(["", "en", "en-GB", "EN", "fr", "eng"]),
    sentiment_label=st.sampled_from(["positive", "negative", "neutral"]),
    is_read=st.booleans(),
)
QUERY_WORDS = [
    "refund",
    "refund*",
    "REF*",
    "late",
    "cafe",
    "CAFÉ",
    "naive",
    "e-mail",
    "e-ma*",
    "email",
    "don't",
    "uber",
    "strasse",
    "straße",
    "istanbul",
    "İSTANBUL",
    "wait🤔",
    "wait",
    "great",
    "great😀",
    "ubér",
    "x*",
    "2024",
    "ab",
    "μ",
    "σισυφος",
    "日本語",
    "help",
    "bob",
    "c",
    "https",
    "x.example",
    "ok",
    "o*",
]
FIELDS = [
    "channel:reddit",
    "channel:rss",
    "author:bob",
    "author:@janedoe",
    'author:"Jane Doe"',
    "author:émile",
    "author:Émile",
    'author:"ÉMILE zola"',
    'source:"Dell blog"',
    "source:DELL",
    'source:"ünïcode feed"',
    'source:"Ünïcode feed"',
    "sentiment:neg",
    "sentiment:positive",
    "lang:en",
    "lang:EN-gb",
    "has:link",
    "is:unread",
    "is:read",
]
word_st = st.sampled_from(QUERY_WORDS)
atom_st = st.one_of(
    word_st,
    st.lists(st.sampled_from(QUERY_WORDS[:3] + VOCAB), min_size=1, max_size=3).map(
        lambda ws: '"' + " ".join(w.replace('"', "") for w in ws) + '"'
    ),
    st.sampled_from(FIELDS),
    word_st.map(lambda w: "-" + w),
)


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map(" OR ".join),
        inner.map(lambda q: f"-({q})"),
        inner.map(lambda q: f"({q})"),
    )


query_st = st.recursive(atom_st, _compose, max_leaves=7)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row_st, min_size=2, max_size=8), queries=st.lists(query_st, min_size=4, max_size=8))
def test_random_queries_agree_with_memory(engine: Engine, rows: list[Row], queries: list[str]) -> None:
    held = store(engine, rows)
    for query in queries:
        assert sql_ids(engine, query) == memory_ids(held, query), query


REAL_QUERIES = [
    "refund*",
    '"customer service"',
    "wifi OR internet -phone",
    "help -(delayed OR cancelled) has:link",
    "@AppleSupport OR applesupport",
    "dm* (order OR account)",
    "-is:read lang:en (iphone OR ios*) -update*",
    "thank* sentiment:neutral -channel:email",
    '"ca va" OR café OR ü*',
    "author:115712 OR author:sprintcare",
]


def test_sql_and_memory_agree_on_real_tweets(engine: Engine, shared_data: Path) -> None:
    with (shared_data / "support" / "twcs_first5000" / "twcs_first5000.csv").open(encoding="utf-8") as fh:
        tweets = list(csv.DictReader(fh))
    handles = list(dict.fromkeys(t["author_id"] for t in tweets))
    people = [("reddit", handle, "") for handle in handles]
    where = {handle: i for i, handle in enumerate(handles)}
    rows = [Row(t["text"], author=where[t["author_id"]], lang="en", is_read=t["inbound"] == "True") for t in tweets]
    held = store(engine, rows, people)
    found = {q: sql_ids(engine, q) for q in REAL_QUERIES}
    assert {q: memory_ids(held, q) for q in REAL_QUERIES} == found
    assert sum(bool(ids) for ids in found.values()) >= 8  # the queries do select something


# ---- the tokenizer against SQLite's own ------------------------------------------------------------------------------
def sqlite_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens as SQLite FTS5 (unicode61 remove_diacritics 2) indexes them."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    con.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(texts, 1))
    found: list[list[tuple[int, str]]] = [[] for _ in texts]
    for term, doc, offset in con.execute("SELECT term, doc, offset FROM v"):
        found[doc - 1].append((offset, term))
    con.close()
    return [[term for _, term in sorted(tokens)] for tokens in found]


def _code_points() -> list[int]:
    # Every BMP code point, every astral code point near the ends of the separator table's ranges, and a
    # sample of the rest (all 1.1M code points agree too; that run takes ~15 s, too long for every test run).
    from scrm_desktop.core.tokens import _SEP

    astral = {c for a, b in _SEP if b > 0xFFFF for c in (a - 1, a, a + 1, b - 1, b, b + 1)}
    astral |= set(range(0x10000, 0x110000, 97)) | set(range(0x103F0, 0x10460))
    bmp = [c for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    return bmp + sorted(c for c in astral if 0x10000 <= c < 0x110000)


def test_tokenizer_agrees_with_sqlite_for_every_character() -> None:
    # "x a{c}b" tells whether c starts a token, continues one (diacritics), or separates, and how it folds.
    points = _code_points()
    texts = [f"{chr(c)} a{chr(c)}b" for c in points]
    mismatched = [
        f"U+{c:04X}: sqlite {want} ours {tokenize(text)}"
        for c, text, want in zip(points, texts, sqlite_tokens(texts), strict=True)
        if tokenize(text) != want
    ]
    assert not mismatched, mismatched[:20]


def test_tokenizer_agrees_with_sqlite_on_real_tweets(shared_data: Path) -> None:
    with (shared_data / "support" / "twcs_first5000" / "twcs_first5000.csv").open(encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    assert len(texts) > 4000
    mismatched = [t for t, want in zip(texts, sqlite_tokens(texts), strict=True) if tokenize(t) != want]
    assert not mismatched, mismatched[:5]

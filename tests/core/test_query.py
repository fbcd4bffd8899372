"""The query language in memory: parsing, normalised form, errors with positions, and matching posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import (
    FIELDS,
    MAX_DEPTH,
    And,
    Field,
    FieldSpec,
    Node,
    Not,
    QueryError,
    Term,
    parse,
    register_field,
)
from scrm_desktop.core.tokens import token_spans, tokenize


def shape(node: Node) -> str:
    """A compact S-expression of the tree, so tests state structure (and precedence) explicitly."""
    if isinstance(node, Term):
        return "'" + " ".join(node.tokens) + "'" + ("*" if node.prefix else "")
    if isinstance(node, Field):
        return f"{node.name}={node.key}"
    if isinstance(node, Not):
        return f"(not {shape(node.child)})"
    kind = "and" if isinstance(node, And) else "or"
    return f"({kind}" + "".join(" " + shape(c) for c in node.children) + ")"


# ---- tokens ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hello, WORLD!", ["hello", "world"]),
        ("Café naïve ÜBER", ["cafe", "naive", "uber"]),
        ("e-mail re:fund C++", ["e", "mail", "re", "fund", "c"]),
        ("cafe\u0301 a\u0301b", ["cafe", "ab"]),  # combining accents continue the word and vanish
        ("\u0301abc", ["abc"]),  # ... but cannot start one
        ("İstanbul µ ǖ", ["istanbul", "μ", "u"]),
        ("straße ﬁne", ["straße", "ﬁne"]),  # one character folds to one character, as in SQLite
        ("wait🤔 great😀 ok", ["wait🤔", "great", "ok"]),  # 🤔 is newer than SQLite's Unicode 6.1 tables
        ("日本語 テスト", ["日本語", "テスト"]),
        ("x_y 3.14 #help @bob", ["x", "y", "3", "14", "help", "bob"]),
        ("", []),
    ],
)
def test_tokenize_folds_like_the_index(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_token_spans_point_at_the_original_text() -> None:
    text = "Ça va? CAFÉ!"
    assert [(text[a:b], t) for a, b, t in token_spans(text)] == [("Ça", "ca"), ("va", "va"), ("CAFÉ", "cafe")]


# ---- parsing: normalised form and tree shape ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalised", "tree"),
    [
        ("", "", "(and)"),
        ("  refund  ", "refund", "'refund'"),
        ("Refund late", "Refund late", "(and 'refund' 'late')"),
        ("refund AND late", "refund late", "(and 'refund' 'late')"),
        ("refund OR late", "refund OR late", "(or 'refund' 'late')"),
        ("refund or late", "refund or late", "(and 'refund' 'or' 'late')"),
        ("a b OR c", "a b OR c", "(or (and 'a' 'b') 'c')"),
        ("a OR b c", "a OR b c", "(or 'a' (and 'b' 'c'))"),
        ("a (b OR c)", "a (b OR c)", "(and 'a' (or 'b' 'c'))"),
        ("(a b) OR c", "a b OR c", "(or (and 'a' 'b') 'c')"),
        ("((a OR b)) OR (c OR d)", "a OR b OR c OR d", "(or 'a' 'b' 'c' 'd')"),
        ("-refund", "-refund", "(not 'refund')"),
        ("NOT refund", "-refund", "(not 'refund')"),
        ("--refund", "--refund", "(not (not 'refund'))"),
        ('-"late delivery"', '-"late delivery"', "(not 'late delivery')"),
        ("-(a OR b) c", "-(a OR b) c", "(and (not (or 'a' 'b')) 'c')"),
        ("-channel:reddit", "-channel:reddit", "(not channel=reddit)"),
        ('"late  delivery"', '"late  delivery"', "'late delivery'"),
        ('"late deliv"*', '"late deliv"*', "'late deliv'*"),
        ("refund**", "refund*", "'refund'*"),
        ("e-mail", "e-mail", "'e mail'"),
        ("re*fund", "re*fund", "'re fund'"),
        ("10:30", "10:30", "'10 30'"),
        ("Sentiment:POS", "sentiment:positive", "sentiment=positive"),
        (
            "sentiment:neu OR sentiment:neg",
            "sentiment:neutral OR sentiment:negative",
            "(or sentiment=neutral sentiment=negative)",
        ),
        ("channel:Reddit", "channel:reddit", "channel=reddit"),
        ("author:@JaneDoe", "author:@JaneDoe", "author=janedoe"),
        ('author:"Jane Doe"', 'author:"Jane Doe"', "author=jane doe"),
        ('source:"Dell blog"', 'source:"Dell blog"', "source=dell blog"),
        ('source:"say \\"hi\\""', 'source:"say \\"hi\\""', 'source=say "hi"'),
        ("lang:EN-gb has:LINK is:unread", "lang:EN-gb has:link is:unread", "(and lang=en-gb has=link is=unread)"),
        ("tag:urgent status:open", "tag:urgent status:open", "(and tag=urgent status=open)"),
        ("a\tb\nc", "a b c", "(and 'a' 'b' 'c')"),
    ],
)
def test_parse_normalises_and_builds_the_tree(text: str, normalised: str, tree: str) -> None:
    query = parse(text)
    assert str(query) == normalised
    assert shape(query.root) == tree
    assert parse(str(query)).root == query.root  # the normalised form means the same


def test_depth_limit_is_exactly_the_documented_one() -> None:
    assert shape(parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH).root) == "'a'"
    assert shape(parse("-" * MAX_DEPTH + "a").root).count("not") == MAX_DEPTH
    with pytest.raises(QueryError):
        parse("-" * (MAX_DEPTH + 1) + "a")


# ---- errors --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "position", "length"),
    [
        ("refund foo:bar", "Unknown field `foo:`", 7, 4),
        ("chanel:reddit", "Did you mean `channel:`?", 0, 7),
        ("from:bob", "Did you mean `author:`?", 0, 5),
        ("http://example.com", 'quote it: "http://example.com"', 0, 5),
        ("sentiment:happy", "Use one of: positive, negative, neutral (or pos, neg, neu)", 10, 5),
        ("channel:redit", "Did you mean channel:reddit?", 8, 5),
        ("is:unseen", "Use one of: unread, read", 3, 6),
        ("channel: reddit", "`channel:` needs a value, like channel:reddit", 0, 8),
        ('author:""', "`author:` needs a value", 0, 9),
        ("author:@", "`author:` needs a value", 0, 8),
        ("(refund late", "Unbalanced `(`", 0, 1),
        ("a (b (c) d", "Unbalanced `(`", 2, 1),
        ("refund) late", "Unbalanced `)`", 6, 1),
        ("()", "Empty brackets", 0, 2),
        ('refund "late deliv', "Unterminated quote", 7, 11),
        ('source:"Dell', "Unterminated quote", 7, 5),
        ("OR refund", "`OR` needs a search term before it", 0, 2),
        ("(OR refund)", "`OR` needs a search term before it", 1, 2),
        ("refund OR", "`OR` needs a search term after it", 7, 2),
        ("refund OR OR late", "`OR` needs a search term after it", 7, 2),
        ("(refund OR) late", "`OR` needs a search term after it", 8, 2),
        ("refund AND", "`AND` needs a search term after it", 7, 3),
        ("refund -", "Nothing to exclude after `-`", 7, 1),
        ("refund - late", "Nothing to exclude after `-`", 7, 1),
        ("(refund -)", "Nothing to exclude after `-`", 8, 1),
        ("refund NOT", "Nothing to exclude after `NOT`", 7, 3),
        ("NOT OR a", "Nothing to exclude after `NOT`", 0, 3),
        ("refund !!!", "!!! has no letters or digits", 7, 3),
        ('""', '"" has no letters or digits', 0, 2),
        ("*", "* has no letters or digits", 0, 1),
        ("a\x00b", "control character (U+0000)", 1, 1),
        ("a\u202eb", "control character (U+202E)", 1, 1),
        ("x" * 2001, "too long (2,001 characters; the limit is 2,000)", 2000, 1),
        ("a " * 5000, "too long (10,000 characters", 2000, 8000),
        ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), "nested too deeply", MAX_DEPTH, 1),
        ("-(" * 26 + "a" + ")" * 26, "nested too deeply", 50, 1),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, position: int, length: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert message in caught.value.message
    assert (caught.value.position, caught.value.length) == (position, length)


def test_empty_query_can_be_refused() -> None:
    assert parse("   ").is_empty
    with pytest.raises(QueryError, match="empty"):
        parse("   ", allow_empty=False)


def test_pretty_puts_the_caret_under_the_error() -> None:
    text = "refund\tsentiment:happy"
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.pretty(text) == "refund sentiment:happy\n                 ^^^^^"


def test_pretty_counts_wide_characters_and_windows_long_queries() -> None:
    assert QueryError("x", 3, 2).pretty("日本 foo") == "日本 foo\n     ^^"
    long = "a " * 100 + "foo:bar"
    pretty = QueryError("x", 200, 4).pretty(long)
    first, carets = pretty.split("\n")
    assert first.startswith("…") and len(first) <= 73
    assert first[carets.index("^") :].startswith("foo:")


# ---- evaluation ------------------------------------------------------------------------------------------------------
WHEN = datetime(2024, 5, 1, 12, 0)


def post(text: str = "", **kw: object) -> Post:
    fields: dict[str, object] = {"id": 1, "channel": "reddit", "external_id": "x", "text": text, "created_at": WHEN}
    fields.update(kw)
    return Post(**fields)  # type: ignore[arg-type]


LATE = post("My REFUND is late again, café was naïve", title="Refund request")
LINKED = post("See https://example.com for the e-mail form", channel="rss", sentiment_label="positive")


@pytest.mark.parametrize(
    ("query", "target", "expected"),
    [
        ("refund", LATE, True),
        ("refunds", LATE, False),  # whole tokens only
        ("refund*", LATE, True),
        ("ref*", LATE, True),
        ("requ*", LATE, True),  # the title counts too
        ('"refund is late"', LATE, True),
        ('"is refund late"', LATE, False),
        ('"late again"', LATE, True),
        ('"late ag"*', LATE, True),
        ('"request my"', LATE, False),  # a phrase never runs from the title into the text
        ("CAFE NAIVE", LATE, True),
        ("café", LATE, True),
        ("cafe\u0301", LATE, True),
        ("e-mail", LINKED, True),
        ('"e mail"', LINKED, True),
        ("email", LINKED, False),
        ("refund late", LATE, True),
        ("refund missing", LATE, False),
        ("missing OR late", LATE, True),
        ("missing late OR refund", LATE, True),
        ("missing (late OR refund)", LATE, False),
        ("-refund", LATE, False),
        ("-refund", LINKED, True),
        ("-(missing OR refund)", LATE, False),
        ("-(missing refund)", LATE, True),
        ("late -missing", LATE, True),
        ("--refund", LATE, True),
        ("channel:reddit", LATE, True),
        ("-channel:reddit", LATE, False),
        ("channel:rss has:link", LINKED, True),
        ("has:link", LATE, False),
        ("has:link", post("http without scheme", url="https://x.example"), True),
        ("has:link", post("HTTPS://SHOUTING.example"), False),  # exactly Post.has_link: case matters
        ("sentiment:pos", LINKED, True),
        ("sentiment:negative OR sentiment:neutral", LATE, True),
        ("is:unread", LATE, True),
        ("is:read", replace(LATE, is_read=True), True),
        ("lang:en", post(lang="en-GB"), True),
        ("lang:EN", post(lang="en"), True),
        ("lang:en", post(lang="eng"), False),
        ("author:janedoe", post(author_handle="@JaneDoe"), True),
        ("author:@JANEDOE", post(author_handle="janedoe"), True),
        ('author:"jane doe"', post(author_handle="jd", author_name="Jane Doe"), True),
        ("author:jane", post(author_handle="jd", author_name="Jane Doe"), False),
        ("author:émile", post(author_handle="Émile"), False),  # A-Z only, like SQLite's lower()
        ('source:"dell blog"', post(source_name="Dell Blog"), True),
        ("source:dell", post(source_name="Dell Blog"), False),
        ("tag:urgent", post(tags=("Urgent", "vip")), True),
        ("tag:later", post(tags=("Urgent",)), False),
        ("", LATE, True),
        ("-channel:reddit -channel:rss", LINKED, False),
    ],
)
def test_matches(query: str, target: Post, expected: bool) -> None:
    assert parse(query).matches(target) is expected


def test_source_name_argument_wins_over_the_post() -> None:
    query = parse('source:"Dell blog"')
    assert query.matches(post(source_name="Other"), source_name="Dell blog")
    assert not query.matches(post(source_name="Dell blog"), source_name="Other")


def test_field_the_post_does_not_have_yet_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    # a field a later feature registers before posts carry its attribute
    monkeypatch.setitem(FIELDS, "stage", FieldSpec("stage", "a future field", lambda p, k, s: True, attr="stage"))
    query = parse("refund stage:open")
    with pytest.raises(QueryError, match=r"`stage:` is not available yet") as caught:
        query.matches(LINKED)  # raised even though `refund` alone already fails
    assert (caught.value.position, caught.value.length) == (7, 10)


def test_words_are_the_positive_terms_for_highlighting() -> None:
    query = parse('refund* "late delivery" -broken -(-café) channel:rss OR refund*')
    assert query.words() == ("refund*", "late delivery", "café")
    assert query.fields() == {"channel"}


def test_highlight_spans_follow_the_tokenizer() -> None:
    text = "Refunds: late   delivery, not LATE DELIVERED; Café!"
    spans = parse('refund* "late delivery" cafe -not').highlight_spans(text)
    assert [text[a:b] for a, b in spans] == ["Refunds", "late   delivery", "Café"]


def test_registered_field_needs_no_parser_change() -> None:
    spec = FieldSpec(
        "priority",
        "how urgent",
        lambda p, key, s: p.likes is not None and str(p.likes) == key,
        values=("1", "2", "3"),
        aliases={"high": "1"},
    )
    register_field(spec)
    try:
        query = parse("priority:HIGH OR refund")
        assert str(query) == "priority:1 OR refund"
        assert query.matches(post("x", likes=1))
        with pytest.raises(QueryError, match="Use one of: 1, 2, 3"):
            parse("priority:9")
    finally:
        del FIELDS["priority"]


# ---- properties --------------------------------------------------------------------------------------------------
WORDS = st.sampled_from(["refund", "Late", "café", "e-mail", "ref*", "OR", "or", "x:y", "10:30", "naïve", "wait🤔"])
ATOMS = st.one_of(
    WORDS.filter(lambda w: w not in ("OR", "x:y")),
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(["channel:rss", "sentiment:neg", 'author:"Jane Doe"', "is:read", "has:link", "tag:a"]),
)


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map(" OR ".join),
        inner.map(lambda q: f"-({q})"),
        inner.map(lambda q: f"({q})"),
        inner.map(lambda q: f"NOT {q}"),
    )


@settings(max_examples=200, database=None, deadline=None)
@given(st.recursive(ATOMS, _compose, max_leaves=8))
def test_normalised_form_parses_back_to_the_same_tree(text: str) -> None:
    query = parse(text)
    again = parse(str(query))
    assert again.root == query.root
    assert str(again) == str(query)

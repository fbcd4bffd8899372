"""The stream layout file and the stream service, without Qt: what a user's boards look like after a restart,
and which posts a column with mutes and a clear shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.core.query import QueryError
from scrm_desktop.listening.api import PostIn
from scrm_desktop.streams import (
    BoardSpec,
    ColumnSpec,
    Layout,
    LayoutStore,
    StreamService,
    author_mute,
    check_mute,
    check_query,
    compose_query,
    default_layout,
)
from scrm_desktop.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "ws"))
    yield workspace
    workspace.close()


def post(i: int, text: str, author: str = "someone", channel: str = "mastodon", minutes_ago: float = 0) -> PostIn:
    return PostIn(
        channel=channel,
        external_id=f"p{i}",
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
        author_handle=author,
    )


# ---- layout file ---------------------------------------------------------------------------------------------
def test_a_new_workspace_gets_the_default_board(tmp_path):
    layout = LayoutStore(tmp_path).load()
    assert [b.name for b in layout.boards] == ["Mentions"]
    names = [c.name for c in layout.boards[0].columns]
    assert names == ["All mentions", "Negative", "Questions & leads", "Mastodon"]
    queries = [c.query for c in layout.boards[0].columns]
    assert queries[1] == "sentiment:negative" and queries[3] == "channel:mastodon"
    assert all(check_query(q) is None for q in queries)


def test_layout_round_trips_through_the_file(tmp_path):
    store = LayoutStore(tmp_path)
    layout = default_layout()
    col = layout.boards[0].columns[1]
    col.mutes = ["crypto", 'author:"Spam Bot"']
    col.width = 512
    col.cleared_at = "2025-01-02T03:04:05"
    layout.boards.append(BoardSpec("Competitors", [ColumnSpec("Acme", "acme", notify=True)]))
    layout.boards[0].columns.append(ColumnSpec("Search: refund", "refund", temporary=True))
    layout.current = 1
    store.save(layout)

    again = LayoutStore(tmp_path).load()
    assert [b.name for b in again.boards] == ["Mentions", "Competitors"]
    assert again.current == 1
    assert [c.name for c in again.boards[0].columns] == ["All mentions", "Negative", "Questions & leads", "Mastodon"]
    neg = again.boards[0].columns[1]
    assert (neg.mutes, neg.width, neg.id) == (["crypto", 'author:"Spam Bot"'], 512, col.id)
    assert neg.cleared() == datetime(2025, 1, 2, 3, 4, 5)
    assert again.boards[1].columns[0].notify is True
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"boards": []}',
        '{"boards": [{"name": "x", "columns": [{"name": 3}]}]}',
        '{"boards": [{"columns": [{"mutes": "word"}]}]}',
        "\x00\xff garbage",
        "[" * 100_000,
    ],
)
def test_a_broken_layout_file_is_kept_aside_and_the_default_used(tmp_path, content):
    (tmp_path / "boards.json").write_text(content, encoding="utf-8", errors="surrogateescape")
    store = LayoutStore(tmp_path)
    layout = store.load()
    assert [b.name for b in layout.boards] == ["Mentions"]
    kept = list(tmp_path.glob("boards.broken-*.json"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8", errors="surrogateescape") == content
    assert "could not be read" in store.problem and kept[0].name in store.problem
    assert not (tmp_path / "boards.json").exists()


def test_unknown_keys_and_odd_values_are_tolerated(tmp_path):
    raw = {
        "version": 9,
        "current": 42,
        "future": True,
        "boards": [{"name": "B" * 500, "columns": [{"name": "", "width": -5, "color": "red", "mutes": ["", "x"]}]}],
    }
    (tmp_path / "boards.json").write_text(json.dumps(raw), encoding="utf-8")
    layout = LayoutStore(tmp_path).load()
    assert layout.current == 0
    assert len(layout.boards[0].name) == 80
    col = layout.boards[0].columns[0]
    assert (col.name, col.width, col.mutes) == ("Column", 0, ["x"])


# ---- mutes and queries -----------------------------------------------------------------------------------------
def test_mutes_become_exclusions():
    assert compose_query("", []) == ""
    assert compose_query("refund OR broken", ["crypto", "author:bot"]) == "(refund OR broken) -(crypto) -(author:bot)"
    assert compose_query("", [" spam "]) == "-(spam)"
    assert author_mute("@jane") == "author:jane"
    assert author_mute("Jane Doe") == 'author:"Jane Doe"'
    assert check_mute("crypto") is None
    assert isinstance(check_mute('"unclosed'), QueryError)
    assert isinstance(check_mute("   "), QueryError)
    err = check_query("channel:myspace")
    assert isinstance(err, QueryError) and err.position == len("channel:")


def test_a_column_shows_its_query_minus_its_mutes(ws):
    ws.ingestor.ingest(
        [
            post(1, "my laptop screen is broken", author="alice", minutes_ago=5),
            post(2, "broken hinge, also crypto giveaway", author="bob", minutes_ago=4),
            post(3, "broken charger", author="spambot", minutes_ago=3),
            post(4, "love the new keyboard", author="carol", minutes_ago=2),
        ]
    )
    service = StreamService(ws)
    spec = ColumnSpec("Broken", "broken", mutes=["crypto", author_mute("@spambot")])
    shown = service.page(spec.full_query())
    assert [p.external_id for p in shown] == ["p1"]
    assert {p.external_id for p in service.page("")} == {"p1", "p2", "p3", "p4"}
    assert service.count_unread(spec.full_query()) == 1
    with pytest.raises(QueryError):
        service.page("(unbalanced")


def test_clearing_hides_older_posts_and_marks_them_read(ws):
    ws.ingestor.ingest([post(i, f"refund request {i}", minutes_ago=30 - i) for i in range(5)])
    service = StreamService(ws)
    assert len(service.mark_all_read("refund")) == 5
    assert service.count_unread("refund") == 0
    cleared = service.newest("refund")
    assert service.page("refund", newer_than=cleared) == []
    ws.ingestor.ingest([post(99, "another refund request")])
    assert [p.external_id for p in service.since("refund", 0, newer_than=cleared)] == ["p99"]
    assert service.count_unread("refund", newer_than=cleared) == 1


def test_search_finds_exactly_the_matching_posts(ws):
    ws.ingestor.ingest([post(i, t) for i, t in enumerate(["refund please", "no refunds here", "refund now", "hi"])])
    service = StreamService(ws)
    assert {p.external_id for p in service.search("refund")} == {"p0", "p2"}
    assert {p.external_id for p in service.search("refund*")} == {"p0", "p1", "p2"}
    with pytest.raises(QueryError):
        service.search("   ")


def test_the_compiled_query_cache_stays_small(ws):
    service = StreamService(ws)
    for i in range(200):
        service.page(f"word{i}", limit=1)
    assert len(service._cache) <= StreamService.CACHE


def test_layout_find_locates_a_column():
    layout = Layout([BoardSpec("A", [ColumnSpec("x")]), BoardSpec("B", [ColumnSpec("y")])])
    target = layout.boards[1].columns[0]
    assert layout.find(target.id) == (layout.boards[1], target)
    assert layout.find("nope") is None

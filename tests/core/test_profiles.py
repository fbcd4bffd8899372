"""Matching profiles across channels (names, URLs, handles) and ranking influencers and advocates: pure rules."""

from __future__ import annotations

import pytest

from scrm_desktop.core.customer_csv import CsvError, parse
from scrm_desktop.core.influence import Activity, csv_rows, is_advocate, rank_advocates, rank_influencers
from scrm_desktop.core.profiles import handle_key, handles_for_url, normalize_name, split_handles, urls_in


def test_names_urls_and_handles_compare_across_channels():
    assert normalize_name("  Ana   SILVA ") == normalize_name("ana silva")
    assert urls_in("see https://www.reddit.com/u/ana_s/, or www.x.com/ana.") == [
        "https://www.reddit.com/u/ana_s/",
        "www.x.com/ana",
    ]
    assert handles_for_url("https://social.example/@ana") == [
        ("mastodon", "@ana@social.example"),
        ("mastodon", "ana@social.example"),
    ]
    assert ("reddit", "u/ana_s") in handles_for_url("https://old.reddit.com/user/ana_s")
    assert handles_for_url("https://example.com/") == []
    keys = {handle_key(h) for h in ("@ana_s@x.social", "ana-s.bsky.social", "u/ana_s", "@Ana.S")}
    assert keys == {"anas"}


def test_handles_column_needs_channel_prefixes():
    assert split_handles("mastodon:@a@x.social; reddit:u/b") == [("mastodon", "@a@x.social"), ("reddit", "u/b")]
    with pytest.raises(ValueError, match="not channel:handle"):
        split_handles("just-a-handle")


def test_csv_rows_keep_line_numbers_across_quoted_newlines():
    rows, problems, ignored = parse('name,notes,shoe size\n"Ana","two\nlines",42\nBob,,\n,,\n"Cy",x,1,extra\n')
    assert [(r.line, r.name) for r in rows] == [(2, "Ana"), (4, "Bob")]
    assert [str(p) for p in problems] == ["line 6: 4 values but the header has 3 columns"]
    assert ignored == ["shoe size"]
    with pytest.raises(CsvError):
        parse("")


def act(aid, followers=0, posts=1, positive=0, upos=0, negative=0, engagement=0):
    return Activity(aid, "reddit", f"h{aid}", "", followers, posts, positive, negative, upos, engagement)


def test_influence_counts_reach_and_advocacy_ignores_it():
    big = act(1, followers=100_000, posts=2)
    engaged = act(2, followers=500, posts=2, engagement=20_000)
    fan = act(3, followers=3, posts=4, positive=4, upos=4)
    assert [r.activity.author_id for r in rank_influencers([fan, engaged, big])] == [2, 1, 3]
    assert [r.activity.author_id for r in rank_advocates([fan, engaged, big])] == [3]
    assert not is_advocate(act(4, posts=3, positive=3, upos=2))  # twice is not yet "repeated"
    assert not is_advocate(act(5, posts=10, positive=5, upos=5, negative=5))  # as often negative


def test_csv_cells_never_start_a_formula():
    row = csv_rows(rank_influencers([Activity(1, "x", "=HYPERLINK(1)", "@SUM(A1)", 0, 1, 0, 0, 0, 0)]))[0]
    assert row[2] == "'=HYPERLINK(1)" and row[3] == "'@SUM(A1)"

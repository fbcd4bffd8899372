"""Customers: suggested links (name, e-mail, bio URL), confirm and undo, combined history across channels, CSV
import, influencers and advocates with their evidence, the advocate flag and rule condition, flags on posts."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.core.customer_csv import CsvError
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.customer_import import import_file, import_text
from scrm_desktop.store.customers import CustomerError
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def post(channel, ext, handle, text, minutes, name="", followers=None, extra=None, reply_to="", likes=None):
    return PostIn(
        channel=channel,
        external_id=ext,
        text=text,
        created_at=NOW - timedelta(minutes=minutes),
        author_handle=handle,
        author_name=name,
        author_followers=followers,
        extra=extra or {},
        reply_to=reply_to,
        likes=likes,
    )


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    workspace.ingestor.ingest(
        [
            post(
                "mastodon",
                "m1",
                "@ana@x.social",
                "Love the new Aero, great battery",
                50,
                "Ana Silva",
                120,
                {"author_bio": "Also at https://www.reddit.com/u/ana_s/ and elsewhere"},
            ),
            post("reddit", "r1", "ana_s", "My Aero arrived, it's excellent", 40, "ana  SILVA"),
            post("mastodon", "m2", "@ana@x.social", "Brilliant support today, thank you!", 30, "Ana Silva", 120),
            post("bluesky", "b1", "bo.bsky.social", "meh", 20, "Bo", 10, {"author_email": "bo@example.com"}),
            post("reddit", "r2", "bo_r", "the fan is loud", 10, "Robert", 5, {"author_email": "BO@example.com"}),
            post("youtube", "y1", "@bigtech", "Review: the Aero is fine", 5, "Big Tech Reviews", 2_000_000, likes=5000),
        ]
    )
    yield workspace
    workspace.close()


def profile(ws, channel, handle):
    found = ws.customers.find_profile(channel, handle)
    assert found is not None
    return found


def test_suggestions_offer_same_name_email_and_bio_link_and_apply_nothing(ws):
    found = {(s.reason, s.a.label, s.b.label) for s in ws.customers.suggestions()}
    assert ("bio link", "mastodon:@ana@x.social", "reddit:ana_s") in found
    assert ("same e-mail", "bluesky:bo.bsky.social", "reddit:bo_r") in found
    assert ws.customers.list() == []  # only offered


def test_same_display_name_on_two_channels_is_suggested(ws):
    ws.ingestor.ingest(
        [
            post("bluesky", "b9", "carla.bsky.social", "hi", 3, "Carla Mendes"),
            post("reddit", "r9", "cmendes", "hello", 2, "carla mendes"),
        ]
    )
    names = [s for s in ws.customers.suggestions() if s.reason == "same name"]
    assert [(s.a.handle, s.b.handle, s.detail) for s in names] == [("carla.bsky.social", "cmendes", "carla mendes")]


def test_confirm_links_both_and_undo_restores_both_sides(ws):
    [bio] = [s for s in ws.customers.suggestions() if s.reason == "bio link"]
    result = ws.customers.confirm(bio, actor="sam")
    ana_m, ana_r = profile(ws, "mastodon", "@ana@x.social"), profile(ws, "reddit", "ana_s")
    customer = ws.customers.customer_for_author(ana_r.author_id)
    assert customer is not None and customer.name == "Ana Silva"
    assert set(customer.profiles) == {("mastodon", "@ana@x.social"), ("reddit", "ana_s")}
    assert all(s.reason != "bio link" for s in ws.customers.suggestions())  # linked pairs are not offered again
    ws.customers.undo(result, actor="sam")
    assert ws.customers.customer_for_author(ana_m.author_id) is None
    assert ws.customers.customer_for_author(ana_r.author_id) is None
    assert ws.customers.list() == []
    assert any(s.reason == "bio link" for s in ws.customers.suggestions())  # offered again
    kinds = [e.kind for e in ws.customers.events()]
    assert kinds == ["delete", "unlink", "unlink", "link", "link", "create"]
    assert {e.actor for e in ws.customers.events()} == {"sam"}


def test_unlinking_one_profile_keeps_the_record_and_its_other_profiles(ws):
    c = ws.customers.create("Ana Silva", email="ana@example.com", tier="vip", tags=["beta", "beta", "press"])
    ana_m, ana_r = profile(ws, "mastodon", "@ana@x.social"), profile(ws, "reddit", "ana_s")
    ws.customers.link(ana_m.author_id, c.id, actor="lee")
    ws.customers.link(ana_r.author_id, c.id, actor="lee")
    ws.customers.unlink(ana_r.author_id, actor="lee")
    kept = ws.customers.get(c.id)
    assert kept.profiles == (("mastodon", "@ana@x.social"),) and kept.tier == "vip" and kept.tags == ("beta", "press")
    assert ws.customers.customer_for_author(ana_r.author_id) is None


def test_a_profile_linked_elsewhere_is_refused_with_the_owner(ws):
    a = ws.customers.create("First")
    b = ws.customers.create("Second")
    bo = profile(ws, "bluesky", "bo.bsky.social")
    ws.customers.link(bo.author_id, a.id)
    with pytest.raises(CustomerError, match="already linked to 'First'"):
        ws.customers.link(bo.author_id, b.id)
    with pytest.raises(CustomerError, match="tier"):
        ws.customers.create("X", tier="gold")


def test_dismissed_suggestions_are_not_offered_again(ws):
    [email] = [s for s in ws.customers.suggestions() if s.reason == "same e-mail"]
    ws.customers.dismiss(email, actor="sam")
    assert all(s.reason != "same e-mail" for s in ws.customers.suggestions())


def test_history_merges_linked_profiles_newest_first_with_keyset_paging(ws):
    c = ws.customers.create("Ana")
    for channel, handle in (("mastodon", "@ana@x.social"), ("reddit", "ana_s")):
        ws.customers.link(profile(ws, channel, handle).author_id, c.id)
    history = ws.customers.history(c.id)
    assert [p.external_id for p in history] == ["m2", "r1", "m1"]
    first = ws.customers.history(c.id, limit=2)
    rest = ws.customers.history(c.id, before=(first[-1].created_at, first[-1].id), limit=2)
    assert [p.external_id for p in first + rest] == ["m2", "r1", "m1"]


def test_profile_stats_give_a_sentiment_trend_and_cases(ws):
    ana = profile(ws, "mastodon", "@ana@x.social")
    stats = ws.customers.stats(ana.author_id)
    assert sum(pos for _, pos, _, _ in stats.trend) == 2 and stats.cases == 0
    assert ana.post_count == 2 and ana.first_seen < ana.last_seen


CSV_TEXT = (
    "\ufeffName;E-mail;Tier;Tags;Notes;mastodon;reddit;handles\n"
    'Ana Silva;ana@example.com;VIP;beta, press;"likes ""Aero""";@ana@x.social;;\n'
    "Nobody Here;nobody@example.com;;;;;u/ghost;\n"
    ";;;;;;;\n"
    "Broken Mail;not-an-email;;;;;;\n"
    'Bo;bo@example.com;;;;;;"bluesky:bo.bsky.social; reddit:bo_r"\n'
    "Weird Tier;w@example.com;platinum;;;;;\n"
)


def test_csv_import_creates_matches_links_and_reports_rows_by_line(ws, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    report = import_file(ws.customers, path, actor="import")
    assert (report.created, report.matched, report.linked) == (3, 0, 3)
    assert [str(p) for p in report.unmatched] == ["line 3: no reddit profile u/ghost seen yet"]
    assert [str(p) for p in report.errors] == [
        "line 5: 'not-an-email' is not an e-mail address",
        "line 7: tier 'platinum' is not understood (use vip or leave it empty)",
    ]
    ana = ws.customers.customer_for_author(profile(ws, "mastodon", "@ana@x.social").author_id)
    assert ana is not None and ana.tier == "vip" and ana.tags == ("beta", "press") and ana.note == 'likes "Aero"'
    bo = ws.customers.by_email("bo@example.com")
    assert bo is not None and set(bo.profiles) == {("bluesky", "bo.bsky.social"), ("reddit", "bo_r")}
    # importing again matches by e-mail: nothing new, nothing lost
    again = import_text(ws.customers, "name,email,tags\nAna Silva,ANA@example.com,loyal\n")
    assert (again.created, again.matched) == (0, 1)
    assert ws.customers.by_email("ana@example.com").tags == ("beta", "press", "loyal")
    assert len(ws.customers.list()) == 3


def test_csv_without_a_name_or_email_column_is_refused(ws):
    with pytest.raises(CsvError, match="No 'name' or 'email' column"):
        import_text(ws.customers, "who,what\na,b\n")


def praise_once_more(ws):
    ws.ingestor.ingest([post("mastodon", "m0", "@ana@x.social", "Best laptop I have owned, love it", 60, "Ana Silva")])


def test_influencers_rank_by_reach_and_advocates_by_unprompted_praise(ws, tmp_path):
    praise_once_more(ws)
    influencers = ws.influence.influencers(days=7)
    assert influencers[0].activity.handle == "@bigtech" and influencers[0].examples
    advocates = ws.influence.advocates(days=7)
    assert [(r.activity.handle, r.activity.unprompted_positive) for r in advocates] == [("@ana@x.social", 3)]
    assert advocates[0].activity.positive_share == 1.0 and len(advocates[0].examples) == 3
    out = tmp_path / "advocates.csv"
    assert ws.influence.export_csv("advocates", 7, out) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["handle"] == "@ana@x.social" and rows[0]["positive_share"] == "1.00"
    assert rows[0]["example_post_ids"] == " ".join(map(str, advocates[0].examples))


def test_replies_are_not_unprompted_praise(ws):
    ws.ingestor.ingest(
        [post("reddit", f"x{i}", "replier", "Thanks, great help!", 1 + i, reply_to="r1") for i in range(3)]
    )
    assert "replier" not in [r.activity.handle for r in ws.influence.advocates(days=7)]


def test_advocate_flag_is_kept_at_ingest_and_shows_on_posts_and_rules(ws):
    assert not profile(ws, "mastodon", "@ana@x.social").advocate  # two positive posts are not yet "repeated"
    praise_once_more(ws)
    assert profile(ws, "mastodon", "@ana@x.social").advocate  # the third: flagged at ingest
    assert {p.external_id for p in ws.db.posts.page() if p.author_advocate} == {"m0", "m1", "m2"}
    ws.rules.set_vip(profile(ws, "reddit", "bo_r").author_id)
    assert [p.external_id for p in ws.db.posts.page() if p.author_vip] == ["r2"]
    ws.rules.save(Rule(name="Thank advocates", query="", actions=parse_actions("tag: thank"), advocate_only=True))
    ws.ingestor.ingest([post("mastodon", "m3", "@ana@x.social", "Aero again, still love it", 1, "Ana Silva")])
    m3 = next(p for p in ws.db.posts.page() if p.external_id == "m3")
    assert [h["value"] for h in ws.rules.hits(m3.id)] == ["thank"]
    assert ws.rules.dry_run(ws.rules.list()[0]) == (4, 8)
    assert ws.influence.refresh_advocates(days=7) == 1


def test_an_advocate_who_turns_negative_loses_the_flag_at_ingest(ws):
    praise_once_more(ws)
    assert profile(ws, "mastodon", "@ana@x.social").advocate
    ws.ingestor.ingest(
        [post("mastodon", f"n{i}", "@ana@x.social", "terrible, broken again, awful support", 5 - i) for i in range(3)]
    )
    assert not profile(ws, "mastodon", "@ana@x.social").advocate  # 3 of 6 positive: below 75%
    assert not any(p.author_advocate for p in ws.db.posts.page())

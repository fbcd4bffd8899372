"""Posts read from the store carry their topics and the tags rules gave them, so cards show them and the
in-memory query evaluation sees what SQL sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.ui.views.post_delegate import footer_text
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TEXTS = ["Acme refund still not here", "Acme laptop is great", "Corvex refund came fast", "nothing to see"]


def test_read_posts_carry_topics_and_rule_tags(basedir) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(str(basedir))
    try:
        ws.topics.add("Acme", "brand", "acme")
        ws.topics.add("Corvex", "competitor", "corvex")
        ws.rules.save(Rule("refunds", "refund", parse_actions("tag: refund\ntag: money")))
        ws.ingestor.ingest(
            [
                PostIn("mastodon", f"p{i}", text, NOW - timedelta(minutes=10 - i), author_handle="amy")
                for i, text in enumerate(TEXTS)
            ]
        )
        by_text = {p.text: p for p in ws.db.posts.page(limit=100)}
        assert by_text["Acme refund still not here"].topics == ("Acme",)
        assert by_text["Acme refund still not here"].tags == ("refund", "money")
        assert by_text["Acme laptop is great"].tags == () and by_text["Acme laptop is great"].topics == ("Acme",)
        assert by_text["Corvex refund came fast"].topics == ("Corvex",)
        assert by_text["nothing to see"].topics == () and by_text["nothing to see"].tags == ()
        assert ws.db.posts.get(by_text["Corvex refund came fast"].id).tags == ("refund", "money")
        assert "◆ Acme" in footer_text(by_text["Acme refund still not here"])
        assert "#refund" in footer_text(by_text["Acme refund still not here"])
        posts = list(by_text.values())
        for text in ("topic:acme", "tag:refund", "topic:corvex tag:money", "-tag:refund"):
            query = parse(text)
            in_sql = {p.id for p in ws.db.posts.page(to_sql(query), limit=100)}
            assert in_sql == {p.id for p in posts if query.matches(p)}, text
    finally:
        ws.close()


def test_read_posts_carry_their_case_status_and_assignee(basedir) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(str(basedir))
    try:
        ws.ingestor.ingest(
            [PostIn("mastodon", f"p{i}", text, NOW - timedelta(minutes=10 - i)) for i, text in enumerate(TEXTS)]
        )
        by_text = {p.text: p for p in ws.db.posts.page(limit=100)}
        ws.cases.open_from_post(by_text["Acme refund still not here"].id, "lead")
        case = ws.cases.open_from_post(by_text["Corvex refund came fast"].id, "lead")
        ws.cases.assign(case.id, "lead", "sam")
        by_text = {p.text: p for p in ws.db.posts.page(limit=100)}
        assert by_text["Acme refund still not here"].status and by_text["Acme refund still not here"].assignee == ""
        assert by_text["Corvex refund came fast"].assignee == "sam"
        assert by_text["nothing to see"].status == "" and by_text["nothing to see"].assignee == ""
        posts = list(by_text.values())
        status = by_text["Acme refund still not here"].status
        for text in (f"status:{status}", "status:none", "assignee:sam", "assignee:none", "-assignee:none"):
            query = parse(text)
            in_sql = {p.id for p in ws.db.posts.page(to_sql(query), limit=100)}
            assert in_sql == {p.id for p in posts if query.matches(p)}, text
    finally:
        ws.close()

"""The store on a real PostgreSQL server: several desktops share one database, so everything they share is tested.

A throwaway cluster is started once for this module (tests/postgres_server.py); each test gets its own database.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.engage.cases import ClaimRefused
from scrm_desktop.listening.api import PostIn
from scrm_desktop.streams import StreamService
from scrm_desktop.workspace import Workspace
from tests.postgres_server import PgCluster
from tests.store.schema import schema_diff

LEASE = 900


@pytest.fixture
def demo_ws(basedir: Path, pg_url: str) -> Iterator[Workspace]:
    """The demo workspace on PostgreSQL with the demo scenario ingested once."""
    ws = Workspace.open(str(basedir), db_url=pg_url, demo=True)
    outcome = ws.run_once()
    assert outcome and outcome[0].ok and outcome[0].items > 500
    yield ws
    ws.close()


def all_posts(ws: Workspace) -> list:
    return ws.db.posts.page(None, limit=100_000)


def test_the_schema_on_postgresql_is_exactly_the_declared_one(pg_url: str, basedir: Path) -> None:
    ws = Workspace.open(str(basedir), db_url=pg_url)
    try:
        assert schema_diff(ws.db.engine) == []
    finally:
        ws.close()


def test_a_second_desktop_opens_the_same_database_without_migrating_again(pg_url: str, basedir: Path) -> None:
    first = Workspace.open(str(basedir / "a"), db_url=pg_url, demo=True)
    first.run_once()
    n = first.db.posts.count()
    second = Workspace.open(str(basedir / "b"), db_url=pg_url)
    try:
        assert second.db.posts.count() == n > 0
        assert second.db.posts.latest_id() == first.db.posts.latest_id()
    finally:
        second.close()
        first.close()


def test_stream_queries_in_sql_agree_with_the_in_memory_evaluation(demo_ws: Workspace) -> None:
    posts = all_posts(demo_ws)
    streams = StreamService(demo_ws)
    queries = [
        "brightwave",
        '"brightwave care"',
        "flux*",
        "update OR battery",
        "brightwave -aero",
        "(keyboard OR screen) channel:mastodon",
        "sentiment:negative",
        "sentiment:positive -channel:rss",
        "has:link",
        "trait:venting",
        "intent:purchase",
        "lang:en corvex",
        "is:unread nimbly",
    ]
    for text in queries:
        query = parse(text)
        expected = [p.id for p in posts if query.matches(p)]
        got = [p.id for p in streams.page(text, limit=100_000)]
        assert got == expected, text
        assert expected, f"{text!r} matched nothing in the demo"


def test_keyset_paging_visits_every_post_once_newest_first(demo_ws: Workspace) -> None:
    seen: list = []
    before = None
    while page := demo_ws.db.posts.page(None, before=before, limit=97):
        seen += page
        last = page[-1]
        before = (last.created_at, last.id)
    assert len({p.id for p in seen}) == len(seen) == demo_ws.db.posts.count()
    keys = [(p.created_at, p.id) for p in seen]
    assert keys == sorted(keys, reverse=True)


def test_reading_marks_and_unread_counts(demo_ws: Workspace) -> None:
    streams = StreamService(demo_ws)
    before = streams.count_unread("battery")
    assert before > 0
    ids = [p.id for p in streams.page("battery", limit=5)]
    demo_ws.db.posts.mark_read(ids)
    assert streams.count_unread("battery") == before - len(ids)
    assert streams.mark_all_read("battery")
    assert streams.count_unread("battery") == 0


def test_the_same_posts_ingested_twice_are_stored_once(pg_url: str, basedir: Path) -> None:
    ws = Workspace.open(str(basedir), db_url=pg_url)
    try:
        when = datetime(2026, 11, 1, 12, tzinfo=UTC)
        batch = [
            PostIn("import", f"x{i}", f"the app is down again {i}", when + timedelta(minutes=i), author_handle="amy")
            for i in range(30)
        ]
        first = ws.ingestor.ingest(batch)
        again = ws.ingestor.ingest(batch)
        assert (first.inserted, again.inserted) == (30, 0)
        assert ws.db.posts.count() == 30
    finally:
        ws.close()


def test_topic_rollups_equal_a_direct_count_after_deletes(demo_ws: Workspace) -> None:
    start, end = datetime(2000, 1, 1), datetime(2100, 1, 1)
    brand = demo_ws.topics.by_name("Brightwave")
    query = parse(brand.query)
    doomed = [p.id for p in all_posts(demo_ws) if query.matches(p)][:25]
    assert len(doomed) == 25
    demo_ws.db.posts.delete_posts(doomed)
    direct: dict[str, int] = {}
    for p in all_posts(demo_ws):
        if query.matches(p):
            direct[p.sentiment_label] = direct.get(p.sentiment_label, 0) + 1
    rolled: dict[str, int] = {}
    for _bucket, topic_id, label, n in demo_ws.topics.topic_counts(start, end):
        if topic_id == brand.id:
            rolled[label] = rolled.get(label, 0) + n
    assert rolled == direct and sum(direct.values()) > 0


def test_rule_dry_run_equals_the_real_run(demo_ws: Workspace) -> None:
    rule = Rule("angry", "sentiment:negative (battery OR update*)", parse_actions("tag: hot"))
    matched, tried = demo_ws.rules.dry_run(rule, last=200)
    assert tried == 200 and matched > 0
    recent = demo_ws.db.posts.page(None, limit=200)
    assert matched == sum(1 for p in recent if parse(rule.query).matches(p))


def _claim_all(url: str, agent: str, n: int, start: datetime, barrier, results) -> None:  # type: ignore[no-untyped-def]
    from scrm_desktop.store.cases import CaseRepo
    from scrm_desktop.store.engine import open_engine

    engine = open_engine(url)
    repo = CaseRepo(engine)
    barrier.wait(timeout=30)
    results[agent] = [cid for cid in range(1, n + 1) if repo.claim(cid, agent, start, LEASE)]
    engine.dispose()


def test_two_desktops_never_both_hold_a_case_on_postgresql(demo_ws: Workspace, pg_url: str) -> None:
    ids = [p.id for p in demo_ws.db.posts.page(None, limit=40)]
    for pid in ids:
        demo_ws.cases.open_from_post(pid, "lead")
    start = datetime(2026, 11, 23, 12, 0)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier, results = manager.Barrier(2), manager.dict()
        procs = [
            ctx.Process(target=_claim_all, args=(pg_url, agent, len(ids), start, barrier, results))
            for agent in ("ana", "ben")
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert all(p.exitcode == 0 for p in procs)
        ana, ben = set(results["ana"]), set(results["ben"])
    assert not ana & ben
    assert ana | ben == set(range(1, len(ids) + 1))


def test_a_missing_database_is_reported_in_plain_words(pg: PgCluster) -> None:
    from scrm_desktop.store.engine import DatabaseError, open_engine, upgrade

    engine = open_engine(pg.url("no_such_database"))
    with pytest.raises(DatabaseError, match="no_such_database"):
        upgrade(engine)


def test_the_schema_on_sqlite_is_exactly_the_declared_one(tmp_path: Path) -> None:
    from scrm_desktop.store.engine import open_engine, upgrade

    engine = open_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    assert schema_diff(engine) == []
    engine.dispose()


def test_a_team_database_password_lives_in_the_keyring_only(
    pg: PgCluster, basedir: Path, memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import io

    from scrm_desktop.cli import main
    from scrm_desktop.store.engine import DatabaseError

    password = "Kor3-pass%word"
    pg.execute("CREATE ROLE team LOGIN PASSWORD 'Kor3-pass%word'")
    url = pg.new_database(owner="team").replace("scrm@", "team@")
    with pytest.raises(DatabaseError, match="password"):
        Workspace.open(str(basedir), db_url=url)
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["--basedir", str(basedir), "--db", url, "db", "set-password"]) == 0
    assert "stored in the OS keyring" in capsys.readouterr().out
    assert list(memory_keyring.store.values()) == [password]
    assert main(["--basedir", str(basedir), "--db", url, "listen", "--once"]) == 0
    ws = Workspace.open(str(basedir), db_url=url, demo=True)
    try:
        assert ws.run_once()[0].ok
    finally:
        ws.close()
    for path in basedir.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_db_set_password_needs_a_server_url(basedir: Path, capsys: pytest.CaptureFixture) -> None:
    from scrm_desktop.cli import main

    assert main(["--basedir", str(basedir), "db", "set-password"]) == 2
    assert "--db" in capsys.readouterr().err
    assert main(["--basedir", str(basedir), "--db", f"sqlite:///{basedir}/x.db", "db", "set-password"]) == 2
    assert "SQLite" in capsys.readouterr().err


def test_two_desktops_on_postgresql_keep_their_own_agent_and_queue(pg_url: str, basedir: Path) -> None:
    from scrm_desktop.store.cases import AgentNameTaken, QueueFilter

    first = Workspace.open(str(basedir / "a"), db_url=pg_url)
    second = Workspace.open(str(basedir / "b"), db_url=pg_url)
    try:
        first.set_agent_name("Ana")
        with pytest.raises(AgentNameTaken):
            second.set_agent_name("ANA")
        second.set_agent_name("Ben")
        when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        texts = [f"refund 50% off_{i} please" for i in range(3)]
        first.ingestor.ingest([PostIn("email", f"m{i}", t, when, author_handle=f"c{i}") for i, t in enumerate(texts)])
        cases = [first.cases.open_from_post(p.id, "Ana") for p in first.db.posts.page(None, limit=3)]
        first.cases.claim(cases[0].id, "Ana")
        with pytest.raises(ClaimRefused, match="held by Ana"):
            second.cases.claim(cases[0].id, "Ben")
        now = second.cases.now()
        rows = second.cases.repo.queue_page(QueueFilter("all", text="50% off_1"), "Ben", now)
        assert [r.case.subject for r in rows] == ["refund 50% off_1 please"]  # % and _ are words, not wildcards
        assert second.cases.next_case("Ben", "all").id != cases[0].id
    finally:
        first.close()
        second.close()


def test_db_set_url_joins_the_team_database_from_the_next_start(
    pg: PgCluster, basedir: Path, memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import io
    import json

    from scrm_desktop.cli import main

    password = "T3am-db!pass"
    pg.execute(f"CREATE ROLE desk LOGIN PASSWORD '{password}'")
    url = pg.new_database(owner="desk").replace("scrm@", "desk@")
    from scrm_desktop.settings import Settings

    own = Workspace.open(str(basedir))  # a desktop that worked on its own file
    settings_file = own.paths.settings_file
    own.close()

    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(["--basedir", str(basedir), "db", "set-url", url, "--password"]) == 2
    assert "refused the password" in capsys.readouterr().err
    assert Settings.load(settings_file).db_url == ""  # a database that cannot be used is not kept

    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["--basedir", str(basedir), "db", "set-url", url, "--password"]) == 0
    out = capsys.readouterr().out
    assert "an empty database; scrm-desktop sets it up on its first start there" in out
    assert json.loads(settings_file.read_text())["db_url"] == url and list(memory_keyring.store.values()) == [password]
    ws = Workspace.open(str(basedir))  # no --db: the settings say where the team works
    try:
        assert ws.db.dialect == "postgresql" and ws.settings.db_url == url
    finally:
        ws.close()
    assert main(["--basedir", str(basedir), "db", "set-url", url]) == 0  # looked at again: set up now
    assert "0 posts, at this version" in capsys.readouterr().out

    assert main(["--basedir", str(basedir), "db", "set-url", "--local"]) == 0
    ws = Workspace.open(str(basedir))
    try:
        assert ws.db.dialect == "sqlite"
    finally:
        ws.close()
    for path in basedir.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_db_set_url_refuses_what_it_cannot_use(basedir: Path, capsys: pytest.CaptureFixture) -> None:
    from scrm_desktop.cli import main

    assert main(["--basedir", str(basedir), "db", "set-url", "notaurl"]) == 2
    assert "not a database URL" in capsys.readouterr().err
    assert main(["--basedir", str(basedir), "db", "set-url", "postgresql+psycopg://u@127.0.0.1:9/x"]) == 2
    assert "cannot reach the database server at 127.0.0.1:9" in capsys.readouterr().err
    assert main(["--basedir", str(basedir), "--demo", "db", "set-url", "--local"]) == 2
    assert "demo workspace keeps its own database" in capsys.readouterr().err
    assert main(["--basedir", str(basedir), "db", "set-url"]) == 2
    assert "--local" in capsys.readouterr().err

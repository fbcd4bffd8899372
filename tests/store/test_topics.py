"""Topics on a real temp SQLite database: tagging at ingest, exact per-topic rollups through deletes and
re-tags, the topic:/since:/until: fields in SQL, spike alerts with de-duplication and acknowledgement."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from scrm_desktop.core.measure import window_query
from scrm_desktop.core.query import parse
from scrm_desktop.store.database import Database
from scrm_desktop.store.posts import NewPost, hour_bucket
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.tables import posts
from scrm_desktop.store.topics import TopicError, TopicRepo
from scrm_desktop.store.topics_tables import post_topics, rollup_topic_hourly

T0 = datetime(2026, 11, 1, 0, 0)
NOW = T0 + timedelta(days=3)
WORDS = ("brightwave laptop", "corvex deal", "nimbly fix", "brightwave technician late", "weather today")
LABELS = ("positive", "negative", "neutral")


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'scrm.db'}")
    yield database
    database.close()


@pytest.fixture
def repo(db):
    topics = TopicRepo(db.engine, clock=lambda: NOW.replace(tzinfo=UTC))
    topics.add("Brightwave", "brand", "brightwave*")
    topics.add("Corvex", "competitor", "corvex")
    return topics


def make(rng: random.Random, n: int, start: int) -> list[NewPost]:
    return [
        NewPost(
            channel=rng.choice(("reddit", "mastodon", "rss")),
            external_id=f"p{i}",
            text=f"{rng.choice(WORDS)} {i}",
            created_at=T0 + timedelta(minutes=rng.randrange(3 * 24 * 60)),
            author_handle=f"u{i % 7}",
            author_followers=10 * (i % 7),
            sentiment_label=rng.choice(LABELS),
            likes=i % 4,
        )
        for i in range(start, start + n)
    ]


def write(db: Database, repo: TopicRepo, batch: list[NewPost]) -> None:
    db.posts.write_batch(batch, now=NOW, stages=[repo.stage()])


def rollups(db: Database) -> Counter:
    with db.engine.connect() as conn:
        rows = conn.execute(select(rollup_topic_hourly).where(rollup_topic_hourly.c.count != 0)).all()
    return Counter({(t, b, c, s): n for t, b, c, s, n in rows})


def direct(db: Database, repo: TopicRepo) -> Counter:
    """What the rollups must equal: each topic's query run over the stored posts, counted per hour."""
    out: Counter = Counter()
    with db.engine.connect() as conn:
        for topic in repo.list():
            stmt = select(posts.c.created_at, posts.c.channel, posts.c.sentiment_label).where(
                to_sql(parse(topic.query))
            )
            for created, channel, label in conn.execute(stmt):
                out[(topic.id, hour_bucket(created), channel, label)] += 1
    return out


def test_rollups_equal_a_direct_count_after_random_ingests_and_deletes(db, repo):
    rng = random.Random(5)
    for k in range(6):
        write(db, repo, make(rng, 150, k * 150))
        if k % 2:
            ids = [p.id for p in db.posts.page(limit=2000)]
            db.posts.delete_posts(rng.sample(ids, 40))
        write(db, repo, make(rng, 20, k * 150))  # duplicates: nothing new to count
    assert sum(rollups(db).values()) > 200
    assert rollups(db) == direct(db, repo)


def test_retag_after_a_query_change_matches_sql_and_reports_progress(db, repo):
    write(db, repo, make(random.Random(2), 400, 0))
    corvex = repo.by_name("Corvex")
    assert repo.update(corvex.id, query="corvex OR nimbly") is True
    seen: list[tuple[int, int]] = []
    tagged = repo.retag(corvex.id, progress=lambda done, last: seen.append((done, last)), chunk=100)
    assert tagged == db.posts.count(to_sql(parse("corvex OR nimbly")))
    assert seen[-1][0] == seen[-1][1] and len(seen) == 4
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert rollups(db) == direct(db, repo)
    assert repo.update(corvex.id, color="#123456") is False


def test_a_cancelled_retag_tags_the_newest_posts_and_keeps_rollups_exact(db, repo):
    write(db, repo, make(random.Random(8), 400, 0))
    corvex = repo.by_name("Corvex")
    repo.update(corvex.id, query="corvex OR nimbly")
    chunks: list[int] = []
    tagged = repo.retag(
        corvex.id, progress=lambda d, t: chunks.append(d), chunk=100, cancelled=lambda: len(chunks) >= 2
    )
    assert chunks == [100, 200]
    with db.engine.connect() as conn:
        ids = [i for (i,) in conn.execute(select(post_topics.c.post_id).where(post_topics.c.topic_id == corvex.id))]
    matching = {p.id for p in db.posts.page(to_sql(parse("corvex OR nimbly")), limit=1000)}
    last = max(p.id for p in db.posts.page(limit=1000))
    assert set(ids) == {i for i in matching if i > last - 200} and tagged == len(ids) > 0
    assert rollups(db) == direct_tags(db)
    repo.retag(corvex.id)  # finishing later makes it whole
    assert rollups(db) == direct(db, repo)


def direct_tags(db: Database) -> Counter:
    """The rollups recounted from the tags themselves (a partial re-tag leaves older posts untagged)."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(post_topics.c.topic_id, posts.c.created_at, posts.c.channel, posts.c.sentiment_label).join(
                posts, posts.c.id == post_topics.c.post_id
            )
        ).all()
    return Counter((t, hour_bucket(c), ch, s) for t, c, ch, s in rows)


def test_topic_and_time_fields_select_the_tagged_posts_in_the_window(db, repo):
    write(db, repo, make(random.Random(3), 300, 0))
    start, end = T0 + timedelta(hours=5), T0 + timedelta(hours=30)
    query = parse(f'topic:"brightwave" sentiment:negative {window_query(start, end)}')
    found = {p.id for p in db.posts.page(to_sql(query), limit=1000)}
    expected = {
        p.id
        for p in db.posts.page(limit=1000)
        if "brightwave" in p.text and p.sentiment_label == "negative" and start <= p.created_at < end
    }
    assert found == expected and found
    rolled = sum(
        n for b, ch, s, n in repo.counts(start, end, topic_id=repo.by_name("Brightwave").id) if s == "negative"
    )
    assert rolled == len(found)


def test_removing_a_topic_removes_its_tags_and_rollups(db, repo):
    write(db, repo, make(random.Random(4), 100, 0))
    repo.remove(repo.by_name("Corvex").id)
    with db.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(post_topics)).scalar_one()
    assert left == db.posts.count(to_sql(parse("brightwave*")))
    assert rollups(db) == direct(db, repo)


@pytest.mark.parametrize(
    ("name", "kind", "query", "message"),
    [
        ("", "topic", "x", "name"),
        ("Other", "brand", "other", "already a brand"),
        ("Brightwave", "topic", "x", "already a topic named"),
        ("X", "planet", "x", "kind"),
        ("X", "topic", '"unclosed', "not valid"),
        ("X", "topic", "", "not valid"),
        ("X", "topic", "topic:corvex", "cannot use `topic:`"),
        ("X", "topic", "planet:mars", "not valid"),
    ],
)
def test_bad_topics_are_refused_with_a_clear_message(repo, name, kind, query, message):
    with pytest.raises(TopicError, match=message):
        repo.add(name, kind, query)


def test_at_most_ten_competitors(repo):
    for i in range(9):
        repo.add(f"C{i}", "competitor", f"c{i}")
    with pytest.raises(TopicError, match="Up to 10"):
        repo.add("C10", "competitor", "c10")


def burst(n: int, start: int, when: datetime, text: str, label: str = "negative") -> list[NewPost]:
    return [
        NewPost("reddit", f"b{i}", f"{text} {i}", when + timedelta(seconds=i), sentiment_label=label, likes=i)
        for i in range(start, start + n)
    ]


def test_a_burst_raises_one_alert_per_topic_and_kind_and_it_can_be_acknowledged(db, repo):
    calm = [
        NewPost("rss", f"c{h}-{k}", f"brightwave laptop review {h}", T0 + timedelta(hours=h, minutes=k * 7))
        for h in range(48)
        for k in range(3)
    ]
    write(db, repo, calm)
    assert repo.alerts() == []
    peak = T0 + timedelta(hours=49)
    write(db, repo, burst(30, 0, peak, "brightwave technician never came no show"))
    write(db, repo, burst(30, 30, peak + timedelta(minutes=20), "brightwave technician late again"))
    found = repo.alerts()
    assert sorted((a.topic, a.kind) for a in found) == [("Brightwave", "negative"), ("Brightwave", "volume")]
    alert = next(a for a in found if a.kind == "negative")
    assert (alert.window_start, alert.window_end, alert.value) == (peak, peak + timedelta(hours=1), 60)
    assert alert.baseline < 1 and alert.baseline < alert.threshold <= 60
    assert "technician" in alert.top_terms and "brightwave" not in alert.top_terms
    assert len(alert.example_post_ids) == 5
    repo.acknowledge(alert.id, "  sam ")
    repo.acknowledge(alert.id, "alex")  # the first acknowledgement stands
    again = next(a for a in repo.alerts() if a.id == alert.id)
    assert (again.acknowledged_by, again.acknowledged_at) == ("sam", NOW)
    assert [a.kind for a in repo.alerts(unacknowledged_only=True)] == ["volume"]
    with pytest.raises(TopicError):
        repo.acknowledge(9999, "sam")


def test_channel_totals_match_a_direct_count(db, repo):
    write(db, repo, make(random.Random(6), 200, 0))
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=2)
    totals = {t.channel: t for t in repo.channel_totals(start, end)}
    inside = [p for p in db.posts.page(limit=1000) if start <= p.created_at < end]
    for channel, t in totals.items():
        mine = [p for p in inside if p.channel == channel]
        assert t.posts == len(mine)
        assert t.unique_authors == len({p.author_handle for p in mine})
        assert t.likes == sum(p.likes or 0 for p in mine)
        assert t.reach == sum({p.author_handle: p.author_followers or 0 for p in mine}.values())
        before = [p for p in db.posts.page(limit=1000) if start - (end - start) <= p.created_at < start]
        labels = [p.sentiment_label for p in before if p.channel == channel]  # the previous period (rollups)
        previous = t.previous_sentiment
        assert (previous.positive, previous.negative, previous.neutral) == tuple(
            labels.count(k) for k in ("positive", "negative", "neutral")
        )
    assert sum(t.posts for t in totals.values()) == len(inside)


def test_measures_count_links_in_text_high_reach_authors_and_honour_topic_and_channel(db, repo):
    when = T0 + timedelta(days=1, hours=2)
    batch = [
        NewPost(
            "reddit",
            "a",
            "brightwave see https://example.com/x",
            when,
            url="https://reddit.com/a",
            author_handle="big",
            author_followers=50_000,
            sentiment_label="positive",
            likes=5,
        ),
        NewPost(
            "reddit",
            "b",
            "brightwave no link here",
            when,
            url="https://reddit.com/b",
            author_handle="small",
            author_followers=10,
            sentiment_label="negative",
            replies=1,
        ),
        NewPost("reddit", "c", "corvex http://corvex.example", when, author_handle="small", author_followers=10),
        NewPost("rss", "d", "brightwave on the news", when, author_handle="paper", author_followers=20_000),
    ]
    write(db, repo, batch)
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=2)
    every = {t.channel: t for t in repo.channel_totals(start, end)}
    assert (every["reddit"].posts, every["reddit"].with_links, every["reddit"].from_high_reach) == (3, 2, 1)
    brand = repo.by_name("Brightwave").id
    mine = {t.channel: t for t in repo.channel_totals(start, end, topic_id=brand, channels=["reddit"])}
    assert list(mine) == ["reddit"]
    assert (mine["reddit"].posts, mine["reddit"].with_links, mine["reddit"].unique_authors) == (2, 1, 2)
    assert mine["reddit"].reach == 50_010 and mine["reddit"].sentiment.positive == 1
    reach = repo.top_authors(start, end, topic_id=brand)
    assert [a.handle for a in reach] == ["big", "paper", "small"]
    engaged = repo.top_authors(start, end, topic_id=brand, by="engagement")
    assert [(a.handle, a.engagement) for a in engaged][:2] == [("big", 5), ("small", 1)]
    assert [a.handle for a in repo.top_authors(start, end, channels=["rss"])] == ["paper"]
    assert repo.top_authors(end, end + timedelta(days=1)) == []


def test_sentiment_change_is_against_the_previous_period_of_the_same_length(db, repo):
    day1, day2 = T0 + timedelta(days=1, hours=5), T0 + timedelta(days=2, hours=5)
    batch = [NewPost("reddit", f"p{i}", "brightwave", day1, sentiment_label="negative") for i in range(3)]
    batch += [NewPost("reddit", f"n{i}", "brightwave", day2, sentiment_label="positive") for i in range(2)]
    batch += [NewPost("reddit", "old", "brightwave", T0 + timedelta(hours=1), sentiment_label="positive")]
    write(db, repo, batch)
    (totals,) = repo.channel_totals(T0 + timedelta(days=2), T0 + timedelta(days=3))
    assert totals.sentiment.positive == 2 and totals.previous_sentiment.negative == 3
    assert totals.previous_sentiment.total == 3  # the day before only, not the older post


def test_posts_ingested_during_a_retag_are_counted_once(db, repo):
    rng = random.Random(9)
    write(db, repo, make(rng, 300, 0))
    corvex = repo.by_name("Corvex")
    repo.update(corvex.id, query="corvex OR nimbly")
    arrived: list[int] = []

    def ingest_between_chunks(done: int, last: int) -> None:
        if not arrived:  # new posts (and duplicates of old ones) land between two re-tag chunks
            arrived.append(done)
            write(db, repo, make(rng, 120, 300) + make(rng, 30, 0))

    repo.retag(corvex.id, progress=ingest_between_chunks, chunk=50)
    assert arrived and rollups(db) == direct(db, repo)

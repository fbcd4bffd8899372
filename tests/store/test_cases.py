"""Cases repository: atomic claims across processes, leases, queue views, stale replies, presence, schema."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scrm_desktop.store.cases import CaseError, NewReply, StaleCase
from scrm_desktop.store.cases_tables import cases
from scrm_desktop.store.tables import metadata
from tests.engage.helpers import START, make_world

LEASE = 900


def claim_all(db_path: str, agent: str, n_cases: int, start, barrier) -> list[int]:  # type: ignore[no-untyped-def]
    """Run in a separate process: try to claim every case, return the ones won."""
    from scrm_desktop.store.cases import CaseRepo
    from scrm_desktop.store.engine import open_engine

    engine = open_engine(f"sqlite:///{db_path}")
    repo = CaseRepo(engine)
    barrier.wait(timeout=30)
    won = [cid for cid in range(1, n_cases + 1) if repo.claim(cid, agent, start, LEASE)]
    engine.dispose()
    return won


def _worker(db_path, agent, n_cases, start, barrier, results):  # type: ignore[no-untyped-def]
    results[agent] = claim_all(db_path, agent, n_cases, start, barrier)


def test_two_processes_never_both_hold_a_case(tmp_path: Path) -> None:
    world = make_world(tmp_path, posts=40)
    for pid in world.post_ids:
        world.service.open_from_post(pid, "lead")
    n = len(world.post_ids)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier, results = manager.Barrier(2), manager.dict()
        procs = [
            ctx.Process(target=_worker, args=(str(tmp_path / "cases.db"), agent, n, START, barrier, results))
            for agent in ("ana", "ben")
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert all(p.exitcode == 0 for p in procs)
        won_ana, won_ben = set(results["ana"]), set(results["ben"])
    assert not won_ana & won_ben
    assert won_ana | won_ben == set(range(1, n + 1))
    holders = {c.id: c.claimed_by for c in world.repo.queue("all", "x", START, limit=1000)}
    assert all(holders[cid] == "ana" for cid in won_ana) and all(holders[cid] == "ben" for cid in won_ben)


def test_a_claim_is_a_lease_that_lapses_after_inactivity(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    assert world.repo.claim(case.id, "ana", START, LEASE)
    assert not world.repo.claim(case.id, "ben", START + timedelta(minutes=10), LEASE)
    assert world.repo.renew(case.id, "ana", START + timedelta(minutes=10), LEASE)  # activity extends it
    assert not world.repo.claim(case.id, "ben", START + timedelta(minutes=20), LEASE)
    assert world.repo.claim(case.id, "ben", START + timedelta(minutes=26), LEASE)  # lapsed: free again
    assert not world.repo.renew(case.id, "ana", START + timedelta(minutes=27), LEASE)
    assert world.repo.get(case.id).holder(START + timedelta(minutes=27)) == "ben"
    kinds = [(e.actor, e.kind) for e in world.repo.events(case.id)]
    assert kinds == [("lead", "opened"), ("ana", "claimed"), ("ben", "claimed")]
    with pytest.raises(CaseError, match="no case #999"):
        world.repo.claim(999, "ana", START, LEASE)


def test_queue_views_and_sorting(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    a, b, c = (
        world.service.open_from_post(pid, "lead", priority=p)
        for pid, p in zip(world.post_ids[:3], (3, 1, 4), strict=True)
    )
    now = START + timedelta(hours=2)
    world.repo.claim(a.id, "ana", now - timedelta(minutes=1), LEASE)
    world.service.assign(c.id, "lead", "ana")
    assert [x.id for x in world.repo.queue("all", "ana", now)] == [b.id, a.id, c.id]
    assert [x.id for x in world.repo.queue("all", "ana", now, sort="due")] == [b.id, a.id, c.id]
    assert {x.id for x in world.repo.queue("mine", "ana", now)} == {a.id, c.id}
    assert [x.id for x in world.repo.queue("unassigned", "ben", now)] == [b.id]
    assert [x.id for x in world.repo.queue("breached", "ben", now)] == [b.id]  # priority 1: due in an hour
    assert world.repo.get(b.id).sla_breached(now)
    with pytest.raises(ValueError, match="unknown queue"):
        world.repo.queue("everything", "ana", now)


def test_a_reply_on_a_stale_case_is_stopped_with_an_explanation(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    started = case.version
    reply = NewReply("mastodon", "Sorry about that!", source_name="Masto", in_reply_to="11700")
    world.repo.queue_reply(case.id, reply, "ben", START + timedelta(minutes=1), base_version=started)
    with pytest.raises(StaleCase, match=r"changed since you started .* last change by ben \(reply queued at 09:01\)"):
        world.repo.queue_reply(case.id, reply, "ana", START + timedelta(minutes=2), base_version=started)
    assert len(world.repo.items(case_id=case.id)) == 1  # nothing of ana's went to the outbox
    fresh = world.repo.get(case.id)
    assert fresh.first_response_at == START + timedelta(minutes=1) and fresh.status == "waiting"


def test_presence_markers_expire(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    case = world.service.open_from_post(world.post_ids[0], "lead")
    world.repo.mark_presence(case.id, "ana", "viewing", START, 60)
    world.repo.mark_presence(case.id, "ben", "replying", START, 120)
    assert world.repo.presence(case.id, START) == [("ana", "viewing"), ("ben", "replying")]
    assert world.repo.presence(case.id, START + timedelta(seconds=90)) == [("ben", "replying")]
    world.repo.clear_presence(case.id, "ben")
    assert world.repo.presence(case.id, START) == [("ana", "viewing")]


def test_opening_a_case_twice_for_one_post_returns_the_same_case(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    first = world.service.open_from_post(world.post_ids[0], "lead")
    again = world.service.open_from_post(world.post_ids[0], "ben")
    assert first.id == again.id and len(world.repo.events(first.id)) == 1


def test_the_migration_creates_exactly_the_declared_tables(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    with world.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = {"cases", "case_events", "case_presence", "reply_drafts", "incidents", "outbox"}
    mine = [d for d in diff if any(name in repr(d) for name in ours)]
    assert mine == []
    assert cases.name == "cases"


def test_queue_counts_equal_the_queue_views(tmp_path: Path) -> None:
    world = make_world(tmp_path, posts=6)
    opened = [world.service.open_from_post(pid, "lead") for pid in world.post_ids]
    world.service.claim(opened[0].id, "ana")
    world.service.assign(opened[1].id, "lead", "ben")
    world.repo.update(opened[2].id, "lead", START, "edit", sla_due=START - timedelta(hours=1))
    now = world.clock().replace(tzinfo=None)
    for view in ("all", "mine", "unassigned", "breached"):
        assert world.repo.queue_count(view, "ana", now) == len(world.repo.queue(view, "ana", now, limit=1000)), view
    assert world.repo.queue_count("all", "ana", now) == len(opened)
    assert world.repo.queue_count("breached", "ana", now) >= 1

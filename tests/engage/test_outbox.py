"""The outbox against a real local server with the Mastodon plugin: sent, offline, 429, a crash between
sending and recording, restart, manual channels, refusals, and incident status updates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.mastodon import MastodonPlugin

from scrm_desktop.engage.outbox import REMOTE_LEASE, OutboxSender, process_token
from scrm_desktop.http import make_client
from scrm_desktop.listening.api import PublishResult, Reply
from scrm_desktop.store.cases import CaseRepo
from scrm_desktop.store.database import Database
from tests.engage.helpers import World, make_world
from tests.plugins.recorded import Recorded, find, load_manifest

TOKEN = "tok-123"
DEAD = "http://127.0.0.1:9/"  # the discard port: nothing listens, the connection is refused


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the app catches it."""


class CrashAfterPosting(MastodonPlugin):
    def publish(self, ctx, reply: Reply) -> PublishResult:  # type: ignore[no-untyped-def]
        super().publish(ctx, reply)
        raise Crash("power cut after the HTTP call, before the result was recorded")


@pytest.fixture
def sent_body(shared_data: Path) -> bytes:
    recorded: list[Recorded] = load_manifest(shared_data / "api" / "mastodon" / "local_test_instance")
    return find(recorded, "test_status_reply__02").body()


@pytest.fixture
def client():
    with make_client(timeout=5.0) as http:
        yield http


def sender_for(world: World, http, db: Database | None = None) -> OutboxSender:  # type: ignore[no-untyped-def]
    db = db or world.db
    secrets = {("Masto", "access_token"): TOKEN}
    return OutboxSender(
        CaseRepo(db.engine), db.sources, world.registry, http, lambda s, f: secrets.get((s, f)), world.clock
    )


def queued_reply(world: World, post_index: int = 0, text: str = "Sorry, Fan! We are on it."):  # type: ignore[no-untyped-def]
    case = world.service.open_from_post(world.post_ids[post_index], "lead")
    world.service.claim(case.id, "ana")
    return world.service.queue_reply(case.id, "ana", text, base_version=world.repo.get(case.id).version)


def expect_post(httpserver: HTTPServer, body: bytes, key: str, status: int = 200, headers=None):  # type: ignore[no-untyped-def]
    return httpserver.expect_oneshot_request(
        "/api/v1/statuses", method="POST", headers={"Idempotency-Key": key, "Authorization": f"Bearer {TOKEN}"}
    ).respond_with_data(body, status=status, headers=headers or {}, content_type="application/json")


def test_a_reply_is_sent_once_with_its_stored_idempotency_key(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    item = queued_reply(world)
    assert item.state == "queued" and len(item.idempotency_key) == 32
    expect_post(httpserver, sent_body, item.idempotency_key)
    results = sender_for(world, client).send_due()
    assert [r.state for r in results] == ["sent"]
    done = world.repo.item(item.id)
    assert done.external_id == "117020583258292382" and done.sent_at == world.clock.now
    request = json.loads(httpserver.log[0][0].data)
    assert request == {"status": "Sorry, Fan! We are on it.", "in_reply_to_id": "11700"}
    assert sender_for(world, client).send_due() == []  # nothing left: never twice
    assert len(httpserver.log) == 1
    assert [e.kind for e in world.repo.events(item.case_id)][-2:] == ["reply_queued", "reply_sent"]


def test_offline_the_reply_waits_and_goes_out_when_the_network_returns_after_a_restart(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client
) -> None:
    world = make_world(tmp_path, DEAD)
    item = queued_reply(world)
    [result] = sender_for(world, client).send_due()
    assert result.state == "queued" and "cannot reach" in result.message
    waiting = world.repo.item(item.id)
    assert waiting.attempts == 1 and waiting.next_attempt_at > world.clock.now
    assert sender_for(world, client).send_due() == []  # backing off: not due yet
    world.db.close()
    # restart: a new process opens the same file; the network (the server) is back
    db = Database(f"sqlite:///{tmp_path / 'cases.db'}")
    db.sources.update("Masto", config={"instance_url": httpserver.url_for("/"), "hashtags": ["x"]})
    expect_post(httpserver, sent_body, item.idempotency_key)
    world.clock.advance(hours=1)
    sender = sender_for(world, client, db)
    assert sender.recover() == 0
    assert [r.state for r in sender.send_due()] == ["sent"]
    assert CaseRepo(db.engine).item(item.id).attempts == 2
    db.close()


def test_rate_limited_waits_for_retry_after_then_sends_with_the_same_key(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    item = queued_reply(world)
    expect_post(httpserver, b'{"error": "Too many requests"}', item.idempotency_key, 429, {"Retry-After": "120"})
    sender = sender_for(world, client)
    [result] = sender.send_due()
    assert result.state == "queued" and "HTTP 429" in result.message
    assert (world.repo.item(item.id).next_attempt_at - world.clock.now).total_seconds() == 120
    world.clock.advance(seconds=60)
    assert sender.send_due() == []
    world.clock.advance(seconds=61)
    expect_post(httpserver, sent_body, item.idempotency_key)
    assert [r.state for r in sender.send_due()] == ["sent"]
    assert [req.headers["Idempotency-Key"] for req, _resp in httpserver.log] == [item.idempotency_key] * 2


class BlindMastodon(MastodonPlugin):
    """A channel that cannot tell whether a reply is there (like e-mail): only a person can check."""

    can_check_sent = False


class BlindCrashAfterPosting(CrashAfterPosting):
    can_check_sent = False


def crash_mid_send(world: World, httpserver: HTTPServer, sent_body: bytes, client):  # type: ignore[no-untyped-def]
    item = queued_reply(world)
    expect_post(httpserver, sent_body, item.idempotency_key)
    with pytest.raises(Crash):
        sender_for(world, client).send_due()
    assert world.repo.item(item.id).state == "sending"
    return item


def test_after_a_crash_between_sending_and_recording_a_channel_that_cannot_tell_waits_for_a_person(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    world.registry.add(BlindCrashAfterPosting)
    item = crash_mid_send(world, httpserver, sent_body, client)
    world.registry.add(BlindMastodon)  # the restarted app
    restarted = sender_for(world, client)
    assert restarted.recover() == 1
    checked = world.repo.item(item.id)
    assert checked.state == "needs_check" and "check on the channel" in checked.last_error
    world.clock.advance(hours=2)
    assert restarted.send_due() == []
    assert len(httpserver.log) == 1  # posted once, never again by itself
    assert restarted.confirm_sent(item.id, url="https://x.social/@brand/1")
    assert world.repo.item(item.id).state == "sent"


def serve_thread(httpserver: HTTPServer, shared_data: Path, replies: list[dict]) -> None:
    recorded = load_manifest(shared_data / "api" / "mastodon" / "local_test_instance")
    me = find(recorded, "test_status_reply__01")  # the account the reply was sent from
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_data(
        me.body(), content_type="application/json"
    )
    httpserver.expect_request("/api/v1/statuses/11700/context").respond_with_json(
        {"ancestors": [], "descendants": replies}
    )


def test_after_a_crash_the_outbox_finds_the_reply_on_the_channel_and_never_posts_it_again(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client, shared_data: Path
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    world.registry.add(CrashAfterPosting)
    item = crash_mid_send(world, httpserver, sent_body, client)
    on_channel = {**json.loads(sent_body), "in_reply_to_id": "11700", "content": f"<p>{item.text}</p>"}
    serve_thread(httpserver, shared_data, [on_channel])
    world.registry.add(MastodonPlugin)  # the restarted app
    restarted = sender_for(world, client)
    assert restarted.recover() == 1
    assert [r.state for r in restarted.send_due()] == ["sent"]
    done = world.repo.item(item.id)
    assert done.state == "sent" and done.external_id == on_channel["id"] and "found on the channel" in done.last_error
    posts = [req for req, _ in httpserver.log if req.method == "POST"]
    assert len(posts) == 1  # the one before the crash


def test_after_a_crash_a_reply_that_is_not_on_the_channel_is_sent_once(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client, shared_data: Path
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    world.registry.add(CrashAfterPosting)
    item = queued_reply(world)
    assert world.repo.start_sending(item.id, world.clock())  # the app died right after taking it, before posting
    serve_thread(httpserver, shared_data, [])  # nobody replied in the thread
    world.registry.add(MastodonPlugin)
    restarted = sender_for(world, client)
    assert restarted.recover() == 1
    expect_post(httpserver, sent_body, item.idempotency_key)
    assert [r.state for r in restarted.send_due()] == ["queued", "sent"]
    assert world.repo.item(item.id).state == "sent"
    assert len([req for req, _ in httpserver.log if req.method == "POST"]) == 1


def test_when_the_channel_cannot_be_asked_the_reply_waits_and_is_looked_up_later(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client, shared_data: Path
) -> None:
    world = make_world(tmp_path, DEAD)
    item = queued_reply(world)
    assert world.repo.start_sending(item.id, world.clock())
    restarted = sender_for(world, client)
    restarted.recover()
    assert restarted.send_due() == []
    waiting = world.repo.item(item.id)
    assert waiting.state == "needs_check" and "could not look on the channel" in waiting.last_error
    assert restarted.send_due() == []  # not asked again before its time
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > world.clock().replace(tzinfo=None)


def test_refused_credentials_fail_with_the_reason_and_can_be_retried(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, client
) -> None:
    world = make_world(tmp_path, httpserver.url_for("/"))
    item = queued_reply(world)
    expect_post(httpserver, b'{"error": "The access token is invalid"}', item.idempotency_key, 401)
    sender = sender_for(world, client)
    [result] = sender.send_due()
    assert result.state == "failed" and "The access token is invalid" in result.message
    assert sender.send_due() == []
    assert sender.retry(item.id)
    expect_post(httpserver, sent_body, item.idempotency_key)
    assert [r.state for r in sender.send_due()] == ["sent"]


def test_channels_without_publishing_get_a_manual_step(tmp_path: Path, client) -> None:
    world = make_world(tmp_path)
    rss_post = world.post_ids[-1]
    case = world.service.open_from_post(rss_post, "lead")
    world.service.claim(case.id, "ana")
    item = world.service.queue_reply(case.id, "ana", "We saw this and are on it.", base_version=case.version)
    assert item.state == "manual" and item.source_name == "Feed"
    sender = sender_for(world, client)
    assert sender.send_due() == []
    assert sender.confirm_sent(item.id)
    assert world.repo.item(item.id).state == "sent"
    assert not sender.confirm_sent(item.id)  # already sent: nothing changes


def test_an_incident_status_update_is_queued_to_every_open_linked_case(tmp_path: Path, client) -> None:
    world = make_world(tmp_path, DEAD)
    incident = world.service.open_incident(
        "Orders arrive broken", 3, "lead", root_cause="packaging line 2", status_url="https://status.example/1"
    )
    linked = [world.service.open_from_post(pid, "lead") for pid in world.post_ids[:3]]
    for case in linked:
        world.service.link(case.id, incident.id, "lead")
    world.service.set_status(linked[2].id, "lead", "closed")
    items = world.service.status_update(incident.id, "Hi {author_name}, update: {incident_url}", "lead")
    assert [i.case_id for i in items] == [linked[0].id, linked[1].id]
    assert items[0].text == "Hi Fan 0, update: https://status.example/1"
    assert all(i.incident_id == incident.id and i.state == "queued" for i in items)
    assert world.repo.get(linked[0].id).scope == "macro"


class MastodonWithoutKey(MastodonPlugin):
    """A channel that ignores idempotency keys (like Reddit or Bluesky) but can show our replies."""

    idempotent_publish = False


def test_a_retry_after_a_lost_answer_looks_on_the_channel_first_where_there_is_no_idempotency_key(
    tmp_path: Path, httpserver: HTTPServer, sent_body: bytes, shared_data: Path
) -> None:
    import time

    world = make_world(tmp_path, httpserver.url_for("/"))
    world.registry.add(MastodonWithoutKey)
    item = queued_reply(world)

    def slow_post(_request):  # type: ignore[no-untyped-def]
        time.sleep(1.0)  # the reply is posted, but the answer comes after the client gave up
        from werkzeug import Response

        return Response(sent_body, content_type="application/json")

    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_handler(slow_post)
    with make_client(timeout=0.3) as impatient:
        first = sender_for(world, impatient).send_due()
    assert [r.state for r in first] == ["queued"] and "did not answer" in world.repo.item(item.id).last_error
    on_channel = {**json.loads(sent_body), "in_reply_to_id": "11700", "content": f"<p>{item.text}</p>"}
    serve_thread(httpserver, shared_data, [on_channel])
    world.clock.advance(hours=1)
    with make_client(timeout=5.0) as client:
        second = sender_for(world, client).send_due()
    assert [r.state for r in second] == ["sent"]
    assert world.repo.item(item.id).external_id == on_channel["id"]
    assert len([req for req, _ in httpserver.log if req.method == "POST"]) == 1


def test_a_reply_another_live_process_is_sending_is_not_flagged_until_that_process_is_gone(
    tmp_path: Path, client
) -> None:
    """A second desktop (or the `listen` service) starting mid-send must not mark the first one's reply "check"."""
    world = make_world(tmp_path)
    item = queued_reply(world)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert world.repo.start_sending(item.id, world.clock(), process_token(other.pid))
        starting_desktop = sender_for(world, client)
        assert starting_desktop.recover() == 0
        assert starting_desktop.send_due() == [] and world.repo.item(item.id).state == "sending"
    finally:
        other.kill()
        other.wait()
    assert starting_desktop.recover() == 1  # its sender died mid-send: now nobody knows, a person checks
    assert world.repo.item(item.id).state == "needs_check"


def test_a_reply_a_sender_on_another_machine_is_sending_waits_for_its_lease(tmp_path: Path, client) -> None:
    world = make_world(tmp_path)
    item = queued_reply(world)
    started = world.clock()
    assert world.repo.start_sending(item.id, started, "another-desktop.example/4242/99")
    sender = sender_for(world, client)
    assert sender.recover() == 0
    world.clock.advance(minutes=REMOTE_LEASE.total_seconds() / 60 + 1)  # that machine crashed or hung
    assert sender.recover() == 1 and world.repo.item(item.id).state == "needs_check"

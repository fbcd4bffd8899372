"""The imap plugin against a real local IMAP-over-TLS server holding messages written here."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrm_plugins.imap import ImapPlugin, decode_header, mailbox_name, post_from_message

from scrm_desktop.listening.api import AuthError, ConfigError, PostIn, TransientError
from tests.plugins.imap_server import ImapServer, Tls, TlsUnavailable, make_tls

PASSWORD = "correct horse"
NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


def crlf(text: str, charset: str = "ascii") -> bytes:
    return text.replace("\n", "\r\n").encode(charset)


PLAIN = crlf(
    """From: =?utf-8?q?Jos=C3=A9_Mu=C3=B1oz?= <Jose.Munoz@Example.org>
To: Support <care@example.com>
Subject: =?utf-8?b?UsO8Y2tlcnN0YXR0dW5nIGbDvHIgQmVzdGVsbHVuZyAjNDI=?=
Date: Tue, 04 Mar 2025 10:15:00 +0100
Message-ID: <plain-1@mail.example.org>
Content-Language: de
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hallo, meine Bestellung kam besch=C3=A4digt an. K=C3=B6nnen Sie helfen?
"""
)

HTML_ONLY = crlf(
    """From: "Mallory \\"Admin\\"" <mallory@evil.example>
Subject: Urgent\x07 =?iso-8859-1?q?r=E9ponse?= needed\x1b[31m
Date: Tue, 04 Mar 2025 11:00:00 +0000
Message-ID: <html-1@evil.example>
Content-Type: text/html; charset=utf-8

<html><body><p onclick="steal()">Your <b>order</b> is late</p><script>alert(document.cookie)</script></body></html>
"""
)

ALTERNATIVE = (
    crlf("""From: =?iso-8859-1?q?Fran=E7oise?= <francoise@example.fr>
Subject: =?iso-8859-1?q?Facture_d=E9j=E0_pay=E9e?=
Date: Tue, 04 Mar 2025 12:00:00 +0100
Message-ID: <alt-1@example.fr>
In-Reply-To: <ticket-7-reply@example.com>
References: <ticket-7@example.com> <ticket-7-reply@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

""")
    + "J'ai déjà payé la facture, merci de vérifier.\r\n".encode("latin-1")
    + crlf(
        """--b1
Content-Type: text/html; charset=utf-8

<p>J'ai déjà payé</p>
--b1--
""",
        "utf-8",
    )
)

MIXED = crlf(
    """From: Kenji <kenji@example.jp>
Subject: =?utf-8?b?5rOo5paH44GM5bGK44GN44G+44Gb44KT?=
Date: not a date at all
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m1"

--m1
Content-Type: text/plain; charset=x-made-up-charset

Order 1234 never arrived.
--m1
Content-Type: application/pdf
Content-Disposition: attachment; filename="=?utf-8?q?Rechnung_M=C3=A4rz.pdf?="
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--m1--
"""
)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    try:
        return make_tls(tmp_path_factory.mktemp("imap-tls"))
    except TlsUnavailable as exc:
        pytest.skip(f"no TLS certificate for the local IMAP server: {exc}")


@pytest.fixture
def server(tls: Tls) -> Iterator[ImapServer]:
    with ImapServer(tls, password=PASSWORD) as srv:
        for raw in (PLAIN, HTML_ONLY, ALTERNATIVE, MIXED):
            srv.add(raw, received=datetime(2025, 3, 4, 13, 0, tzinfo=UTC))
        yield srv


@pytest.fixture
def imap(server: ImapServer, tls: Tls, plugin_ctx):
    def ctx(secrets: dict[str, str] | None = None, timeout: float = 5.0, **overrides: Any):
        config = ImapPlugin.validate_config(
            {
                "host": "127.0.0.1",
                "port": server.port,
                "username": server.username,
                "ca_file": str(tls.ca_file),
                **overrides,
            }
        )
        return plugin_ctx(
            config, secrets={"password": PASSWORD} if secrets is None else secrets, now=NOW, timeout=timeout
        )

    return ImapPlugin(), ctx


def by_id(posts: list[PostIn]) -> dict[str, PostIn]:
    return {p.external_id: p for p in posts}


# ------------------------------------------------------------------------------------------ reading


def test_new_messages_become_email_posts(imap) -> None:
    plugin, ctx = imap
    result = plugin.fetch(ctx(), {})
    assert len(result.posts) == 4 and not result.more
    assert all(p.channel == "email" for p in result.posts)
    plain = by_id(result.posts)["<plain-1@mail.example.org>"]
    assert plain.author_handle == "jose.munoz@example.org" and plain.author_name == "José Muñoz"
    assert plain.extra["author_email"] == "jose.munoz@example.org"  # customer records match on it
    assert plain.title == "Rückerstattung für Bestellung #42"
    assert plain.text.strip() == "Hallo, meine Bestellung kam beschädigt an. Können Sie helfen?"
    assert plain.text_format == "text" and plain.lang == "de"
    assert plain.created_at == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert plain.extra["to"] == "Support <care@example.com>" and plain.reply_to == "" and plain.thread_id == ""


def test_html_only_mail_is_passed_on_as_html_and_headers_lose_control_characters(imap) -> None:
    plugin, ctx = imap
    hostile = by_id(plugin.fetch(ctx(), {}).posts)["<html-1@evil.example>"]
    assert hostile.text_format == "html" and "<script>" in hostile.text  # the ingest pipeline strips it
    assert hostile.title == "Urgent réponse needed[31m"
    assert hostile.author_name == 'Mallory "Admin"' and hostile.author_handle == "mallory@evil.example"


def test_plain_part_is_preferred_and_charsets_are_honoured(imap) -> None:
    plugin, ctx = imap
    alt = by_id(plugin.fetch(ctx(), {}).posts)["<alt-1@example.fr>"]
    assert alt.text.strip() == "J'ai déjà payé la facture, merci de vérifier." and alt.text_format == "text"
    assert alt.author_name == "Françoise" and alt.title == "Facture déjà payée"
    assert alt.reply_to == "<ticket-7-reply@example.com>" and alt.thread_id == "<ticket-7@example.com>"


def test_unknown_charset_bad_date_and_no_message_id_still_give_a_post(imap) -> None:
    plugin, ctx = imap
    result = plugin.fetch(ctx(), {})
    mixed = by_id(result.posts)["1:4"]  # no Message-ID: uidvalidity:uid
    assert mixed.text.strip() == "Order 1234 never arrived." and mixed.title == "注文が届きません"
    assert mixed.created_at == datetime(2025, 3, 4, 13, 0, tzinfo=UTC)  # the server's INTERNALDATE
    assert mixed.extra["attachments"] == ["Rechnung März.pdf"]


def test_reading_never_marks_messages_as_read(imap, server) -> None:
    plugin, ctx = imap
    plugin.fetch(ctx(), {})
    commands = [c.split(" ", 1)[1] for c in server.commands]
    assert 'EXAMINE "INBOX"' in commands and commands[-1] == "LOGOUT"
    assert any("BODY.PEEK[]" in c for c in commands) and not any(c.startswith("STORE") for c in commands)
    assert all(not m.flags for m in server.messages)


def test_uid_after_the_body_literal_is_understood(imap, server) -> None:
    plugin, ctx = imap
    server.uid_after_literal = True
    result = plugin.fetch(ctx(), {})
    assert sorted(p.extra["uid"] for p in result.posts) == [1, 2, 3, 4] and result.cursor["last_uid"] == 4


def test_a_huge_message_is_read_only_in_part(imap, server) -> None:
    plugin, ctx = imap
    big = crlf("From: big@example.org\nMessage-ID: <big@example.org>\nSubject: logs\n\n") + b"x" * 300_000
    server.add(big)
    post = by_id(plugin.fetch(ctx(max_kb=64), {}).posts)["<big@example.org>"]
    assert post.extra["truncated_from_bytes"] == len(big) and len(post.text) < 70_000


# ------------------------------------------------------------------------------------------ cursor


def test_the_cursor_resumes_after_the_last_uid(imap, server) -> None:
    plugin, ctx = imap
    first = plugin.fetch(ctx(), {})
    assert first.cursor["last_uid"] == 4 and first.cursor["uidvalidity"] == 1
    assert plugin.fetch(ctx(), first.cursor).posts == []
    server.add(crlf("From: new@example.org\nMessage-ID: <new@example.org>\n\nStill waiting.\n"))
    again = ImapPlugin().fetch(ctx(), first.cursor)  # a restarted app
    assert [p.external_id for p in again.posts] == ["<new@example.org>"] and again.cursor["last_uid"] == 5


def test_batches_page_through_a_full_mailbox(imap) -> None:
    plugin, ctx = imap
    one = plugin.fetch(ctx(batch_size=3), {})
    two = plugin.fetch(ctx(batch_size=3), one.cursor)
    assert (len(one.posts), one.more, one.cursor["last_uid"]) == (3, True, 3)
    assert (len(two.posts), two.more, two.cursor["last_uid"]) == (1, False, 4)


def test_first_run_reads_only_the_newest_backfill_messages(imap) -> None:
    plugin, ctx = imap
    result = plugin.fetch(ctx(backfill=2), {})
    assert sorted(p.extra["uid"] for p in result.posts) == [3, 4] and result.cursor["last_uid"] == 4
    none = plugin.fetch(ctx(backfill=0), {})
    assert none.posts == [] and none.cursor["last_uid"] == 4  # from now on


def test_a_changed_uidvalidity_rereads_without_new_identities(imap, server) -> None:
    plugin, ctx = imap
    before = plugin.fetch(ctx(), {})
    server.add(crlf("From: late@example.org\nMessage-ID: <late@example.org>\n\nhello\n"))
    server.renumber(uidvalidity=777)
    after = plugin.fetch(ctx(), before.cursor)
    assert after.cursor["uidvalidity"] == 777 and after.cursor["last_uid"] == 5
    known = {p.external_id for p in before.posts if not p.external_id[0].isdigit()}
    assert known | {"<late@example.org>"} <= {p.external_id for p in after.posts}


def test_another_mailbox_starts_its_own_cursor(imap, server) -> None:
    plugin, ctx = imap
    cursor = dict(plugin.fetch(ctx(), {}).cursor)
    cursor["where"] = cursor["where"].replace("/INBOX", "/Archive")
    assert len(plugin.fetch(ctx(), cursor).posts) == 4


# ------------------------------------------------------------------------------------------ errors


def test_a_refused_login_says_how_to_set_the_password(imap) -> None:
    plugin, ctx = imap
    with pytest.raises(AuthError) as err:
        plugin.fetch(ctx(secrets={"password": "wrong"}), {})
    assert "Invalid credentials" in str(err.value)
    assert "scrm-desktop sources set-secret test-source password" in str(err.value)


def test_no_password_is_an_auth_error_before_connecting(imap, server) -> None:
    plugin, ctx = imap
    with pytest.raises(AuthError, match="no password is stored"):
        plugin.fetch(ctx(secrets={}), {})
    assert server.commands == []


def test_an_unknown_mailbox_is_a_config_error(imap) -> None:
    plugin, ctx = imap
    with pytest.raises(ConfigError, match="Nope"):
        plugin.fetch(ctx(mailbox="Nope"), {})


def test_an_untrusted_certificate_is_refused_unless_verification_is_off(imap) -> None:
    plugin, ctx = imap
    with pytest.raises(ConfigError, match="not trusted"):
        plugin.fetch(ctx(ca_file=""), {})
    assert len(plugin.fetch(ctx(ca_file="", verify_tls=False), {}).posts) == 4


def test_a_refused_connection_is_transient(plugin_ctx) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        config = ImapPlugin.validate_config(
            {"host": "127.0.0.1", "port": sock.getsockname()[1], "username": "u", "verify_tls": False}
        )
        with pytest.raises(TransientError, match="cannot reach"):
            ImapPlugin().fetch(plugin_ctx(config, secrets={"password": "p"}), {})


def test_a_server_that_never_answers_is_cut_by_the_timeout(plugin_ctx) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)  # the TLS handshake waits in the backlog forever
        config = ImapPlugin.validate_config(
            {"host": "127.0.0.1", "port": sock.getsockname()[1], "username": "u", "verify_tls": False}
        )
        with pytest.raises(TransientError):
            ImapPlugin().fetch(plugin_ctx(config, secrets={"password": "p"}, timeout=0.3), {})


def test_a_server_that_stalls_mid_session_is_transient(imap, server) -> None:
    plugin, ctx = imap
    server.stall_on = "UID"
    with pytest.raises(TransientError, match="stopped answering"):
        plugin.fetch(ctx(timeout=0.3), {})


# ------------------------------------------------------------------------------------------ decoding


def test_mailbox_names_use_modified_utf7_and_quoting() -> None:
    assert mailbox_name("INBOX") == '"INBOX"'
    assert mailbox_name('Kunden/Überprüfung & "Eilig"') == '"Kunden/&ANw-berpr&APw-fung &- \\"Eilig\\""'


def test_raw_8bit_and_broken_encoded_words_are_readable() -> None:
    assert decode_header("=?utf-8?q?Caf=C3=A9?= au lait") == "Café au lait"
    assert decode_header("=?no-such-charset?q?caf=E9?=") == "café"
    raw = crlf("Subject: Grüße aus Köln\nFrom: x@example.org\n\nhi\n", "utf-8")
    assert post_from_message(raw, 9, 1, "INBOX", NOW).title == "Grüße aus Köln"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=800).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_make_a_post_or_a_clear_error(raw: bytes) -> None:
    post = post_from_message(raw, 3, 5, "INBOX", NOW)
    assert post.external_id and post.channel == "email" and post.created_at.tzinfo is not None

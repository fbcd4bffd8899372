"""A small real IMAP4rev1-over-TLS server for tests and benchmarks, with a throwaway certificate authority.

It speaks what a mail reader needs to poll a mailbox: CAPABILITY, NOOP, LOGIN, SELECT/EXAMINE, UID SEARCH,
UID FETCH (UID, RFC822.SIZE, INTERNALDATE, FLAGS, BODY[], BODY.PEEK[] with a <0.n> partial, RFC822) and LOGOUT.
`make_tls(dir)` writes a CA and a server certificate for 127.0.0.1/localhost (with `cryptography` when it is
installed, else the `openssl` command) and raises `TlsUnavailable` saying why when neither works.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["ImapServer", "Tls", "TlsUnavailable", "make_tls"]

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
_PARTIAL = re.compile(r"BODY(?:\.PEEK)?\[\]<(\d+)\.(\d+)>", re.IGNORECASE)


class TlsUnavailable(RuntimeError):
    """Neither the cryptography package nor the openssl command could make a certificate."""


@dataclass(frozen=True)
class Tls:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_tls(directory: Path) -> Tls:
    directory.mkdir(parents=True, exist_ok=True)
    tls = Tls(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    try:
        _make_with_cryptography(tls)
    except ImportError:
        _make_with_openssl(tls)
    return tls


def _make_with_cryptography(tls: Tls) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scrm-desktop test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())

    def builder(subject: x509.Name, public_key: object) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        )

    ca = (
        builder(ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    tls.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _make_with_openssl(tls: Tls) -> None:
    openssl = shutil.which("openssl")
    if not openssl:
        raise TlsUnavailable("neither the cryptography package nor the openssl command is available")
    folder = tls.ca_file.parent
    ca_key, csr, ext = folder / "ca.key", folder / "server.csr", folder / "server.ext"
    ext.write_text("basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    steps = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", tls.ca_file, "-days", "2",
         "-subj", "/CN=scrm-desktop test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", tls.key_file, "-out", csr, "-subj", "/CN=localhost"],
        ["x509", "-req", "-in", csr, "-CA", tls.ca_file, "-CAkey", ca_key, "-CAcreateserial", "-out",
         tls.cert_file, "-days", "2", "-extfile", ext],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run([openssl, *map(str, step)], capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise TlsUnavailable(f"openssl {step[0]} failed: {done.stderr.strip()[:300]}")


@dataclass
class Stored:
    uid: int
    raw: bytes
    received: datetime
    flags: set[str] = field(default_factory=set)


class ImapServer:
    """One account with one mailbox, served over TLS on 127.0.0.1. Use as a context manager."""

    def __init__(
        self,
        tls: Tls,
        username: str = "care@example.com",
        password: str = "correct horse",
        mailbox: str = "INBOX",
        uidvalidity: int = 1,
    ) -> None:
        self.tls, self.username, self.password, self.mailbox = tls, username, password, mailbox
        self.uidvalidity = uidvalidity
        self.messages: list[Stored] = []
        self.next_uid = 1
        self.commands: list[str] = []  # every command line received, passwords masked
        self.uid_after_literal = False  # some servers put UID after the body literal
        self.stall_on: str = ""  # a command ("UID") the server reads but never answers
        self.lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- mailbox
    def add(self, raw: bytes, received: datetime | None = None) -> int:
        with self.lock:
            uid = self.next_uid
            self.next_uid += 1
            self.messages.append(Stored(uid, raw, received or datetime(2025, 3, 4, 9, 30, tzinfo=UTC)))
            return uid

    def renumber(self, uidvalidity: int) -> None:
        """The mailbox was rebuilt: same messages, new UIDs from 1, a new UIDVALIDITY."""
        with self.lock:
            self.uidvalidity = uidvalidity
            for n, stored in enumerate(self.messages, start=1):
                stored.uid = n
            self.next_uid = len(self.messages) + 1

    # -------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return self._server.server_address[1]

    def __enter__(self) -> ImapServer:
        self._server = _TlsServer(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="imap-test-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


class _TlsServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, imap: ImapServer) -> None:
        self.imap = imap
        self.context = imap.tls.server_context()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small replies go out at once
        # the handshake happens in the connection's own thread, so a silent client cannot block accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: ssl.SSLSocket = self.request
        sock.settimeout(10)
        try:
            sock.do_handshake()
            _Session(self.server.imap, sock).run()  # type: ignore[attr-defined]
        except (OSError, ssl.SSLError):
            return  # the client went away


class _Session:
    def __init__(self, imap: ImapServer, sock: ssl.SSLSocket) -> None:
        self.imap, self.sock = imap, sock
        self.reader = sock.makefile("rb")
        self.user = ""
        self.selected = False

    def send(self, *lines: str | bytes) -> None:
        self.sock.sendall(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\r\n" for x in lines))

    def run(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scrm-desktop test IMAP server ready")
        while line := self.reader.readline(100_000):
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.imap.commands.append(f"{tag} LOGIN {args.split(' ')[0]} ***" if command == "LOGIN" else text)
            if self.imap.stall_on and command == self.imap.stall_on:
                continue
            if not self.dispatch(tag, command, args):
                return

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        if command == "LOGOUT":
            self.send("* BYE logging out", f"{tag} OK LOGOUT completed")
            return False
        if command in ("CAPABILITY", "NOOP"):
            self.send(*(["* CAPABILITY IMAP4rev1 AUTH=PLAIN"] if command == "CAPABILITY" else []), f"{tag} OK done")
        elif command == "LOGIN":
            self.login(tag, args)
        elif not self.user:
            self.send(f"{tag} BAD log in first")
        elif command in ("SELECT", "EXAMINE"):
            self.select(tag, command, args)
        elif command == "UID" and self.selected:
            self.uid(tag, args)
        else:
            self.send(f"{tag} BAD unknown or out-of-place command {command}")
        return True

    def login(self, tag: str, args: str) -> None:
        words = [q.replace('\\"', '"').replace("\\\\", "\\") if q else a for q, a in _TOKEN.findall(args)]
        if words == [self.imap.username, self.imap.password]:
            self.user = words[0]
            self.send(f"{tag} OK [CAPABILITY IMAP4rev1] logged in")
        else:
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")

    def select(self, tag: str, command: str, args: str) -> None:
        name = next((q or a for q, a in _TOKEN.findall(args)), "")
        if name.upper() != self.imap.mailbox.upper():
            self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {name}")
            return
        with self.imap.lock:
            count, validity, nxt = len(self.imap.messages), self.imap.uidvalidity, self.imap.next_uid
        self.selected = True
        mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
        self.send(
            r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)",
            f"* {count} EXISTS",
            "* 0 RECENT",
            f"* OK [UIDVALIDITY {validity}] UIDs valid",
            f"* OK [UIDNEXT {nxt}] Predicted next UID",
            f"{tag} OK [{mode}] {command} completed",
        )

    def uid(self, tag: str, args: str) -> None:
        sub, _, rest = args.partition(" ")
        if sub.upper() == "SEARCH":
            criteria = rest.split()
            wanted = criteria[1] if len(criteria) == 2 and criteria[0].upper() == "UID" else "1:*"
            found = [s.uid for s in self._matching(wanted)]
            self.send("* SEARCH" + "".join(f" {u}" for u in found), f"{tag} OK SEARCH completed")
        elif sub.upper() == "FETCH":
            wanted, _, items = rest.partition(" ")
            for seq, stored in self._matching(wanted, with_seq=True):
                self.sock.sendall(self._fetch_line(seq, stored, items.upper()))
            self.send(f"{tag} OK FETCH completed")
        else:
            self.send(f"{tag} BAD UID {sub} is not supported here")

    def _matching(self, wanted: str, with_seq: bool = False) -> list:
        with self.imap.lock:
            messages = list(self.imap.messages)
        top = messages[-1].uid if messages else 0
        ranges = []
        for part in wanted.split(","):
            low, _, high = part.partition(":")
            a, b = (top if low == "*" else int(low)), (top if high == "*" else int(high or low))
            ranges.append((min(a, b), max(a, b)))
        hits = [(n, s) for n, s in enumerate(messages, start=1) if any(lo <= s.uid <= hi for lo, hi in ranges)]
        return hits if with_seq else [s for _, s in hits]

    def _fetch_line(self, seq: int, stored: Stored, items: str) -> bytes:
        head = [f"UID {stored.uid}"]
        if "RFC822.SIZE" in items:
            head.append(f"RFC822.SIZE {len(stored.raw)}")
        if "INTERNALDATE" in items:
            r = stored.received
            head.append(f'INTERNALDATE "{r.day:2d}-{_MONTHS[r.month - 1]}-{r:%Y %H:%M:%S} +0000"')
        if "FLAGS" in items:
            head.append(f"FLAGS ({' '.join(sorted(stored.flags))})")
        partial = _PARTIAL.search(items)
        if partial:
            start, length = int(partial.group(1)), int(partial.group(2))
            label, body = f"BODY[]<{start}>", stored.raw[start : start + length]
        elif "BODY[]" in items or "BODY.PEEK[]" in items or re.search(r"\bRFC822\b(?!\.)", items):
            label, body = ("RFC822" if "RFC822" in items and "BODY" not in items else "BODY[]"), stored.raw
        else:
            return f"* {seq} FETCH ({' '.join(head)})\r\n".encode()
        if "BODY[]" in items and "PEEK" not in items:
            stored.flags.add(r"\Seen")
        uid = head.pop(0)
        before = " ".join(head if self.imap.uid_after_literal else [uid, *head])
        after = f" {uid}" if self.imap.uid_after_literal else ""
        literal = f"* {seq} FETCH ({before} {label} {{{len(body)}}}\r\n".replace("( ", "(").encode()
        return literal + body + f"{after})\r\n".encode()

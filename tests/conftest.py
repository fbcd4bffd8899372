"""Every test gets a temp data dir, an in-memory keyring, and no leftover threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import keyring
import keyring.backend
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Big ingests prepare in one process here: a test workspace that ingests thousands of posts does not start worker
# processes; tests/listening/test_ingest_workers.py turns them on and checks they store the very same posts.
os.environ.setdefault("SCRM_INGEST_WORKERS", "0")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring backend: the real keyring API, nothing written to the machine."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def basedir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp base dir; HOME and XDG dirs point into it so nothing touches the real user's files."""
    base = tmp_path / "scrm-home"
    base.mkdir()
    monkeypatch.setenv("HOME", str(base))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))
    return base


@pytest.fixture(autouse=True)
def no_dangling_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = datetime.now(UTC).timestamp() + 5
    while datetime.now(UTC).timestamp() < deadline:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
        if not left:
            return
        left[0].join(0.1)
    names = ", ".join(t.name for t in left)
    pytest.fail(f"threads left running after the test: {names}")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (it is test data kept outside the repository)")
    return SHARED_DATA


@pytest.fixture
def plugin_ctx() -> Iterator[Callable[..., object]]:
    """Build a real SourceContext for a plugin: `plugin_ctx(config, secrets={...}, now=datetime)`."""
    from scrm_desktop.http import make_client
    from scrm_desktop.listening.context import SourceContext

    clients: list[httpx.Client] = []

    def make(config: dict, secrets: dict | None = None, now: datetime | None = None, timeout: float = 5.0):
        client = make_client(timeout=timeout)
        clients.append(client)
        stored = dict(secrets or {})
        return SourceContext(
            http=client,
            config=config,
            source_name="test-source",
            secrets=stored.get,
            clock=(lambda: now) if now else (lambda: datetime.now(UTC)),
        )

    yield make
    for c in clients:
        c.close()

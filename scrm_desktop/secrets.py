"""Credentials in the OS keyring: the only module that imports keyring. Secrets never go anywhere else."""

from __future__ import annotations

import contextlib
from types import ModuleType

SERVICE = "scrm-desktop"


class SecretStoreUnavailable(RuntimeError):
    """No usable keyring on this machine; we never fall back to plaintext."""


def _keyring() -> ModuleType:
    """keyring, imported on first use (it costs a tenth of a second, and the window shows before any secret is
    read)."""
    import keyring
    import keyring.errors

    return keyring


def _key(source_name: str, field: str) -> str:
    return f"source:{source_name}:{field}"


def _guard(action):
    keyring = _keyring()
    try:
        return action()
    except keyring.errors.NoKeyringError as exc:
        raise SecretStoreUnavailable(
            "No usable system keyring was found, so credentials cannot be stored safely. "
            "Install and unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
            "Locker) and try again."
        ) from exc
    except keyring.errors.KeyringError as exc:
        raise SecretStoreUnavailable(f"The system keyring refused the request: {exc}") from exc


def get_secret(source_name: str, field: str) -> str | None:
    """The secret stored for a source's field, or None."""
    return _guard(lambda: _keyring().get_password(SERVICE, _key(source_name, field)))


def set_secret(source_name: str, field: str, value: str) -> None:
    _guard(lambda: _keyring().set_password(SERVICE, _key(source_name, field), value))


def delete_secret(source_name: str, field: str) -> None:
    def _delete() -> None:
        keyring = _keyring()
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, _key(source_name, field))

    _guard(_delete)


def has_secret(source_name: str, field: str) -> bool:
    return get_secret(source_name, field) is not None


def get_db_password(key: str) -> str | None:
    """The password stored for a database ("user@host:port/database", see store.engine.password_key), or None."""
    return _guard(lambda: _keyring().get_password(SERVICE, f"database:{key}"))


def set_db_password(key: str, value: str) -> None:
    _guard(lambda: _keyring().set_password(SERVICE, f"database:{key}", value))

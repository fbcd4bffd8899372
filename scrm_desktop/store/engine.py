"""Engine setup for SQLite (WAL, pragmas, explicit BEGIN) and PostgreSQL, and schema upgrade on open."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded; the message says why in plain words."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # We issue BEGIN ourselves (below) so SQLite's locking is predictable: pysqlite's implicit
        # transactions would otherwise start late and upgrade locks mid-transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def password_key(url: str) -> str | None:
    """Where a server database's password is kept in the OS keyring: "user@host:port/database" (None for SQLite).

    The URL a team shares (settings.json, the systemd unit, a shell history) then carries no password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):  # ?host=a&host=b
        host = ",".join(host)
    return f"{parsed.username or ''}@{host}:{parsed.port or ''}/{parsed.database or ''}"


def with_password(url: str, lookup: Callable[[str], str | None]) -> str:
    """The URL with the keyring's password filled in, when it has none of its own and the keyring holds one."""
    key = password_key(url)
    parsed = make_url(url)
    if key is None or parsed.password is not None:
        return url
    password = lookup(key)
    return url if password is None else parsed.set(password=password).render_as_string(hide_password=False)


def open_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the pragmas the app relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15})
        _setup_sqlite(engine)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but transactions take the write lock at BEGIN (SQLite), avoiding upgrade deadlocks."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # The migrations run on the connection upgrade() hands over; the URL is only for someone running alembic by
    # hand. configparser treats "%" as interpolation, and URL-quoted socket paths and passwords contain it.
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=True).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it on a new database)."""
    from alembic import command

    cfg = _alembic_config(engine)
    try:
        with writer(engine).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except Exception as exc:
        reason = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's boilerplate
        raise DatabaseError(f"Could not open or upgrade the database at {engine.url!r}: {reason}") from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision ("a,b" while feature branches are not merged), or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)

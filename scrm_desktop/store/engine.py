"""Engine setup for SQLite (WAL, pragmas, explicit BEGIN) and PostgreSQL, and schema upgrade on open."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from scrm_desktop.store.errors import DatabaseError
from scrm_desktop.store.revisions import MIGRATIONS_DIR, _assigned, known_revisions, migration_heads  # noqa: F401
from scrm_desktop.store.sqlite_file import sqlite_url  # noqa: F401

log = logging.getLogger(__name__)

EXAMPLE_URLS = "sqlite:////path/to/scrm.db or postgresql+psycopg://user@host/dbname"
POSTGRES_INSTALL = (
    "pip install 'scrm-desktop[postgres]' (in a source checkout: .venv/bin/pip install 'psycopg[binary]')"
)


def parse_url(url: str) -> URL:
    """The URL parsed, or DatabaseError saying it is not one (and what one looks like)."""
    try:
        return make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r} (expected e.g. {EXAMPLE_URLS})") from None


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
        # 32 MB of pages (SQLite takes them as it needs them, 2 MB by default): a batch's inserts touch the pages
        # of eight indexes and the FTS index, which at a million posts no longer fit in 2 MB (store-only ingest
        # ~15% faster)
        cur.execute("PRAGMA cache_size=-32768")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def password_key(url: str) -> str | None:
    """Where a server database's password is kept in the OS keyring: "user@host:port/database" (None for SQLite).

    The URL a team shares (settings.json, the systemd unit, a shell history) then carries no password."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):  # ?host=a&host=b
        host = ",".join(host)
    return f"{parsed.username or ''}@{host}:{parsed.port or ''}/{parsed.database or ''}"


def with_password(url: str, lookup: Callable[[str], str | None]) -> str:
    """The URL with the keyring's password filled in, when it has none of its own and the keyring holds one."""
    key = password_key(url)
    parsed = parse_url(url)
    if key is None or parsed.password is not None:
        return url
    password = lookup(key)
    return url if password is None else parsed.set(password=password).render_as_string(hide_password=False)


def open_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the pragmas the app relies on.
    A URL that cannot be used (not a URL, an unknown kind of database, its driver not installed) raises
    DatabaseError saying what to do."""
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15})
            _setup_sqlite(engine)
        else:
            # A server that drops packets would otherwise keep a starting app waiting for minutes.
            args = {"connect_timeout": CONNECT_TIMEOUT_S} if parsed.get_backend_name() == "postgresql" else {}
            if "connect_timeout" in parsed.query:
                args = {}
            engine = create_engine(url, echo=echo, pool_pre_ping=True, connect_args=args)
            if parsed.get_backend_name() == "postgresql":
                from scrm_desktop.store.tables import use_postgresql

                use_postgresql()
    except NoSuchModuleError:
        raise DatabaseError(
            f"unknown kind of database {parsed.drivername!r} in {_shown(parsed)} (expected e.g. {EXAMPLE_URLS})"
        ) from None
    except ImportError as exc:
        raise DatabaseError(_missing_driver(parsed, exc)) from None
    except OSError as exc:
        raise DatabaseError(f"cannot create the folder for {parsed.database}: {exc.strerror or exc}") from None
    return engine


CONNECT_TIMEOUT_S = 10


def _shown(parsed: URL) -> str:
    return parsed.render_as_string(hide_password=True)


def _missing_driver(parsed: URL, exc: ImportError) -> str:
    module = exc.name or str(exc)
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            better = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=True)
            return (
                f"the PostgreSQL driver {module!r} for {_shown(parsed)} is not installed; scrm-desktop uses "
                f"psycopg 3: write the URL as {better}"
            )
        return f"the PostgreSQL driver (psycopg) is not installed; install it with: {POSTGRES_INSTALL}"
    return (
        f"the driver {module!r} for {_shown(parsed)} is not installed (scrm-desktop works with SQLite and "
        "PostgreSQL: postgresql+psycopg://...)"
    )


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
    """Bring the schema to the newest revision (creates it on a new database). A database already there, the
    usual start, is only checked: its recorded revision against the migration files' heads, without importing
    alembic (a third of a second). The write lock is still taken, so a read-only or damaged file fails here."""
    try:
        with writer(engine).begin() as conn:
            if _at_heads(conn):
                return
            from alembic import command

            cfg = _alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except Exception as exc:
        raise open_error(engine, exc) from exc


def upgrade_to(engine: Engine, revision: str) -> None:
    """Bring the schema to `revision` exactly (store/salvage.py builds a copy at a damaged file's revision)."""
    from alembic import command

    with writer(engine).begin() as conn:
        cfg = _alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _at_heads(conn: Connection) -> bool:
    heads = migration_heads()
    if not heads:
        return False
    try:  # a new database has no alembic_version: the savepoint keeps that error out of the caller's transaction
        with conn.begin_nested():
            stored = set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    except DBAPIError:
        return False
    return stored == heads


def check_writable(engine: Engine) -> None:
    """SQLite opens a read-only file without complaint and fails at the first write, deep inside whatever writes
    first: try one now (a table created and rolled back) so the user hears it on open, in one line."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    try:
        with engine.connect() as conn, conn.begin() as trans:
            conn.exec_driver_sql("CREATE TABLE scrm_write_check (x INTEGER)")
            trans.rollback()
    except Exception as exc:
        raise open_error(engine, exc) from exc


def storage_problem(exc: BaseException) -> str | None:
    """A write that failed because of the disk or the file (full, read-only, I/O error), in plain words; None for
    anything else. The failed transaction was rolled back, so the database holds what was committed before it."""
    low = str(getattr(exc, "orig", None) or exc).lower()
    if "database or disk is full" in low or "no space left" in low or "could not extend file" in low:
        return "the disk is full"
    if "readonly database" in low or "read-only" in low:
        return "the database has become read-only (check the file's permissions and the disk)"
    if "disk i/o error" in low:
        return "the disk reported an I/O error"
    return None


def damage(exc: BaseException) -> str | None:
    """The driver's words when `exc` is SQLite reading a damaged page (met after the open, which reads only the
    schema: a bad page deep in a table), else None."""
    words = str(getattr(exc, "orig", None) or exc)
    low = words.lower()
    if isinstance(exc, DBAPIError) and any(s in low for s in ("malformed", "not a database")):
        return words.splitlines()[0]
    return None


def open_error(engine: Engine, exc: BaseException) -> DatabaseError:
    """`exc` from opening or upgrading the database, in plain words on one line, with what to do about it."""
    reason = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's boilerplate
    words = "; ".join(line.strip() for line in str(reason).splitlines() if line.strip()) or type(reason).__name__
    low = words.lower()
    where = f"Could not open or upgrade the database at {engine.url!r}"
    damaged = False
    if "can't locate revision" in low:
        revision = words.split("identified by")[-1].strip(" '\"") if "identified by" in words else "?"
        from scrm_desktop import __version__

        words = (
            f"it was written by a newer scrm-desktop (its schema revision {revision} is unknown to version "
            f"{__version__}); update scrm-desktop to open it"
        )
    elif "password authentication failed" in low or "no password supplied" in low:
        # the URL without any password (a copied `user:***@` would send *** as the password), quoted for a shell
        u = engine.url  # (URL.set(password=None) would keep the password: None there means "unchanged")
        without = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
        bare = shlex.quote(without.render_as_string(hide_password=False))
        words = (
            f"the server refused the password for user {engine.url.username!r} ({words}); store the right one "
            f"with: scrm-desktop --db {bare} db set-password"
        )
    elif any(s in low for s in ("connection refused", "could not translate host", "timeout expired", "no route")):
        host = engine.url.host or engine.url.query.get("host") or "localhost"
        words = f"cannot reach the database server at {host}:{engine.url.port or 5432} ({words})"
    elif engine.dialect.name == "sqlite" and any(s in low for s in ("readonly", "read-only", "unable to open")):
        # Nothing is lost, so no backup is offered (restoring would overwrite a sound file); a copy reads it.
        shown = _file_of(engine)
        words = (
            f"{words} (the file or its folder is read-only, or not yours: check its permissions; to read it "
            f"meanwhile, copy it: scrm-desktop --db sqlite:///{shown} db backup --out copy.db, then open "
            "--db sqlite:///copy.db)"
        )
    elif engine.dialect.name == "sqlite" and any(s in low for s in ("not a database", "malformed", "disk i/o")):
        words = f"{words} (the file is damaged)"
        damaged = True
    database = Path(engine.url.database) if damaged and engine.url.database else None
    return DatabaseError(f"{where}: {words}", database=database)


def _file_of(engine: Engine) -> str:
    """The SQLite file's path, also for a `file:...?mode=ro` URI."""
    database = engine.url.database or ""
    return database.removeprefix("file:") if engine.url.query.get("uri") else database


def current_revision(engine: Engine) -> str | None:
    """The schema revision ("a,b" while feature branches are not merged), or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def probe(url: str) -> str:
    """Connect to `url` without changing it and say, in one line, what is there: an empty database the app will
    set up, one at this version (with its number of posts), one an upgrade will bring up to date. DatabaseError
    (the same plain words as at start) when it cannot be reached or used, or was written by a newer version."""
    parsed = parse_url(url)
    local = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    if local and not Path(str(parsed.database)).expanduser().exists():  # looked at, not made
        return f"{parsed.database} does not exist yet: scrm-desktop creates it on its first start there"
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            tables = set(inspect(conn).get_table_names())
            revisions = (
                set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
                if "alembic_version" in tables
                else set()
            )
            posts = conn.exec_driver_sql("SELECT count(*) FROM posts").scalar() if "posts" in tables else 0
    except Exception as exc:
        raise open_error(engine, exc) from None
    finally:
        engine.dispose()
    where = _shown(engine.url)
    if not revisions:
        if tables - {"alembic_version"}:
            raise DatabaseError(f"{where} holds tables of something else ({', '.join(sorted(tables)[:5])}): not ours")
        return f"connected to {where}: an empty database; scrm-desktop sets it up on its first start there"
    heads = migration_heads()
    known = known_revisions()
    unknown = revisions - known if known else set()
    if unknown:
        from scrm_desktop import __version__

        raise DatabaseError(
            f"{where} was written by a newer scrm-desktop (schema revision {', '.join(sorted(unknown))} is unknown "
            f"to version {__version__}); update scrm-desktop on this desktop first"
        )
    state = "at this version" if not heads or revisions == heads else "it is upgraded on the first start there"
    return f"connected to {where}: {posts:,} posts, {state}"

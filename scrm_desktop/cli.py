"""Command line: the GUI (default), `listen`, `sources`, `import`, `report`, `snapshot`. Bad arguments exit 2
with one line."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scrm_desktop import __version__

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

log = logging.getLogger("scrm_desktop.cli")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus where to look) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class CommandError(Exception):
    """A command that cannot be carried out; its message is shown as one line and the exit code is 1 (or 2)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def build_parser(commands: bool = True) -> Parser:
    """The whole command line; `commands=False`: only the options every command takes (what the GUI's start,
    which names no command, needs: building every command's parser cost more than its start could spare)."""
    p = Parser(prog="scrm-desktop", description="Desktop Social CRM command center.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (default: SQLite in the user data dir)")
    p.add_argument("--basedir", metavar="DIR", help="keep data, settings and logs under DIR (development, tests)")
    p.add_argument("--demo", action="store_true", help="use the separate demo workspace (demo source enabled)")
    p.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    if not commands:
        return p
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    sub.add_parser("gui", help="start the desktop app (the default)", description="Start the desktop app.")

    listen = sub.add_parser(
        "listen",
        help="run the enabled sources headless",
        description="Run the enabled sources on their schedules until stopped (Ctrl+C).",
    )
    listen.add_argument(
        "--once", action="store_true", help="run each enabled source one time, send the replies due, then exit"
    )

    src = sub.add_parser("sources", help="manage listening sources", description="Manage listening sources.")
    ss = src.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    ss.add_parser("list", help="list sources with their health", description="List sources with their health.")
    ss.add_parser(
        "plugins",
        help="list installed plugins and their options",
        description="List installed plugins, their options, and plugins that failed to load.",
    )
    add = ss.add_parser(
        "add",
        help="add a source",
        description="Add a source. Plugin options follow as --OPTION VALUE (see `sources plugins`), e.g. "
        'sources add rss --name "Dell blog" --url https://example.com/feed --every 10m',
    )
    add.add_argument("plugin", help="plugin name (see `sources plugins`)")
    add.add_argument("--name", required=True, help="a unique name for the source")
    add.add_argument("--every", metavar="INTERVAL", help="how often to run: 30s, 10m, 2h (default: the plugin's)")
    add.add_argument("--disabled", action="store_true", help="add it disabled")
    for action in ("remove", "enable", "disable", "run"):
        a = ss.add_parser(action, help=f"{action} a source", description=f"{action.capitalize()} a source.")
        a.add_argument("name")
    sec = ss.add_parser(
        "set-secret",
        help="store a credential in the OS keyring (prompts without echo)",
        description="Store a credential for a source in the OS keyring; it is asked for without "
        "echo and never written to the database, logs or settings.",
    )
    sec.add_argument("name")
    sec.add_argument("field")

    imp = sub.add_parser(
        "import",
        help="backfill posts from CSV or JSONL",
        description="Backfill posts from a CSV or JSONL file. Keys: text (required); external_id, "
        "author, created_at, channel, url, lang (optional). Safe to run again.",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--skip-bad",
        action="store_true",
        help="import the rows that can be read and list the others (default: a malformed file imports nothing)",
    )

    db = sub.add_parser(
        "db",
        help="the database: backups, restore, the team database's password",
        description="Back up and restore the SQLite database; store the team (PostgreSQL) database's password.",
    )
    ds = db.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    ds.add_parser(
        "set-password",
        help="store the --db URL's password in the OS keyring (prompts without echo)",
        description="Store the password of the database given with --db in the OS keyring, so the URL in "
        "settings.json or a service file carries none. Example: scrm-desktop --db "
        "postgresql+psycopg://team@dbhost/scrm db set-password",
    )
    su = ds.add_parser(
        "set-url",
        help="make URL the database this workspace opens from now on (the team's PostgreSQL database)",
        description="Make URL the database this workspace opens on every start (the app, `listen`, the wall), "
        "kept in settings.json without its password: a password inside the URL, or typed at the prompt with "
        "--password, goes to the OS keyring. The database is looked at first (reachable, not written by a newer "
        "version) unless --no-check. --local goes back to the SQLite file in the workspace's data folder. "
        "Example: scrm-desktop db set-url postgresql+psycopg://team@dbhost/scrm --password",
    )
    su.add_argument("url", nargs="?", default="", help="the database URL (nothing with --local)")
    su.add_argument("--local", action="store_true", help="back to this computer's SQLite file")
    su.add_argument("--password", action="store_true", help="ask for the password (no echo) and keep it in the keyring")
    su.add_argument("--no-check", action="store_true", help="store the URL without connecting to it first")
    bk = ds.add_parser(
        "backup",
        help="copy the SQLite database to a backup file (safe while the app runs)",
        description="Copy the SQLite database with sqlite3's online backup API, safe while the app or a listener "
        "writes, and check the copy with PRAGMA integrity_check. Default: a dated file in the backups/ folder "
        "beside the database, where the app also keeps its daily automatic backups. PostgreSQL: use pg_dump.",
    )
    bk.add_argument("--out", type=Path, metavar="FILE", help="write the backup here instead")
    rs = ds.add_parser(
        "restore",
        help="put a backup in place of the SQLite database (the current file is kept aside)",
        description="Replace the SQLite database with a backup. Refused when the backup fails PRAGMA "
        "integrity_check or the database is in use (stop the app and any `listen` service first); the current "
        "file is kept beside it as scrm.db.before-restore-DATE. Without FILE: the newest backup.",
    )
    rs.add_argument("file", type=Path, nargs="?", help="the backup (default: the newest in backups/)")
    ds.add_parser("backups", help="list the backups", description="List the backups of the SQLite database.")
    sv = ds.add_parser(
        "salvage",
        help="copy every row that can still be read from a damaged SQLite database into a new file",
        description="Read a damaged SQLite database (read-only) table by table and copy every row that can still "
        "be read into a new, checked database beside it (scrm.salvaged-DATE.db); the damaged file is not changed. "
        "Put the copy in place with: scrm-desktop db restore FILE. Rows newer than the last backup survive this "
        "way when their pages do.",
    )
    sv.add_argument("--out", type=Path, metavar="FILE", help="write the salvaged database here instead")

    from scrm_desktop.engage.cli_tree import add_tree_parser

    add_tree_parser(sub)

    from scrm_desktop.cli_customers import add_customers_parser

    add_customers_parser(sub)

    from scrm_desktop.cli_reports import add_report_parser

    add_report_parser(sub)

    wall = sub.add_parser(
        "wall",
        help="the full-screen command-center display (a TV on the wall)",
        description="Start straight into the wall display: full screen, dark, large type, refreshed every "
        "15 s, no mouse or keyboard needed (Esc or F11 leave full screen). On a kiosk machine: "
        "scrm-desktop --db URL wall",
    )
    wall.add_argument(
        "--listen",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the enabled sources here (default: only in the demo workspace; leave off when a "
        "`listen` service or a teammate's desktop listens to the same database)",
    )
    wall.add_argument("--windowed", action="store_true", help="open in a window instead of full screen")

    snap = sub.add_parser(
        "snapshot",
        help="render a view offscreen to PNG",
        description="Render a view of the app to a PNG file (works without a display).",
    )
    snap.add_argument("--view", default="streams", choices=["streams", "dashboard", "agent", "wall"], help="which view")
    snap.add_argument("--out", required=True, type=Path, help="PNG file to write")
    snap.add_argument("--size", default="1600x900", type=_size, help="WIDTHxHEIGHT (default 1600x900)")
    snap.add_argument("--listen", action="store_true", help="run each enabled source once before rendering")
    return p


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size {text!r} out of range (200..8000)")
    return w, h


def _read_hidden(prompt: str) -> str:
    import getpass  # a terminal's hidden prompt (a password): not imported by every start

    return getpass.getpass(prompt)


def main(argv: Sequence[str] | None = None) -> int:
    from scrm_desktop.listening import workers

    workers.one_blas_thread()  # before anything imports numpy (workers inherit it)

    workers.allow_by_default()  # this entry point's main module is guarded: big ingests may use worker processes
    args = _gui_start(sys.argv[1:] if argv is None else list(argv))
    if args is None:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra and not (args.command == "sources" and args.action == "add"):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
    try:
        return _dispatch(args)
    except CommandError as exc:
        print(f"scrm-desktop: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        told = _damaged_while_running(args, exc)
        if told is None:
            raise
        print(f"scrm-desktop: {told}", file=sys.stderr)
        return 1


def _damaged_while_running(args: argparse.Namespace, exc: Exception) -> str | None:
    """A SQLite file damaged where opening it did not look (a bad page deep in a table) and a command read it:
    one line with its last backup and salvage, as at start, instead of a traceback; None for anything else."""
    from scrm_desktop.store.engine import damage

    words = damage(exc)
    if words is None:
        return None
    try:
        database = _database_file(args)
    except CommandError:
        return None
    if database is None:
        return None
    from scrm_desktop.store.errors import DatabaseError

    return str(_offer_backup(DatabaseError(f"the database {database} is damaged ({words})", database=database)))


def _gui_start(argv: list[str]) -> argparse.Namespace | None:
    """The arguments of the usual start (global options only, no command: the GUI), read without building every
    command's parser; None when `argv` names a command or asks for help (the whole parser reads it)."""
    if any(a in ("-h", "--help") for a in argv):
        return None
    args, extra = build_parser(commands=False).parse_known_args(argv)
    if extra:
        return None
    args.command, args.extra = None, []
    return args


def _open_workspace(args: argparse.Namespace, *, stderr_log: bool = True, quick: bool = False):  # type: ignore[no-untyped-def]
    """The workspace; with `quick` (the GUI's start), its database is left to open after the first paint when
    the window's first column can be read without it (Workspace.quick_reader)."""
    from scrm_desktop.logs import setup_logging
    from scrm_desktop.paths import Paths
    from scrm_desktop.store.errors import DatabaseError
    from scrm_desktop.workspace import Workspace

    base = Paths.under(args.basedir) if args.basedir else Paths.for_user()
    setup_logging(base.logs, verbose=args.verbose, stderr=stderr_log)
    options = {}
    if quick:
        from scrm_desktop.streams import first_column_shows_newest

        options["quick"] = first_column_shows_newest
    try:
        return Workspace.open(args.basedir, db_url=args.db, demo=args.demo, seed=args.demo, **options)
    except DatabaseError as exc:
        raise _offer_backup(exc) from None


def _open_or_tell(args: argparse.Namespace, quick: bool = False) -> Any:
    """The workspace, or None after the user was told why not, on stderr and in a dialog; a damaged database
    is restored from its last backup when the user asks (once)."""
    from scrm_desktop.store.backup import BackupError

    for attempt in range(2):
        try:
            return _open_workspace(args, stderr_log=True, quick=quick and attempt == 0)
        except CommandError as exc:
            print(f"scrm-desktop: {exc}", file=sys.stderr)
            from scrm_desktop import app

            database = getattr(exc, "database", None) if attempt == 0 else None
            backup = getattr(exc, "backup", None) if attempt == 0 else None
            salvage = bool(getattr(exc, "salvage", False)) and attempt == 0
            chosen = app.show_startup_error(str(exc), backup=backup, salvage=salvage)
            if chosen is None:
                return None
            try:
                said = app.repair_database(
                    database, chosen, backup, tell=print
                )  # what was done, as `db restore` says it
                if said is not None:
                    app.show_info("Database salvaged", said)
            except BackupError as again:
                print(f"scrm-desktop: {again}", file=sys.stderr)
                app.show_startup_error(str(again))
                return None
    return None


def _offer_backup(exc: Exception) -> CommandError:
    """A damaged or read-only SQLite file: the message ends with its newest backup and how to restore it."""
    from scrm_desktop.store.backup import latest_backup

    database = getattr(exc, "database", None)
    found = latest_backup(database) if database is not None else None
    text = str(exc) if found is None else f"{exc}; its last backup is {found}: scrm-desktop db restore"
    from scrm_desktop.store.salvage import salvageable

    can_salvage = database is not None and "damaged" in text and salvageable(database)
    if can_salvage:
        text += "; to keep the rows that can still be read instead: scrm-desktop db salvage"
    error = CommandError(text)
    error.database, error.backup, error.salvage = database, found, can_salvage  # type: ignore[attr-defined]
    return error


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "gui"
    if command == "tree":  # checks files only: no workspace needed
        from scrm_desktop.engage.cli_tree import run_tree

        return run_tree(None, args)
    if command == "db":  # before opening: the database may need this password, or be damaged
        if args.action == "set-url":
            return _db_set_url(args)
        return _db_set_password(args) if args.action == "set-password" else _db_backups(args)
    if command in ("gui", "snapshot", "wall"):
        return _windowed(command, args)
    ws = _open_workspace(args)
    try:
        if command == "listen":
            return _listen(ws, once=args.once)
        if command == "import":
            return _import(ws, args.file, skip_bad=args.skip_bad)
        if command == "customers":
            return _customers(ws, args)
        if command == "report":
            return _report(ws, args)
        return _sources(ws, args)
    finally:
        ws.close()


def _windowed(command: str, args: argparse.Namespace) -> int:
    """The commands that start Qt. Before it starts: the platform (snapshot renders offscreen by itself) and the
    system libraries a window needs; a database that cannot be opened is told in a dialog too (a launcher shows
    no terminal)."""
    from scrm_desktop.platform_check import display_problem, prepare_platform

    prepare_platform(command)
    problem = display_problem(command)
    if problem:
        raise CommandError(problem)
    if command == "gui":  # the start allocates much and frees little: collected once its posts show (app.py)
        gc.disable()
    # The workspace before Qt: once PySide6 is imported, it reads the source of every module imported after it
    # (its __feature__ import hook), which cost a fifth of a second of the start for SQLAlchemy and the store.
    if command == "snapshot":
        ws = _open_workspace(args, stderr_log=True)
    else:
        ws = _open_or_tell(args, quick=command == "gui")
        if ws is None:
            return 1
    import scrm_desktop.streams  # noqa: F401  # the main window's next imports, before Qt for the same reason
    from scrm_desktop import app

    if command == "gui":
        code = app.run_gui(ws)
        if code != app.DATABASE_FAILED:
            return code
        ws = _open_or_tell(args)  # the quick start's database failed to open: the usual way, with its dialogs
        return 1 if ws is None else app.run_gui(ws)
    if command == "wall":
        listen = args.demo if args.listen is None else args.listen
        return app.run_wall(ws, listen=listen, fullscreen=not args.windowed)
    return app.snapshot(ws, args.view, args.out, args.size, listen=args.listen)


# ---- db ----------------------------------------------------------------------------------------------------
def _db_set_password(args: argparse.Namespace) -> int:
    from scrm_desktop import secrets
    from scrm_desktop.store.engine import password_key

    if not args.db:
        raise CommandError("give the database with --db URL (for example postgresql+psycopg://team@dbhost/scrm)", 2)
    try:
        key = password_key(args.db)
    except Exception as exc:  # sqlalchemy's ArgumentError for a URL it cannot read
        raise CommandError(f"not a database URL: {exc}", 2) from None
    if key is None:
        raise CommandError("an SQLite database has no password", 2)
    value = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else _read_hidden(f"password for {key}: ")
    if not value:
        raise CommandError("no password given; nothing stored", 2)
    try:
        secrets.set_db_password(key, value)
    except secrets.SecretStoreUnavailable as exc:
        raise CommandError(str(exc)) from None
    print(f"stored in the OS keyring for {key}")
    return 0


def _db_set_url(args: argparse.Namespace) -> int:
    from scrm_desktop import secrets
    from scrm_desktop.paths import Paths
    from scrm_desktop.settings import Settings
    from scrm_desktop.store.engine import DatabaseError, parse_url, probe
    from scrm_desktop.workspace import connect_url, store_database_url

    if args.demo:
        raise CommandError("the demo workspace keeps its own database; leave out --demo to set the team's", 2)
    if bool(args.url) == bool(args.local):
        raise CommandError("give the database URL, or --local for this computer's SQLite file", 2)
    password = ""
    try:
        if args.url and args.password:
            password = _read_hidden("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        if args.url and not args.no_check:
            print(probe(connect_url(args.url, password)))
        paths = (Paths.under(args.basedir) if args.basedir else Paths.for_user()).workspace("default")
        settings = Settings.load(paths.settings_file)
        stored = store_database_url(settings, args.url, password)
        settings.save(paths.settings_file)
    except (DatabaseError, ValueError, secrets.SecretStoreUnavailable) as exc:
        raise CommandError(str(exc), 2) from None
    where = parse_url(stored).render_as_string(hide_password=True) if stored else "the SQLite file in the data folder"
    print(f"this workspace opens {where} from its next start ({paths.settings_file})")
    return 0


def _database_file(args: argparse.Namespace) -> Path | None:
    """The SQLite file the command works on, without opening it (it may be damaged); None for a server."""
    from scrm_desktop.paths import Paths
    from scrm_desktop.settings import Settings
    from scrm_desktop.store.engine import DatabaseError, parse_url, sqlite_url

    paths = (Paths.under(args.basedir) if args.basedir else Paths.for_user()).workspace(
        "demo" if args.demo else "default"
    )
    url = args.db or Settings.load(paths.settings_file).db_url or sqlite_url(paths.database_file)
    try:
        parsed = parse_url(url)
    except DatabaseError as exc:
        raise CommandError(str(exc), 2) from None
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:"):
        raise CommandError("an in-memory database has nothing to back up", 2)
    return Path(parsed.database).expanduser()


def _db_backups(args: argparse.Namespace) -> int:
    from scrm_desktop.store.backup import POSTGRES_HINT, BackupError, backup, latest_backup, list_backups, restore

    database = _database_file(args)
    if database is None:
        raise CommandError(POSTGRES_HINT, 2)
    try:
        if args.action == "backup":
            print(f"backed up {database} to {backup(database, args.out)}")
        elif args.action == "salvage":
            from scrm_desktop.store.salvage import salvage

            done = salvage(database, args.out, progress=_salvage_progress())
            print(f"{done.summary()}\nto use it: scrm-desktop db restore {done.out}")
        elif args.action == "backups":
            found = list_backups(database)
            print("\n".join(str(p) for p in found) if found else f"no backups yet of {database}")
        else:
            source = args.file or latest_backup(database)
            if source is None:
                raise CommandError(f"there is no backup of {database} to restore")
            print(restore(database, source).summary())
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _salvage_progress():  # type: ignore[no-untyped-def]
    """Rows copied so far, on one line of stderr (a big database takes a while)."""

    def show(table: str, copied: int) -> None:
        print(f"\rsalvaging {table}: {copied:,} rows", end="", file=sys.stderr, flush=True)

    return show


# ---- listen -------------------------------------------------------------------------------------------------
def _listen(ws: Workspace, once: bool) -> int:
    from scrm_desktop.cli_reports import ScheduledReports

    ws.backup_if_due()
    if once:
        outcomes = ws.run_once()
        if not outcomes:
            print("no enabled sources (add one with `scrm-desktop sources add`)")
        for o in outcomes:
            status = f"{o.items} new post(s)" if o.ok else f"FAILED ({o.kind}): {o.error}"
            print(f"{o.source}: {status}")
        _send_outbox(ws)
        reports = ScheduledReports.install(ws)
        for path in reports.run_due() if reports else ():
            print(f"wrote {path}")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    reports = ScheduledReports.install(ws)  # before the scheduler starts: its check is one of the periodic jobs
    ws.start_listening()
    names = ", ".join(s.name for s in ws.db.sources.list() if s.enabled) or "none"
    print(f"listening (sources: {names}); Ctrl+C to stop", flush=True)
    if reports is not None:
        reports.run_until(stop)  # scheduled reports are drawn on this (the main) thread
    else:
        stop.wait()
    return 0


def _send_outbox(ws: Workspace) -> None:
    """The replies due, sent once (a cron'd `listen --once` is a whole sender); one line per reply that moved."""
    for result in ws.outbox.send_due():
        detail = f": {result.message}" if result.message else ""
        print(f"outbox reply {result.item_id}: {result.state}{detail}")


# ---- report -------------------------------------------------------------------------------------------------
def _report(ws: Workspace, args: argparse.Namespace) -> int:
    from scrm_desktop.cli_reports import run_report

    try:
        return run_report(ws, args)
    except (ValueError, OSError) as exc:  # a bad period, brand or format; a file that cannot be written
        raise CommandError(str(exc)) from None


# ---- customers ----------------------------------------------------------------------------------------------
def _customers(ws: Workspace, args: argparse.Namespace) -> int:
    from scrm_desktop.cli_customers import run_customers

    try:
        return run_customers(ws, args)
    except ValueError as exc:  # CsvError, a bad period, a file that cannot be written
        raise CommandError(str(exc)) from None


# ---- import -------------------------------------------------------------------------------------------------
def _import(ws: Workspace, path: Path, *, skip_bad: bool = False) -> int:
    from scrm_desktop.listening.importer import ImportFileError, import_file

    bar = _ProgressBar(f"importing {path.name}") if sys.stderr.isatty() else None

    from scrm_desktop.store.engine import storage_problem

    stored = [0]

    def ingest(chunk: list) -> tuple[int, int]:
        report = ws.ingestor.ingest(chunk)
        stored[0] += report.inserted
        return report.inserted, report.skipped

    try:
        report = import_file(path, ingest, progress=bar.update if bar else None, skip_bad=skip_bad)
    except ImportFileError as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        if bar:
            bar.close()
        raise CommandError(
            f"{problem}: the import stopped after {stored[0]} new post(s); the database is intact with them (a "
            "batch is stored whole or not at all). Make room and run the same import again: it adds only what is "
            "missing"
        ) from None
    if bar:
        bar.close()
    print(
        f"{report.rows} row(s): {report.inserted} new post(s), {report.duplicates} already stored, "
        f"{report.rejected} rejected"
    )
    for problem in report.problems:
        print(f"  {problem}")
    return 0


class _ProgressBar:
    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width

    def update(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        filled = int(frac * self.width)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


# ---- sources ------------------------------------------------------------------------------------------------
def _sources(ws: Workspace, args: argparse.Namespace) -> int:
    from scrm_desktop.listening.api import ConfigError
    from scrm_desktop.store.sources import SourceError

    try:
        return _SOURCE_ACTIONS[args.action](ws, args)
    except (SourceError, ConfigError, LookupError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def _sources_list(ws: Workspace, _args: argparse.Namespace) -> int:
    from scrm_desktop.core.backoff import format_interval

    rows = ws.db.sources.list()
    if not rows:
        print("no sources yet (add one with `scrm-desktop sources add PLUGIN --name NAME ...`)")
    for s in rows:
        state = "enabled" if s.enabled else "disabled"
        health = "ok" if s.healthy else f"error: {s.disabled_reason or s.last_error}"
        last = s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never"
        print(
            f"{s.name}\t{s.plugin}\tevery {format_interval(s.interval_s)}\t{state}\tlast success {last}\t"
            f"{s.items_total} post(s)\t{health}"
        )
    return 0


def _sources_plugins(ws: Workspace, _args: argparse.Namespace) -> int:
    for name in ws.registry.names():
        cls = ws.registry.get(name)
        print(f"{name}: {cls.title} (v{cls.version})")
        for f in cls.config_fields:
            req = " (required)" if f.required else ""
            print(f"    --{f.name.replace('_', '-')} [{f.kind}]{req}  {f.label}")
        for s in cls.secret_fields:
            print(f"    secret: {s}  (set with: scrm-desktop sources set-secret NAME {s})")
    for fail in ws.registry.failures:
        print(f"{fail.name}: FAILED TO LOAD: {fail.error}")
    return 0


def _plugin_options(cls: Any, extra: list[str]) -> dict[str, Any]:
    fields = {f.name: f for f in cls.config_fields}
    out: dict[str, Any] = {}
    items = list(extra)
    while items:
        flag = items.pop(0)
        if not flag.startswith("--"):
            raise CommandError(f"unexpected argument {flag!r}", code=2)
        key, _, value = flag[2:].partition("=")
        key = key.replace("-", "_")
        if key not in fields:
            known = ", ".join(f"--{n.replace('_', '-')}" for n in fields) or "none"
            raise CommandError(f"plugin {cls.name} has no option --{key} (options: {known})", code=2)
        if not value:
            value = "yes" if fields[key].kind == "bool" and (not items or items[0].startswith("--")) else None
            if value is None:
                if not items:
                    raise CommandError(f"--{key} needs a value", code=2)
                value = items.pop(0)
        out[key] = value
    return out


def _sources_add(ws: Workspace, args: argparse.Namespace) -> int:
    cls = ws.plugin(args.plugin)
    config = _plugin_options(cls, args.extra)
    source = ws.add_source(args.plugin, args.name, config, args.every, enabled=not args.disabled)
    print(f"added {source.name} ({source.plugin}, every {source.interval_s}s)")
    for field in cls.secret_fields:
        print(f"  it uses a secret: scrm-desktop sources set-secret {source.name!r} {field}")
    return 0


def _sources_toggle(ws: Workspace, args: argparse.Namespace) -> int:
    if args.action == "remove":
        ws.remove_source(args.name)
        print(f"removed {args.name} (its posts are kept)")
    else:
        ws.update_source(args.name, enabled=args.action == "enable")
        print(f"{args.action}d {args.name}")
    return 0


def _sources_run(ws: Workspace, args: argparse.Namespace) -> int:
    ws.db.sources.get(args.name)
    for o in ws.run_once(only=args.name):
        print(f"{o.source}: {o.items} new post(s)" if o.ok else f"{o.source}: FAILED ({o.kind}): {o.error}")
        return 0 if o.ok else 1
    return 1


def _sources_set_secret(ws: Workspace, args: argparse.Namespace) -> int:
    from scrm_desktop import secrets

    source = ws.db.sources.get(args.name)
    fields = ws.plugin(source.plugin).secret_fields
    if args.field not in fields:
        raise CommandError(
            f"{source.plugin} sources have no secret {args.field!r} (secrets: {', '.join(fields) or 'none'})",
            code=2,
        )
    value = (
        _read_hidden(f"{args.field} for {source.name} (not shown): ")
        if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    if not value:
        raise CommandError("nothing entered; the secret was not changed")
    try:
        secrets.set_secret(source.name, args.field, value)
    except secrets.SecretStoreUnavailable as exc:
        raise CommandError(str(exc)) from None
    print(f"stored {args.field} for {source.name} in the system keyring")
    return 0


_SOURCE_ACTIONS = {
    "list": _sources_list,
    "plugins": _sources_plugins,
    "add": _sources_add,
    "remove": _sources_toggle,
    "enable": _sources_toggle,
    "disable": _sources_toggle,
    "run": _sources_run,
    "set-secret": _sources_set_secret,
}

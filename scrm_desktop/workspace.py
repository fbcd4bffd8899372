"""A workspace: one database with its settings, plugins, ingest pipeline and scheduler, built in one place.
The GUI and every headless command start from here. The basics (settings, the database, events, plugins) are
made when it opens; each service is made the first time it is used (`first_use`), so the main window shows its
posts before the engage and listening packages are imported."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrm_desktop import secrets
from scrm_desktop.lazy import OnFirstUse, SharedClient, first_use
from scrm_desktop.listening.events import SOURCE_CHANGED, EventHub
from scrm_desktop.paths import Paths
from scrm_desktop.settings import Settings
from scrm_desktop.store.sqlite_file import FirstPage, sqlite_url

if TYPE_CHECKING:
    from scrm_desktop.core.classify_model import Corrections
    from scrm_desktop.core.sentiment import Analyzer
    from scrm_desktop.core.sentiment.corrections import CorrectionMemory
    from scrm_desktop.engage.cases import CaseService
    from scrm_desktop.engage.outbox import OutboxSender
    from scrm_desktop.engage.template_library import TemplateLibrary
    from scrm_desktop.listening.api import Plugin
    from scrm_desktop.listening.pipeline import Ingestor, Stage
    from scrm_desktop.listening.registry import PluginRegistry
    from scrm_desktop.listening.runner import SourceRunner
    from scrm_desktop.listening.scheduler import ListeningScheduler
    from scrm_desktop.store.batch import StoredBatch
    from scrm_desktop.store.customers import CustomerRepo
    from scrm_desktop.store.database import Database
    from scrm_desktop.store.influence import InfluenceRepo
    from scrm_desktop.store.rules import CorrectionRepo, RuleRepo
    from scrm_desktop.store.sources import Source
    from scrm_desktop.store.topics import TopicRepo

log = logging.getLogger(__name__)

DEMO_SOURCE = "Demo scenario"
DEMO_INTERVAL_S = 15
DEMO_CONFIG = {"rate": 8}  # busier than the plugin's default so the live demo moves every few seconds


def utcnow() -> datetime:
    return datetime.now(UTC)


def stored_time(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """A workspace clock (aware) as the naive UTC times the database stores."""
    return lambda: clock().astimezone(UTC).replace(tzinfo=None)


def db_password(key: str) -> str | None:
    """A team database's password from the OS keyring (None without one: the URL or ~/.pgpass may have it)."""
    try:
        return secrets.get_db_password(key)
    except secrets.SecretStoreUnavailable:
        return None


def store_database_url(settings: Settings, url: str, password: str = "") -> str:
    """Put `url` in `settings` as the database to open ("" for the SQLite file in the workspace's data dir). A
    password, typed or inside the URL, goes to the OS keyring (secrets.SecretStoreUnavailable when there is
    none) and never into the settings file; the URL stored (returned) carries none. DatabaseError for a URL that
    is not one; ValueError for a password on an SQLite file."""
    from scrm_desktop.store.engine import parse_url, password_key

    url = url.strip()
    if url:
        parsed = parse_url(url)
        if parsed.password is not None:
            password = password or str(parsed.password)
            url = parsed._replace(password=None).render_as_string(hide_password=False)  # set() keeps it
        key = password_key(url)
        if password and key is None:
            raise ValueError("an SQLite database has no password")
        if password and key is not None:
            secrets.set_db_password(key, password)
    settings.db_url = url
    return url


def connect_url(url: str, typed_password: str = "") -> str:
    """The URL as the app connects with it: a password just typed in, else the one the OS keyring holds for it
    (for a connection test before the URL is kept)."""
    from scrm_desktop.store.engine import parse_url, with_password

    if typed_password:
        return parse_url(url).set(password=typed_password).render_as_string(hide_password=False)
    return with_password(url, db_password)


class Workspace:
    def __init__(
        self,
        paths: Paths,
        *,
        db_url: str | None = None,
        name: str = "default",
        registry: PluginRegistry | None = None,
        analyzer: Analyzer | None = None,
        clock: Callable[[], datetime] = utcnow,
        quick: Callable[[Path], bool] | None = None,
    ) -> None:
        """The database is opened here, unless the quick start applies (`quick_reader`): then on the first use
        of `db`, from the thread that asks first, and `first_page` reads the newest posts meanwhile."""
        self._parts_lock = threading.RLock()  # the services below are made on first use, from any thread, once
        self.name = name
        self.paths = paths.ensure()
        self.settings, problem = Settings.load_reporting(paths.settings_file)
        self.notices: list[str] = [problem] if problem else []  # shown to the user once the app is up
        self.db_url = db_url or self.settings.db_url or sqlite_url(paths.database_file)
        self.clock = clock
        # the newest posts and id, read without the store until `db` is open (the GUI's quick start)
        self.first_page = self.quick_reader(quick) if quick is not None else None
        if self.first_page is None:
            self.db  # noqa: B018  # opened now: a database that cannot be opened fails the open, as always
        self.events = EventHub()
        if registry is not None:
            self.__dict__["registry"] = registry  # else found on first use (reading the entry points takes a while)
        # the lexicon (or a model) loads with the first post scored or reply checked, after the window shows
        chosen = self.settings.sentiment_model
        self.analyzer: Analyzer = OnFirstUse(lambda: self.sentiment_memory.wrap(analyzer or _analyzer_named(chosen)))  # type: ignore[assignment]
        self.http = SharedClient()  # made (httpx imported) on the first request, after the window shows
        self._stored_clock = stored_time(clock)  # the naive UTC times the database stores
        self._scheduler: ListeningScheduler | None = None
        self._scheduler_lock = threading.Lock()  # the GUI's task runners may ask for it from two threads

    # ---- the services, each made the first time it is used ----------------------------------------------------
    @first_use
    def db(self) -> Database:
        """The database (engine, schema checked or upgraded, the posts' and sources' repositories)."""
        from scrm_desktop.store.database import Database
        from scrm_desktop.store.engine import with_password

        return Database(with_password(self.db_url, db_password))

    def quick_reader(self, shows_newest: Callable[[Path], bool]) -> FirstPage | None:
        """A reader of the newest posts that needs no SQLAlchemy, when the quick start applies: the workspace's
        own SQLite file (no --db, no URL in the settings), writable, already at this version's schema, and
        `shows_newest(config_dir)` (the first thing the window shows is the newest posts). Anything else (a
        server, a new, damaged, read-only, older or newer file) opens the usual way, with its messages."""
        from scrm_desktop.store.revisions import migration_heads

        if self.db_url != sqlite_url(self.paths.database_file) or not shows_newest(self.paths.config):
            return None
        return FirstPage.open_if_current(self.paths.database_file, migration_heads())

    @property
    def database_open(self) -> bool:
        """Whether `db` has been opened (reading it opens it)."""
        return first_use.made(self, "db")

    def latest_post_id(self) -> int:
        """The newest stored post's id; before the database is open, read by `first_page`."""
        if self.first_page is not None and not self.database_open:
            return self.first_page.latest_id()
        return self.db.posts.latest_id()

    @first_use
    def registry(self) -> PluginRegistry:
        """The plugins installed (found through their entry points; each imported when first needed)."""
        from scrm_desktop.listening.registry import PluginRegistry

        return PluginRegistry.discover()

    @first_use
    def sentiment_memory(self) -> CorrectionMemory:
        """Agents' sentiment corrections, read from the database (future posts like them are scored with them)."""
        from scrm_desktop.core.sentiment.corrections import CorrectionMemory

        return CorrectionMemory(self.db.posts.corrections())

    @first_use
    def topics(self) -> TopicRepo:
        from scrm_desktop.store.topics import TopicRepo

        return TopicRepo(self.db.engine, clock=self.clock)

    @first_use
    def rules(self) -> RuleRepo:
        from scrm_desktop.store.rules import RuleRepo

        return RuleRepo(self.db.engine, self._stored_clock)

    @first_use
    def learned_labels(self) -> Corrections:
        """Agents' trait/intent corrections, learned per workspace (read through `corrections` on first use)."""
        memory = self.corrections.memory
        assert memory is not None
        return memory

    @first_use
    def corrections(self) -> CorrectionRepo:
        from scrm_desktop.core.classify_model import Corrections
        from scrm_desktop.store.rules import CorrectionRepo

        return CorrectionRepo(self.db.engine, self._stored_clock, memory=Corrections())

    @first_use
    def customers(self) -> CustomerRepo:
        from scrm_desktop.store.customers import CustomerRepo

        return CustomerRepo(self.db.engine, self._stored_clock)

    @first_use
    def influence(self) -> InfluenceRepo:
        from scrm_desktop.store.influence import InfluenceRepo

        return InfluenceRepo(self.db.engine, self._stored_clock)

    @first_use
    def templates(self) -> TemplateLibrary:
        """The workspace's own templates.yaml."""
        from scrm_desktop.engage.template_library import TemplateLibrary

        return TemplateLibrary(self.paths.config)

    @first_use
    def cases(self) -> CaseService:
        from scrm_desktop.engage.cases import CaseService
        from scrm_desktop.store.cases import CaseRepo

        return CaseService(
            CaseRepo(self.db.engine),
            self.db.posts,
            self.db.sources,
            self.registry,
            self.clock,
            self.analyzer,
            brand=str(self.settings.extra.get("brand") or ("Brightwave" if self.name == "demo" else "")),
            templates=self.templates.load_or_defaults(),
            rule_priority=self.rules.case_priority,  # a rule's `priority:` counts when an agent opens the case
            topics=self.topics,  # the decision tree's facts: spikes, customers
            customers=self.customers,
        )

    @first_use
    def outbox(self) -> OutboxSender:
        """The outbox's sender; when it is made (by listening, or the first outbox action), the replies a crash
        left mid-send are handed to a person (never re-sent by themselves)."""
        from scrm_desktop.engage.outbox import OutboxSender

        sender = OutboxSender(self.cases.repo, self.db.sources, self.registry, self.http, self._secret, self.clock)
        sender.recover()
        return sender

    @first_use
    def ingestor(self) -> Ingestor:
        from scrm_desktop.listening.pipeline import Ingestor

        return Ingestor(self.db.posts, self.events, self.post_stages(), self.clock)

    @first_use
    def runner(self) -> SourceRunner:
        from scrm_desktop.listening.runner import SourceRunner

        return SourceRunner(self.db.sources, self.registry, self.ingestor, self.http, self._secret, self.clock)

    def post_stages(self) -> tuple[Stage, ...]:
        """Every post's path, in order (docs/architecture.md): prepare stages on the drafts, the store, then post
        stages in the same transaction as the posts. Stored posts are dropped before the first stage."""
        from scrm_desktop.listening.pipeline import STORE
        from scrm_desktop.listening.prepare import Enricher, PrepareStage, Scorer, normalise
        from scrm_desktop.store.batch import PostStage
        from scrm_desktop.store.cases import reopen_on_reply

        return (
            PrepareStage("normalise", normalise),
            PrepareStage("score", Scorer(self.analyzer)),  # sentiment, with the agents' corrections in mind
            PrepareStage("enrich", Enricher(self.learned_labels)),  # trait, intent, lead, with their reasons
            STORE,  # authors, posts, full text, hourly rollups, the source's cursor
            self.topics.stage(),  # topic tags, per-topic rollups, spike alerts; an edit is tagged afresh
            PostStage("advocates", self.influence.update_advocates),  # before the rules: "advocate author" sees it
            PostStage("rules", self._apply_rules),  # business rules, in order; cases through engage
            PostStage("reopen-on-reply", reopen_on_reply),  # the customer wrote again: their waiting case opens
            PostStage("customers", self.customers.update_profile_extras),  # e-mail, bio, URL from plugins
        )

    def _apply_rules(self, batch: StoredBatch) -> None:
        self.cases.open_for_rules(batch.conn, self.rules.apply(batch))

    @classmethod
    def open(
        cls, basedir: str | None = None, db_url: str | None = None, demo: bool = False, seed: bool = False, **kw: Any
    ) -> Workspace:
        """The user's workspace (or the demo's). `seed` (with `demo`) writes the demo's team, rules, customers,
        incident and cases on first start, so every feature has something to show. `quick` (the GUI, not the
        demo) leaves the database to be opened after the first paint when it can (`quick_reader`)."""
        if demo:
            kw.pop("quick", None)
        base = Paths.under(basedir) if basedir else Paths.for_user()
        name = "demo" if demo else "default"
        ws = cls(base.workspace(name), db_url=db_url, name=name, **kw)
        if demo:
            ws.topics.ensure_defaults()  # Brightwave, Corvex, Nimbly, Brightwave Care on first open
            ws.ensure_demo_source()
            if seed and not ws.settings.demo_seeded:
                from scrm_desktop import demo_workspace

                demo_workspace.seed(ws)
                ws.settings.demo_seeded = True
                ws.settings.save(ws.paths.settings_file)
        return ws

    # ---- secrets go through secrets.py only; a missing keyring reads as "not set" for a fetch ------------
    @staticmethod
    def _secret(source: str, field: str) -> str | None:
        try:
            return secrets.get_secret(source, field)
        except secrets.SecretStoreUnavailable as exc:
            log.warning("source %s: %s", source, exc)
            return None

    # ---- sources -----------------------------------------------------------------------------------------
    def plugin(self, name: str) -> type[Plugin]:
        return self.registry.get(name)

    def add_source(
        self,
        plugin: str,
        name: str,
        config: dict[str, Any],
        every: str | int | None = None,
        enabled: bool = True,
    ) -> Source:
        """Validate the config through the plugin's fields and store the source."""
        from scrm_desktop.core.backoff import parse_interval

        cls = self.plugin(plugin)
        clean = cls.validate_config(config)
        interval = parse_interval(every) if isinstance(every, str) else int(every or cls.default_interval)
        stored = {k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()}
        source = self.db.sources.add(
            name, plugin, stored, interval, now=self.clock().replace(tzinfo=None), enabled=enabled
        )
        self._sources_changed(source.name)
        return source

    def update_source(self, name: str, **values: Any) -> Source:
        """Change a source; a new config is checked and converted through the plugin's fields first."""
        if "config" in values:
            plugin = self.db.sources.get(name).plugin
            clean = self.plugin(values.get("plugin", plugin)).validate_config(values["config"])
            values["config"] = {k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()}
        source = self.db.sources.update(name, **values)
        self._sources_changed(source.name)
        return source

    def remove_source(self, name: str) -> None:
        """Remove a source and its stored credentials; its posts stay."""
        source = self.db.sources.get(name)
        self.db.sources.remove(name)
        fields = self.registry.get(source.plugin).secret_fields if source.plugin in self.registry else ()
        for field in fields:
            try:
                secrets.delete_secret(name, field)
            except secrets.SecretStoreUnavailable:
                log.warning("source %s removed, but its %s could not be removed from the keyring", name, field)
        self._sources_changed(name)

    def set_secret(self, source_name: str, field: str, value: str) -> None:
        """Store a source's credential in the OS keyring (raises SecretStoreUnavailable with a clear message)."""
        source = self.db.sources.get(source_name)
        allowed = self.plugin(source.plugin).secret_fields
        if field not in allowed:
            raise ValueError(
                f"{source.plugin} sources have no secret {field!r} (secrets: {', '.join(allowed) or 'none'})"
            )
        secrets.set_secret(source_name, field, value)

    def has_secret(self, source_name: str, field: str) -> bool:
        """Whether a credential is stored; False when the keyring cannot be reached."""
        return self._secret(source_name, field) is not None

    # ---- who works at this desktop ------------------------------------------------------------------------
    @property
    def agent_id(self) -> str:
        """This desktop profile's agent id (made once, kept in the settings file)."""
        if not self.settings.agent_id:
            import uuid

            self.settings.agent_id = uuid.uuid4().hex
            self.settings.save(self.paths.settings_file)
        return self.settings.agent_id

    def set_agent_name(self, name: str) -> str:
        """Take `name` as this desktop's agent on the database (AgentNameTaken when a teammate has it): claims,
        history, KPIs and reply signatures use it from now on."""
        name = " ".join(name.split())
        self.cases.register_agent(self.agent_id, name)
        self.settings.agent_name = name
        self.settings.save(self.paths.settings_file)
        return name

    def set_database_url(self, url: str, password: str = "") -> str:
        """The database this workspace opens from its next start (module function `store_database_url`); the
        workspace keeps working on the one it has open until then."""
        if self.name == "demo":
            raise ValueError(
                "the demo workspace keeps its own database; start scrm-desktop without --demo to join a team database"
            )
        stored = store_database_url(self.settings, url, password)
        self.settings.save(self.paths.settings_file)
        return stored

    def set_brand(self, brand: str) -> None:
        """The brand replies are signed for ({brand} in templates)."""
        self.settings.extra["brand"] = brand.strip()
        self.cases.brand = brand.strip()
        self.settings.save(self.paths.settings_file)

    # ---- sentiment corrections -----------------------------------------------------------------------------
    def correct_sentiment(self, post_id: int, label: str, agent: str | None = None) -> None:
        """Store an agent's label for a post; future posts like it are scored with it in mind."""
        from scrm_desktop.core.sentiment import LABELS

        if label not in LABELS:
            raise ValueError(f"label must be one of {', '.join(LABELS)}")
        score = {"positive": 0.5, "negative": -0.5}.get(label, 0.0)
        who = agent if agent is not None else self.settings.agent_name
        text = self.db.posts.correct_sentiment(
            post_id, label, agent=who, now=self.clock().replace(tzinfo=None), score=score
        )
        self.sentiment_memory.add(text, label)

    def _sources_changed(self, name: str) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.sync()
        self.events.emit(SOURCE_CHANGED, name)

    def ensure_demo_source(self) -> None:
        names = {s.name for s in self.db.sources.list()}
        if DEMO_SOURCE not in names and "demo" in self.registry:
            self.add_source("demo", DEMO_SOURCE, dict(DEMO_CONFIG), DEMO_INTERVAL_S)

    # ---- listening ---------------------------------------------------------------------------------------
    @property
    def scheduler(self) -> ListeningScheduler:
        with self._scheduler_lock:
            if self._scheduler is None:
                from scrm_desktop.listening.scheduler import ListeningScheduler

                self._scheduler = ListeningScheduler(self.db.sources, self.runner, self.events)
            return self._scheduler

    OUTBOX_EVERY_S = 30

    def start_listening(self) -> None:
        """Run the enabled sources on their schedules, and send due replies from the outbox."""
        if not self.scheduler.running:
            self.scheduler.add_periodic("outbox", self.outbox.send_due, self.OUTBOX_EVERY_S)
            if self.database_file is not None:  # a listener that runs for weeks still makes its daily backup
                self.scheduler.add_periodic("backup", self.backup_if_due, 3600)
            self.scheduler.start()

    def run_once(self, only: str | None = None) -> list:
        """Run each enabled source (or one) once, in this thread, and record its health."""
        outcomes = []
        for source in self.db.sources.list():
            if (only and source.name != only) or (not only and not source.enabled):
                continue
            outcome = self.runner.run(source.name)
            self.scheduler._record(source.name, outcome)
            outcomes.append(outcome)
        return outcomes

    # ---- backups -----------------------------------------------------------------------------------------
    @property
    def database_file(self) -> Path | None:
        """The SQLite file, None for a server database."""
        if self.first_page is not None and not self.database_open:
            return self.first_page.database
        return self.db.file

    def backup_if_due(self) -> Path | None:
        """The automatic backup (SQLite): at most once a day, the last `settings.backups_keep` kept. Not before
        the database has been opened (a quick start that closed before it, or whose open failed)."""
        if not self.database_open or self.database_file is None or self.settings.backups_keep <= 0:
            return None
        from scrm_desktop.store.backup import backup_if_due

        return backup_if_due(self.database_file, keep=self.settings.backups_keep)

    def close(self, wait: bool = True) -> None:
        """Stop listening and close the database. `wait=False` does not wait for fetches under way."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
        if "ingestor" in self.__dict__:
            self.ingestor.close()  # its worker processes, if a big ingest started them
        self.http.close()
        if self.database_open:
            self.db.close()
        self.settings.save(self.paths.settings_file)


def _analyzer_named(name: str) -> Analyzer:
    from scrm_desktop.core.sentiment import analyzer_named

    return analyzer_named(name)

"""A workspace: one database with its settings, plugins, ingest pipeline and scheduler, built in one place.
The GUI and every headless command start from here."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrm_desktop import secrets
from scrm_desktop.core.backoff import parse_interval
from scrm_desktop.core.classify_model import Corrections
from scrm_desktop.core.sentiment import LABELS, Analyzer, default_analyzer
from scrm_desktop.core.sentiment.corrections import CorrectionMemory
from scrm_desktop.engage.cases import CaseService
from scrm_desktop.engage.outbox import OutboxSender
from scrm_desktop.engage.template_library import TemplateLibrary
from scrm_desktop.lazy import OnFirstUse, SharedClient
from scrm_desktop.listening.api import Plugin
from scrm_desktop.listening.events import SOURCE_CHANGED, EventHub
from scrm_desktop.listening.pipeline import STORE, Ingestor, PrepareStage, Stage, enricher, normalise, scorer
from scrm_desktop.listening.registry import PluginRegistry
from scrm_desktop.listening.runner import SourceRunner
from scrm_desktop.listening.scheduler import ListeningScheduler
from scrm_desktop.paths import Paths
from scrm_desktop.settings import Settings
from scrm_desktop.store.batch import PostStage, StoredBatch
from scrm_desktop.store.cases import CaseRepo, reopen_on_reply
from scrm_desktop.store.customers import CustomerRepo
from scrm_desktop.store.database import Database
from scrm_desktop.store.engine import sqlite_url, with_password
from scrm_desktop.store.influence import InfluenceRepo
from scrm_desktop.store.rules import CorrectionRepo, RuleRepo, naive
from scrm_desktop.store.sources import Source
from scrm_desktop.store.topics import TopicRepo

log = logging.getLogger(__name__)

DEMO_SOURCE = "Demo scenario"
DEMO_INTERVAL_S = 15
DEMO_CONFIG = {"rate": 8}  # busier than the plugin's default so the live demo moves every few seconds


def utcnow() -> datetime:
    return datetime.now(UTC)


def _db_password(key: str) -> str | None:
    """A team database's password from the OS keyring (None without one: the URL or ~/.pgpass may have it)."""
    try:
        return secrets.get_db_password(key)
    except secrets.SecretStoreUnavailable:
        return None


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
    ) -> None:
        self.name = name
        self.paths = paths.ensure()
        self.settings, problem = Settings.load_reporting(paths.settings_file)
        self.notices: list[str] = [problem] if problem else []  # shown to the user once the app is up
        self.db_url = db_url or self.settings.db_url or sqlite_url(paths.database_file)
        self.clock = clock
        self.db = Database(with_password(self.db_url, _db_password))
        self.events = EventHub()
        self.registry = registry or PluginRegistry.discover()
        self.sentiment_memory = CorrectionMemory(self.db.posts.corrections())
        # the lexicon (or a model) loads with the first post scored or reply checked, after the window shows
        self.analyzer: Analyzer = OnFirstUse(lambda: self.sentiment_memory.wrap(analyzer or default_analyzer()))  # type: ignore[assignment]
        self.http = SharedClient()  # made (httpx imported) on the first request, after the window shows
        stored_clock = naive(clock)  # the naive UTC times the database stores
        self.topics = TopicRepo(self.db.engine, clock=clock)
        self.rules = RuleRepo(self.db.engine, stored_clock)
        self.learned_labels = Corrections()  # agents' trait/intent corrections, learned per workspace
        self.corrections = CorrectionRepo(self.db.engine, stored_clock, memory=self.learned_labels)
        self.customers = CustomerRepo(self.db.engine, stored_clock)
        self.influence = InfluenceRepo(self.db.engine, stored_clock)
        self.templates = TemplateLibrary(self.paths.config)  # the workspace's own templates.yaml
        case_repo = CaseRepo(self.db.engine)
        self.cases = CaseService(
            case_repo,
            self.db.posts,
            self.db.sources,
            self.registry,
            clock,
            self.analyzer,
            brand=str(self.settings.extra.get("brand") or ("Brightwave" if name == "demo" else "")),
            templates=self.templates.load_or_defaults(),
            rule_priority=self.rules.case_priority,  # a rule's `priority:` counts when an agent opens the case
            topics=self.topics,  # the decision tree's facts: spikes, customers
            customers=self.customers,
        )
        self.outbox = OutboxSender(case_repo, self.db.sources, self.registry, self.http, self._secret, clock)
        self.ingestor = Ingestor(self.db.posts, self.events, self.post_stages(), clock)
        self.runner = SourceRunner(self.db.sources, self.registry, self.ingestor, self.http, self._secret, clock)
        self._scheduler: ListeningScheduler | None = None
        self._scheduler_lock = threading.Lock()  # the GUI's task runners may ask for it from two threads
        self.outbox.recover()  # replies a crash left mid-send wait for a person (never re-sent by themselves)
        if name == "demo":
            self.topics.ensure_defaults()  # Brightwave, Corvex, Nimbly, Brightwave Care on first open

    def post_stages(self) -> tuple[Stage, ...]:
        """Every post's path, in order (docs/architecture.md): prepare stages on the drafts, the store, then post
        stages in the same transaction as the posts. Stored posts are dropped before the first stage."""
        return (
            PrepareStage("normalise", normalise),
            PrepareStage("score", scorer(self.analyzer)),  # sentiment, with the agents' corrections in mind
            PrepareStage("enrich", enricher(self.learned_labels)),  # trait, intent, lead, with their reasons
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
        incident and cases on first start, so every feature has something to show."""
        base = Paths.under(basedir) if basedir else Paths.for_user()
        name = "demo" if demo else "default"
        ws = cls(base.workspace(name), db_url=db_url, name=name, **kw)
        if demo:
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

    def set_brand(self, brand: str) -> None:
        """The brand replies are signed for ({brand} in templates)."""
        self.settings.extra["brand"] = brand.strip()
        self.cases.brand = brand.strip()
        self.settings.save(self.paths.settings_file)

    # ---- sentiment corrections -----------------------------------------------------------------------------
    def correct_sentiment(self, post_id: int, label: str, agent: str | None = None) -> None:
        """Store an agent's label for a post; future posts like it are scored with it in mind."""
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
        return self.db.file

    def backup_if_due(self) -> Path | None:
        """The automatic backup (SQLite): at most once a day, the last `settings.backups_keep` kept."""
        if self.database_file is None or self.settings.backups_keep <= 0:
            return None
        from scrm_desktop.store.backup import backup_if_due

        return backup_if_due(self.database_file, keep=self.settings.backups_keep)

    def close(self, wait: bool = True) -> None:
        """Stop listening and close the database. `wait=False` does not wait for fetches under way."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
        self.http.close()
        self.db.close()
        self.settings.save(self.paths.settings_file)

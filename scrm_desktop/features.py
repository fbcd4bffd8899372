"""Feature wiring: each feature adds its ingest enrichers, store hooks and services to a workspace here."""

from __future__ import annotations

from typing import Any


def install(ws: Any) -> None:
    """Called once when a Workspace opens, after its database and ingestor exist."""
    # Features append their lines below (classifiers, topic tagging, rules, cases).
    from functools import partial

    from scrm_desktop.store.post_keys import stored_keys

    ws.ingestor.stored_keys = partial(stored_keys, ws.db.engine)  # posts we have are not scored again

    from scrm_desktop.core import classify
    from scrm_desktop.core.classify_model import Corrections

    classify.register_query_fields()
    learned = Corrections()  # agents' trait/intent corrections, learned per workspace (ws.corrections fills it)
    ws.ingestor.enrichers.append(partial(classify.enrich, corrections=learned))  # trait, intent, lead + reasons

    from scrm_desktop.store.topics import TopicRepo

    ws.topics = TopicRepo(ws.db.engine, clock=ws.clock)
    ws.ingestor.store_hooks.append(ws.topics.tag_posts)  # topic tags, per-topic rollups, spike alerts
    ws.ingestor.edit_hooks.append(ws.topics.retag_posts)  # an edited post is tagged afresh (rules do not refire)
    if ws.name == "demo":
        ws.topics.ensure_defaults()  # Brightwave, Corvex, Nimbly, Brightwave Care on first open

    from scrm_desktop.store import rules

    rules.register_query_sql()  # trait:/intent: in stream queries run on the indexed columns
    naive_clock = rules.naive(ws.clock)
    from scrm_desktop.engage.cases import SLA_BY_PRIORITY

    ws.rules = rules.RuleRepo(ws.db.engine, naive_clock, sla=SLA_BY_PRIORITY)  # cases rules open keep the SLA
    ws.corrections = rules.CorrectionRepo(ws.db.engine, naive_clock, memory=learned)
    ws.ingestor.store_hooks.append(ws.rules.apply)  # business rules, in order, after the classifiers

    from scrm_desktop.engage.cases import CaseService
    from scrm_desktop.engage.outbox import OutboxSender
    from scrm_desktop.store.cases import CaseRepo

    brand = str(ws.settings.extra.get("brand") or ("Brightwave" if ws.name == "demo" else ""))
    repo = CaseRepo(ws.db.engine)
    ws.cases = CaseService(repo, ws.db.posts, ws.db.sources, ws.registry, ws.clock, ws.analyzer, brand)
    ws.cases.rule_priority = ws.rules.case_priority  # a rule's `priority:` counts when an agent opens the case
    from scrm_desktop.store.cases import reopen_on_reply

    ws.ingestor.store_hooks.append(reopen_on_reply)  # the customer wrote again: the case waiting on them opens
    ws.outbox = OutboxSender(repo, ws.db.sources, ws.registry, ws.http, ws._secret, ws.clock)
    ws.outbox.recover()  # replies a crash left mid-send wait for a person (never re-sent by themselves)
    from scrm_desktop.engage.template_library import TemplateLibrary

    ws.templates = TemplateLibrary(ws.paths.config)  # the workspace's own templates.yaml (Work > Templates…)
    ws.cases.templates = ws.templates.load_or_defaults()

    from scrm_desktop.store.customers import CustomerRepo

    ws.customers = CustomerRepo(ws.db.engine, rules.naive(ws.clock))
    ws.ingestor.store_hooks.append(ws.customers.update_profile_extras)  # e-mail, bio, URL from plugins
    ws.cases.topics, ws.cases.customers = ws.topics, ws.customers  # the decision tree's facts (spikes, customers)
    from scrm_desktop.store.influence import InfluenceRepo

    ws.influence = InfluenceRepo(ws.db.engine, rules.naive(ws.clock))
    hooks = ws.ingestor.store_hooks  # advocate flags before the rules, so "advocate author" sees this batch
    hooks.insert(hooks.index(ws.rules.apply) if ws.rules.apply in hooks else len(hooks), ws.influence.update_advocates)

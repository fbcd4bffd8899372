"""Reply templates: the library file, context variables, [[placeholders]] to fill, per-channel length limits,
the tone check, and template suggestions for a post."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scrm_desktop.core.sentiment import Analyzer
from scrm_desktop.engage import yaml_nodes
from scrm_desktop.engage.decision_tree import CATEGORIES

INCIDENT_STATES = ("", "open", "resolved")  # a template's optional `incident:` field
VARIABLES = ("first_name", "author_name", "handle", "brand", "case_id", "agent_name", "incident_url", "incident_status")
# None: no practical limit. Mastodon's default instance limit; Bluesky counts graphemes; Reddit comments.
CHANNEL_LIMITS: dict[str, int | None] = {
    "mastodon": 500,
    "bluesky": 300,
    "reddit": 10_000,
    "youtube": 10_000,
    "hackernews": None,
    "rss": None,
    "email": None,
}
MASTODON_URL_LENGTH = 23  # Mastodon counts every link as 23 characters
TONE_WARNING_BELOW = -0.05
MAX_TEMPLATE_FILE_BYTES = 1_000_000

_VAR = re.compile(r"\{(\w+)\}")
_PLACEHOLDER = re.compile(r"\[\[([^\[\]\n]{1,80})\]\]")
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[a-z0-9']{3,}")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}
# what an unset agent name falls back to (ui/agent/view.py): never signed, the agent types their name instead
GENERIC_AGENTS = {"agent", "snapshot"}
# sample values for a template's preview and tone check when no case is open
SAMPLE_CONTEXT: dict[str, Any] = {
    "first_name": "Dana",
    "author_name": "Dana Whitfield",
    "handle": "@dana",
    "case_id": 123,
    "incident_url": "https://status.example.com/1",
    "incident_status": "we've found the cause and are fixing it",
}


class TemplateError(ValueError):
    """The template library cannot be used; the message names the file, line and template."""


@dataclass(frozen=True)
class Template:
    id: str
    category: str
    title: str
    text: str
    channels: tuple[str, ...] = ()  # empty: every channel
    incident: str = ""  # "open" / "resolved": a status update for an incident in that state only ("" any)

    def fits(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


def first_name(author_name: str, handle: str = "") -> str:
    """How a reply greets the author: the first word of their name ("Jade Mensah" -> "Jade", "Dr. Ana Ruiz" ->
    "Ana"), else their @handle. A name of several words all in lower case is a nickname ("real talk", "just
    a guy"), not a first and last name: greeting its first word would read "Hi real", so it greets the handle."""
    words = author_name.split()
    if len(words) > 1 and author_name == author_name.lower() and any(c.isalpha() for c in author_name):
        words = []
    for word in words:
        bare = word.strip(".,;:!?()[]\"'")
        if bare.lower() not in _TITLES and any(c.isalpha() for c in bare):
            return bare
    handle = handle.strip()
    return handle if not handle or handle.startswith("@") else f"@{handle}"


def display_name(agent: str) -> str:
    """How an agent signs a reply: "ana" -> "Ana", "ana.lopez" -> "Ana Lopez"; the anonymous fallback name
    ("agent") gives "" so the reply asks for a [[name]] rather than signing "agent"."""
    agent = agent.split("@")[0].strip() if "@" in agent and " " not in agent else agent.strip()
    if agent.lower() in GENERIC_AGENTS:
        return ""
    words = re.split(r"[._\s]+", agent)
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in words if w)


def public_status(incident: Any) -> str:
    """The incident's state in words a customer may read ({incident_status}): never its root cause (that is
    the team's), only how far the fix is; "" (an unfilled placeholder) without an incident."""
    if incident is None:
        return ""
    if incident.resolved_at or incident.status == "resolved":
        return "it's fixed, and we're checking it works for everyone"
    if incident.status == "monitoring":
        return "a fix is in and we're watching closely that it holds"
    if (incident.root_cause or "").strip():
        return "we've found the cause and are fixing it"
    return "we're looking into the cause"


def render(text: str, context: Mapping[str, Any]) -> str:
    """Fill the {variables} we know; a missing value becomes a [[placeholder]] the agent has to fill."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        value = str(context.get(name) or "").strip()
        return value if value else f"[[{name.replace('_', ' ')}]]"

    return _VAR.sub(fill, text)


def placeholders(text: str) -> list[tuple[int, int, str]]:
    """Unfilled [[placeholders]] as (start, end, name); sending is blocked while any remain."""
    return [(m.start(), m.end(), m.group(1).strip()) for m in _PLACEHOLDER.finditer(text)]


def reply_length(text: str, channel: str) -> int:
    """Length as the channel counts it (Mastodon: links count 23)."""
    if channel == "mastodon":
        return len(_URL.sub("x" * MASTODON_URL_LENGTH, text))
    return len(text)


@dataclass(frozen=True)
class ReplyCheck:
    length: int
    limit: int | None
    placeholders: tuple[str, ...]
    tone: float
    problems: tuple[str, ...]  # block sending
    warnings: tuple[str, ...]  # shown, do not block

    @property
    def ok(self) -> bool:
        return not self.problems


def check_reply(text: str, channel: str, analyzer: Analyzer | None = None) -> ReplyCheck:
    """Everything the reply editor shows: counter, unfilled placeholders, tone; `ok` when it may be queued."""
    length = reply_length(text, channel)
    limit = CHANNEL_LIMITS.get(channel)
    names = tuple(name for _s, _e, name in placeholders(text))
    problems: list[str] = []
    if not text.strip():
        problems.append("the reply is empty")
    if names:
        problems.append("fill in: " + ", ".join(dict.fromkeys(names)))
    if limit is not None and length > limit:
        problems.append(f"{length - limit} characters over the {channel} limit of {limit}")
    tone, cues = _tone(text, analyzer)
    warnings: tuple[str, ...] = ()
    if tone < TONE_WARNING_BELOW:
        because = f": {', '.join(cues)}" if cues else ""
        warnings = (f"Tone check: reads negative ({tone:+.2f}){because}; consider softer words".replace("-", "−", 1),)
    return ReplyCheck(length, limit, names, tone, tuple(problems), warnings)


def _tone(text: str, analyzer: Analyzer | None) -> tuple[float, list[str]]:
    """The analyzer's score and the words that pulled it down most (quoted), for the tone warning."""
    if analyzer is None or not text.strip():
        return 0.0, []
    result = analyzer.analyze(text)
    negative = sorted((r for r in result.reasons if r.weight < 0), key=lambda r: r.weight)[:3]
    return result.score, [f"“{r.cue}”" for r in negative]


def template_check(
    template: Template, context: Mapping[str, Any], channel: str = "", analyzer: Analyzer | None = None
) -> ReplyCheck:
    """A template filled with `context`, checked on `channel` (default: the first it fits); `warnings` holds the
    tone check the editors flag. Unfilled [[placeholders]] are expected here: they are the agent's to fill."""
    channel = channel or (template.channels[0] if template.channels else "mastodon")
    return check_reply(render(template.text, context), channel, analyzer)


# ---- the library file ------------------------------------------------------------------------------------
def parse_templates(text: str, name: str = "<templates>") -> list[Template]:
    """Read a template library (YAML list under `templates`); errors name the file, line and template."""
    try:
        root = yaml_nodes.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TemplateError(f"{name}:{mark.line + 1 if mark else 1}: not valid YAML: {exc}") from None
    items = _template_nodes(root, name)
    out: list[Template] = []
    for node in items:
        out.append(_template(node, name, {t.id for t in out}))
    return out


def _template_nodes(root: yaml.Node | None, name: str) -> list[yaml.Node]:
    if not isinstance(root, yaml.MappingNode):
        raise TemplateError(f"{name}:1: expected 'templates:' followed by a list of templates")
    for key, value in root.value:
        if key.value == "templates" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    raise TemplateError(f"{name}:1: expected 'templates:' followed by a list of templates")


def _template(node: yaml.Node, name: str, seen: set[str]) -> Template:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise TemplateError(f"{name}:{line}: a template is a mapping with id, category, title and text")
    raw = {k.value: v for k, v in node.value}
    fields = {k: v.value for k, v in raw.items() if isinstance(v, yaml.ScalarNode)}
    where = f"{name}:{line}: template {fields.get('id', '?')!r}"
    for key in ("id", "category", "title", "text"):
        if not str(fields.get(key) or "").strip():
            raise TemplateError(f"{where}: missing {key}")
    unknown = set(raw) - {"id", "category", "title", "text", "channels", "incident"}
    if unknown:
        raise TemplateError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if fields["category"] not in CATEGORIES:
        raise TemplateError(f"{where}: unknown category {fields['category']!r} (one of: {', '.join(CATEGORIES)})")
    if fields["id"] in seen:
        raise TemplateError(f"{where}: the id is used twice")
    bad = [v for v in _VAR.findall(fields["text"]) if v not in VARIABLES]
    if bad:
        raise TemplateError(f"{where}: unknown variable {{{bad[0]}}} (known: {', '.join(VARIABLES)})")
    channels = raw.get("channels")
    listed = tuple(str(c.value) for c in channels.value) if isinstance(channels, yaml.SequenceNode) else ()
    incident = str(fields.get("incident") or "")
    if incident not in INCIDENT_STATES:
        raise TemplateError(f"{where}: incident is 'open' or 'resolved', not {incident!r}")
    title, text = fields["title"].strip(), fields["text"].strip()
    return Template(fields["id"], fields["category"], title, text, listed, incident)


def load_templates(path: str | Path) -> list[Template]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_TEMPLATE_FILE_BYTES:
            raise TemplateError(f"{path}: larger than {MAX_TEMPLATE_FILE_BYTES} bytes")
        return parse_templates(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read the file ({exc})") from None


def default_templates() -> list[Template]:
    from scrm_desktop.paths import resources_dir

    return load_templates(resources_dir() / "templates.yaml")


# ---- suggestions -----------------------------------------------------------------------------------------
def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def suggest(
    templates: Iterable[Template],
    post_text: str,
    channel: str,
    category: str = "",
    past: Iterable[tuple[str, str]] = (),
    incident: str = "",
    incident_text: str = "",
) -> list[Template]:
    """Templates for a post, best first: the decision path's category first, then (for a case linked to an
    incident in state `incident`, "open" or "resolved") the ones written for that state before those written for
    the other, and among those the one whose words are nearest the incident's (`incident_text`: its title and
    keywords, so the no-show incident's own update comes before the generic one), then those whose past uses
    answered the most similar posts (`past` holds (post text, template id) pairs), then by word overlap."""
    words = _words(post_text)
    best_past: dict[str, float] = {}
    for text, template_id in past:
        best_past[template_id] = max(best_past.get(template_id, 0.0), _similarity(words, _words(text)))
    about = _words(incident_text)
    usable = [t for t in templates if t.fits(channel)]

    def rank(t: Template) -> tuple[bool, bool, float, float, float]:
        other_state = bool(t.incident) and t.incident != incident
        near_incident = _similarity(about, _words(t.text)) if t.incident else 0.0
        return (
            t.category != category,
            other_state,
            -near_incident,
            -best_past.get(t.id, 0.0),
            -_similarity(words, _words(t.text)),
        )

    return sorted(usable, key=rank)

"""The crisis/support decision tree: YAML loading with line-precise schema errors, and the walk (a session).

A tree file holds `version`, `title`, `start` (the first node's id), `nodes` (id -> question or outcome) and
optional `considerations` (shown at the response step). A question has `question`, optional `help` and 1-9
`answers` (each a `label`, the `next` node id and optional `when`: facts the app knows, see FACTS). An outcome
has `action` (one of ACTIONS), `title`, optional `advice`, `category` (the template category to pre-select),
`crisis_level` (1-5, required to escalate), `notify`, `scope` (micro/macro) and `considerations` (true: show the
response considerations).

`when` is a list of conditions that must all hold; each is a fact name, `not fact`, or alternatives joined by
`or` (`complaint or known_customer`). A session started with the case's facts answers a question by itself when
exactly one of its answers has a `when` that holds, and records that step as automatic, with the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scrm_desktop.engage import yaml_nodes

ACTIONS = ("let_stand", "amplify", "respond", "monitor", "open_incident", "route_sales", "escalate")
CATEGORIES = (
    "apology",
    "fix_facts",
    "thank_you",
    "private_message",
    "status_update",
    "sales_handoff",
    "refund",
    "answer",
)
# What the app can know about a case before the agent reads it (engage/decision_facts.py computes them).
FACTS = {
    "negative": "the post's sentiment is strongly negative (-0.3 or lower)",
    "positive": "the post's sentiment is clearly positive (+0.3 or higher)",
    "purchase": "the post wants to buy (intent purchase, or a sales lead)",
    "question": "the post asks for information (intent information)",
    "complaint": "the post reports a problem (intent venting, request or transactional; trait venting, passive, past)",
    "refund": "the post asks for a refund or to cancel",
    "crisis_words": "the post names a safety, legal, press or executive matter",
    "spike": "a spike alert on one of the post's topics around the post's time",
    "incident_match": "the case is linked to an open incident, or the post says its keywords or shares its title words",
    "known_customer": "the author is linked to a customer record",
    "vip": "the author or their customer record is VIP",
    "repeat": "the author had earlier cases on the same channel",
    "troll_before": "an agent decided another case of the author was a troll (the tree's `troll` outcome)",
}
MAX_ANSWERS = 9  # answers are picked with the number keys 1-9
MAX_FILE_BYTES = 1_000_000
MAX_YAML_NODES = 20_000  # aliases can make a small file expand enormously; we refuse before that

_TOP_KEYS = {"version", "title", "start", "nodes", "considerations"}
_QUESTION_KEYS = {"question", "help", "answers"}
_ANSWER_KEYS = {"label", "next", "when"}
_OUTCOME_KEYS = {"action", "title", "advice", "category", "crisis_level", "notify", "scope", "considerations"}
_CONSIDERATION_KEYS = {"id", "title", "text"}


@dataclass(frozen=True)
class TreeProblem:
    """One thing wrong with a tree file, located by line (1-based) and field path."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


class TreeError(ValueError):
    """A tree file that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: list[TreeProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Fact:
    """One thing the app knows about a case, with the reason in words ("sentiment -0.72 (strongly negative)")."""

    name: str
    value: bool
    reason: str


@dataclass(frozen=True)
class Answer:
    label: str
    next: str
    when: tuple[str, ...] = ()  # conditions that must all hold: "fact", "not fact", "fact or other"

    def holds(self, facts: Mapping[str, Fact]) -> tuple[bool, list[str]]:
        """Whether every condition holds with these facts, and the reasons of the facts that decided it."""
        if not self.when:
            return False, []
        reasons: list[str] = []
        for condition in self.when:
            met = [r for alt in _alternatives(condition) if (r := _literal(alt, facts)) is not None]
            if not met:
                return False, []
            if met[0]:  # a fact with no reason to give (troll_before when nobody decided so) goes unsaid
                reasons.append(met[0])
        return True, list(dict.fromkeys(reasons))


def _alternatives(condition: str) -> list[str]:
    return [alt.strip() for alt in condition.split(" or ") if alt.strip()]


def _fact_name(literal: str) -> str:
    return literal[4:].strip() if literal.startswith("not ") else literal


def _literal(literal: str, facts: Mapping[str, Fact]) -> str | None:
    """The fact's reason when the literal ("fact" or "not fact") holds, else None (unknown facts never hold)."""
    fact = facts.get(_fact_name(literal))
    if fact is None or fact.value == literal.startswith("not "):
        return None
    return fact.reason


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[Answer, ...]
    help: str = ""


@dataclass(frozen=True)
class Outcome:
    id: str
    action: str
    title: str
    advice: str = ""
    category: str = ""
    crisis_level: int | None = None
    notify: str = ""
    scope: str = ""
    considerations: bool = False


@dataclass(frozen=True)
class Consideration:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class DecisionTree:
    title: str
    start: str
    nodes: dict[str, Question | Outcome]
    considerations: tuple[Consideration, ...] = ()
    source: str = ""

    def node(self, node_id: str) -> Question | Outcome:
        return self.nodes[node_id]

    def paths(self) -> Iterator[tuple[tuple[str, ...], Outcome]]:
        """Every walk from the start: (answer labels, outcome). The tree is acyclic, so this ends."""

        def walk(node_id: str, labels: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Outcome]]:
            node = self.nodes[node_id]
            if isinstance(node, Outcome):
                yield labels, node
                return
            for answer in node.answers:
                yield from walk(answer.next, (*labels, answer.label))

        return walk(self.start, ())


# ---- YAML with line numbers ------------------------------------------------------------------------------
class _Marked:
    """Plain Python values from a composed YAML document plus the line of every field path."""

    def __init__(self) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}
        self.count = 0
        self._loader = yaml.SafeLoader("")  # only its constructor is used, for scalars (ints, yes/no, text)

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise ValueError(f"the file has more than {MAX_YAML_NODES} values (too big for a decision tree)")
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                out[key] = self.build(value_node, (*path, key))
                self.lines.setdefault((*path, key, "<key>"), key_node.start_mark.line + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)

    def line(self, path: tuple[Any, ...]) -> int:
        if (*path, "<key>") in self.lines:  # a field is where its key is written
            return self.lines[(*path, "<key>")]
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _compose(text: str, name: str) -> tuple[Any, _Marked]:
    marked = _Marked()
    try:
        root = yaml_nodes.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise TreeError([TreeProblem(name, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise TreeError([TreeProblem(name, 1, "", f"not valid YAML: {exc}")]) from None
    if root is None:
        raise TreeError([TreeProblem(name, 1, "", "the file is empty")])
    try:
        return marked.build(root, ()), marked
    except (ValueError, yaml.YAMLError) as exc:
        raise TreeError([TreeProblem(name, 1, "", str(exc))]) from None


# ---- schema ----------------------------------------------------------------------------------------------
def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


class _Checker:
    def __init__(self, name: str, marked: _Marked) -> None:
        self.name, self.marked = name, marked
        self.problems: list[TreeProblem] = []

    def fail(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(TreeProblem(self.name, self.marked.line(path), _dotted(path), message))

    def mapping(self, value: Any, path: tuple[Any, ...], allowed: set[str], required: tuple[str, ...]) -> bool:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping (key: value lines), got {_kind(value)}")
            return False
        for key in value:
            if key not in allowed:
                self.problems.append(
                    TreeProblem(
                        self.name,
                        self.marked.line((*path, key, "<key>")),
                        _dotted((*path, key)),
                        f"unknown field (allowed: {', '.join(sorted(allowed))})",
                    )
                )
        for key in required:
            if key not in value:
                self.fail(path, f"missing required field {key!r}")
        return True

    def text(self, owner: dict[str, Any], key: str, path: tuple[Any, ...], required: bool = True) -> str:
        value = owner.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail((*path, key), f"expected non-empty text, got {_kind(value)}")
            return ""
        return value.strip()


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text {value[:40]!r}"
    if isinstance(value, bool):
        return "yes/no (put it in quotes to mean the words)"
    return {dict: "a mapping", list: "a list"}.get(type(value), f"{type(value).__name__} {value!r}")


def _question(chk: _Checker, node_id: str, raw: dict[str, Any], path: tuple[Any, ...]) -> Question | None:
    chk.mapping(raw, path, _QUESTION_KEYS, ("question", "answers"))
    answers_raw = raw.get("answers")
    answers: list[Answer] = []
    if not isinstance(answers_raw, list) or not answers_raw:
        if "answers" in raw:
            chk.fail((*path, "answers"), "expected a list of 1 to 9 answers")
    elif len(answers_raw) > MAX_ANSWERS:
        chk.fail((*path, "answers"), f"{len(answers_raw)} answers; at most {MAX_ANSWERS} (number keys 1-9)")
    else:
        for i, item in enumerate(answers_raw):
            apath = (*path, "answers", i)
            if chk.mapping(item, apath, _ANSWER_KEYS, ("label", "next")):
                when = _when(chk, item.get("when"), (*apath, "when"))
                answers.append(Answer(chk.text(item, "label", apath), chk.text(item, "next", apath), when))
    return Question(node_id, chk.text(raw, "question", path), tuple(answers), chk.text(raw, "help", path, False))


def _when(chk: _Checker, raw: Any, path: tuple[Any, ...]) -> tuple[str, ...]:
    """`when: [fact, not fact, fact or other]`: every fact name must be one the app knows (FACTS)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        chk.fail(path, f"expected a list of facts (e.g. [negative, not spike]), got {_kind(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            chk.fail((*path, i), f"expected a fact name, got {_kind(item)}")
            continue
        condition = " ".join(item.split())
        for alt in _alternatives(condition):
            if _fact_name(alt) not in FACTS:
                chk.fail((*path, i), f"unknown fact {_fact_name(alt)!r} (known: {', '.join(FACTS)})")
        out.append(condition)
    return tuple(out)


def _outcome(chk: _Checker, node_id: str, raw: dict[str, Any], path: tuple[Any, ...]) -> Outcome:
    chk.mapping(raw, path, _OUTCOME_KEYS, ("action", "title"))
    action = raw.get("action")
    if action not in ACTIONS:
        chk.fail((*path, "action"), f"unknown action {action!r} (one of: {', '.join(ACTIONS)})")
    category = raw.get("category", "")
    if category and category not in CATEGORIES:
        chk.fail((*path, "category"), f"unknown template category {category!r} (one of: {', '.join(CATEGORIES)})")
    level = raw.get("crisis_level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5):
        chk.fail((*path, "crisis_level"), f"expected a crisis level from 1 to 5, got {_kind(level)}")
        level = None
    if action == "escalate" and "crisis_level" not in raw:
        chk.fail(path, "an escalation needs a crisis_level (1-5)")
    scope = raw.get("scope", "")
    if scope not in ("", "micro", "macro"):
        chk.fail((*path, "scope"), f"expected micro or macro, got {_kind(scope)}")
    show = raw.get("considerations", False)
    if not isinstance(show, bool):
        chk.fail((*path, "considerations"), f"expected yes or no, got {_kind(show)}")
    return Outcome(
        node_id,
        str(action),
        chk.text(raw, "title", path),
        chk.text(raw, "advice", path, False),
        str(category or ""),
        level,
        chk.text(raw, "notify", path, False),
        str(scope or ""),
        bool(show),
    )


def _considerations(chk: _Checker, raw: Any) -> tuple[Consideration, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.fail(("considerations",), f"expected a list, got {_kind(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        path = ("considerations", i)
        if chk.mapping(item, path, _CONSIDERATION_KEYS, ("id", "title", "text")):
            out.append(
                Consideration(chk.text(item, "id", path), chk.text(item, "title", path), chk.text(item, "text", path))
            )
    return tuple(out)


def _check_links(chk: _Checker, start: str, nodes: dict[str, Question | Outcome]) -> None:
    for node in nodes.values():
        if isinstance(node, Question):
            for i, answer in enumerate(node.answers):
                if answer.next and answer.next not in nodes:
                    chk.fail(("nodes", node.id, "answers", i, "next"), f"no node called {answer.next!r}")
    if start not in nodes:
        return
    seen: set[str] = set()

    def visit(node_id: str, trail: tuple[str, ...]) -> None:
        if node_id in trail:
            chk.fail(("nodes", node_id), f"loop: {' -> '.join((*trail, node_id))} (a walk must always end)")
            return
        if node_id in seen or node_id not in nodes:
            return
        seen.add(node_id)
        node = nodes[node_id]
        for answer in node.answers if isinstance(node, Question) else ():
            visit(answer.next, (*trail, node_id))

    visit(start, ())
    for node_id in nodes:
        if node_id not in seen:
            chk.fail(("nodes", node_id), f"node {node_id!r} cannot be reached from the start {start!r}")


def parse_tree(text: str, name: str = "<tree>") -> DecisionTree:
    """Parse and validate a tree; raises TreeError listing every problem with its line and field."""
    data, marked = _compose(text, name)
    chk = _Checker(name, marked)
    if not chk.mapping(data, (), _TOP_KEYS, ("version", "title", "start", "nodes")):
        raise TreeError(chk.problems)
    if "version" in data and data["version"] != 1:
        chk.fail(("version",), f"unsupported version {data['version']!r} (this app reads version 1)")
    title = chk.text(data, "title", ())
    start = chk.text(data, "start", ())
    nodes: dict[str, Question | Outcome] = {}
    raw_nodes = data.get("nodes")
    if raw_nodes is not None and (not isinstance(raw_nodes, dict) or not raw_nodes):
        chk.fail(("nodes",), "expected a mapping of node ids to questions and outcomes")
    for node_id, raw in (raw_nodes if isinstance(raw_nodes, dict) else {}).items():
        path = ("nodes", node_id)
        if not isinstance(raw, dict):
            chk.fail(path, f"expected a question or an outcome, got {_kind(raw)}")
        elif "question" in raw and "action" in raw:
            chk.fail(path, "a node is either a question or an outcome (action), not both")
        elif "question" in raw or "answers" in raw:
            nodes[str(node_id)] = _question(chk, str(node_id), raw, path)
        elif "action" in raw:
            nodes[str(node_id)] = _outcome(chk, str(node_id), raw, path)
        else:
            chk.fail(path, "a node needs either 'question' and 'answers', or 'action' and 'title'")
    if start and nodes and start not in nodes:
        chk.fail(("start",), f"no node called {start!r}")
    considerations = _considerations(chk, data.get("considerations"))
    if not chk.problems:
        _check_links(chk, start, nodes)
    if chk.problems:
        raise TreeError(chk.problems)
    return DecisionTree(title, start, nodes, considerations, name)


def load_tree(path: str | Path) -> DecisionTree:
    """Read a tree file; unreadable, too big or invalid files raise TreeError naming the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TreeError([TreeProblem(str(path), 1, "", f"the file is larger than {MAX_FILE_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TreeError([TreeProblem(str(path), 1, "", f"cannot read the file ({exc})")]) from None
    return parse_tree(text, str(path))


def default_tree_path() -> Path:
    from scrm_desktop.paths import resources_dir

    return resources_dir() / "decision_tree.yaml"


def default_tree() -> DecisionTree:
    return load_tree(default_tree_path())


# ---- the walk --------------------------------------------------------------------------------------------
def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Step:
    node: str
    question: str
    answer: str
    at: datetime
    auto: bool = False  # answered by the app from what it knows about the case
    reason: str = ""  # why, for an automatic step ("sentiment -0.72 (strongly negative); intent: request")


@dataclass
class DecisionSession:
    """One agent walking the tree for one case: one question at a time, with back, to an outcome.

    With `facts`, a question that has exactly one answer whose `when` holds is answered by itself (Step.auto).
    Going back to a question makes it the agent's: it is not answered automatically again in this session.
    """

    tree: DecisionTree
    agent: str = ""
    clock: Callable[[], datetime] = _utcnow
    steps: list[Step] = field(default_factory=list)
    started_at: datetime | None = None
    facts: Mapping[str, Fact] = field(default_factory=dict)
    manual: set[str] = field(default_factory=set)  # node ids the agent went back to: never automatic again

    def __post_init__(self) -> None:
        self.started_at = self.started_at or self.clock()
        self._advance()

    @property
    def current(self) -> Question | Outcome:
        node_id = self.tree.start
        for step in self.steps:
            node = self.tree.node(step.node)
            assert isinstance(node, Question)
            node_id = next(a.next for a in node.answers if a.label == step.answer)
        return self.tree.node(node_id)

    @property
    def outcome(self) -> Outcome | None:
        node = self.current
        return node if isinstance(node, Outcome) else None

    @property
    def choices(self) -> int:
        """How many answers the agent gave (automatic steps do not count)."""
        return sum(1 for s in self.steps if not s.auto)

    def automatic(self, question: Question) -> tuple[int, str] | None:
        """(answer number, reason) when the facts pick exactly one answer of `question` and it is not the agent's."""
        if question.id in self.manual or not self.facts:
            return None
        held = [(i, a.holds(self.facts)) for i, a in enumerate(question.answers, 1)]
        picked = [(i, reasons) for i, (ok, reasons) in held if ok]
        if len(picked) != 1:
            return None
        number, reasons = picked[0]
        return number, "; ".join(reasons)

    def why_not(self, question: Question) -> str:
        """Why the app left `question` to the agent, in words ("" when it could not know: no facts, an answer the
        agent went back to, or answers without conditions): which answers fit what it knows when more than one
        does, else what it knows that kept each answer out (the facts' reasons, each once)."""
        if question.id in self.manual or not self.facts or not any(a.when for a in question.answers):
            return ""
        fits = [a.label for a in question.answers if a.holds(self.facts)[0]]
        if len(fits) > 1:
            return "more than one answer fits (" + ", ".join(f"“{label}”" for label in fits) + ")"
        known: dict[str, None] = {}
        for a in question.answers:
            for condition in a.when:
                alternatives = _alternatives(condition)
                if all(_literal(alt, self.facts) is None for alt in alternatives):
                    for alt in alternatives:
                        if (fact := self.facts.get(_fact_name(alt))) is not None and fact.reason:
                            known[fact.reason] = None
                    break
        return "no answer fits what it knows" + (f" ({'; '.join(known)})" if known else "")

    def _advance(self) -> None:
        node = self.current
        while isinstance(node, Question) and (auto := self.automatic(node)) is not None:
            number, reason = auto
            self.steps.append(Step(node.id, node.question, node.answers[number - 1].label, self.clock(), True, reason))
            node = self.current

    def answer(self, number: int) -> Question | Outcome:
        """Pick answer `number` (1-based, as on the number keys) of the current question; the questions after it
        that the facts answer are answered too."""
        node = self.current
        if isinstance(node, Outcome):
            raise ValueError("the walk is finished; go back to change an answer")
        if not 1 <= number <= len(node.answers):
            raise ValueError(f"choose an answer from 1 to {len(node.answers)}")
        self.steps.append(Step(node.id, node.question, node.answers[number - 1].label, self.clock()))
        self._advance()
        return self.current

    def back(self) -> Question | Outcome:
        """Undo the last step (automatic or not); that question is then the agent's to answer."""
        if self.steps:
            self.manual.add(self.steps.pop().node)
        return self.current

    def record(self) -> dict[str, Any]:
        """What is stored with the case: path (which steps were automatic, and why), answers, agent, times, the
        facts the app knew and the outcome."""
        outcome = self.outcome
        return {
            "tree": self.tree.title,
            "agent": self.agent,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.steps[-1].at.isoformat() if outcome and self.steps else None,
            "path": [_step_record(s) for s in self.steps],
            "choices": self.choices,
            "facts": {f.name: {"value": f.value, "reason": f.reason} for f in self.facts.values()},
            "outcome": None
            if outcome is None
            else {
                "id": outcome.id,
                "action": outcome.action,
                "title": outcome.title,
                "category": outcome.category,
                "crisis_level": outcome.crisis_level,
                "notify": outcome.notify,
                "scope": outcome.scope,
            },
        }


def _step_record(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"node": step.node, "question": step.question, "answer": step.answer}
    out["at"] = step.at.isoformat()
    if step.auto:
        out |= {"auto": True, "reason": step.reason}
    return out

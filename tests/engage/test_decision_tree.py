"""The decision tree: every path of the default tree, the walk (answers, back, record), each schema error."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrm_desktop.engage.decision_tree import (
    FACTS,
    DecisionSession,
    Fact,
    Outcome,
    Question,
    TreeError,
    default_tree,
    load_tree,
    parse_tree,
)

# Every walk through the default tree: the answer numbers typed, and where it must end.
EXPECTED_PATHS = {
    (1, 1): ("let_stand", "", None),
    (1, 2): ("amplify", "thank_you", None),
    (1, 3): ("amplify", "", None),
    (3,): ("route_sales", "sales_handoff", None),
    (4,): ("respond", "answer", None),
    (2, 1, 1): ("monitor", "", None),  # troll
    (2, 1, 2): ("monitor", "", None),  # rager
    (2, 1, 3): ("respond", "fix_facts", None),
    (2, 1, 4, 1, 1): ("respond", "apology", None),
    (2, 1, 4, 1, 2): ("respond", "private_message", None),
    (2, 1, 4, 1, 3): ("respond", "refund", None),
    (2, 1, 4, 2): ("open_incident", "status_update", None),
    (2, 2, 1): ("escalate", "", 5),
    (2, 2, 2): ("escalate", "", 4),
    (2, 2, 3): ("escalate", "", 3),
    (2, 2, 4): ("escalate", "", 3),
    (2, 2, 5): ("escalate", "status_update", 2),
}


def test_the_default_tree_has_exactly_the_expected_paths() -> None:
    tree = default_tree()
    assert len(list(tree.paths())) == len(EXPECTED_PATHS)


@pytest.mark.parametrize("keys", list(EXPECTED_PATHS), ids=lambda k: "-".join(map(str, k)))
def test_every_path_of_the_default_tree_ends_in_its_action(keys: tuple[int, ...]) -> None:
    session = DecisionSession(default_tree(), agent="ana")
    for key in keys:
        assert isinstance(session.current, Question)
        session.answer(key)
    outcome = session.outcome
    assert outcome is not None
    assert (outcome.action, outcome.category, outcome.crisis_level) == EXPECTED_PATHS[keys]


def test_troll_notifies_the_lead_and_responses_show_considerations() -> None:
    tree = default_tree()
    troll = tree.node("troll")
    assert isinstance(troll, Outcome) and troll.notify == "lead"
    assert tree.node("fix_facts").considerations  # type: ignore[union-attr]
    assert {c.id for c in tree.considerations} == {"transparency", "sourcing", "timeliness", "tone", "influence"}
    assert tree.node("incident").scope == "macro"  # type: ignore[union-attr]


def test_back_undoes_the_last_answer_and_the_record_keeps_path_agent_and_times() -> None:
    times = iter(datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(10))
    session = DecisionSession(default_tree(), agent="ana", clock=lambda: next(times))
    session.answer(2)
    session.answer(1)
    assert session.current.id == "negative_kind"
    assert session.back().id == "crisis_signs"
    session.answer(1)
    session.answer(3)
    record = session.record()
    assert record["agent"] == "ana"
    assert [s["answer"] for s in record["path"]] == [
        "No, it is negative",
        "No crisis signs",
        "Misguided (has the facts wrong)",
    ]
    assert record["outcome"]["action"] == "respond"
    assert record["started_at"] == "2025-03-01T09:00:00+00:00"
    assert record["finished_at"] == "2025-03-01T09:04:00+00:00"


def test_answers_out_of_range_and_after_the_end_are_refused() -> None:
    session = DecisionSession(default_tree())
    with pytest.raises(ValueError, match="from 1 to 4"):
        session.answer(5)
    session.answer(3)
    with pytest.raises(ValueError, match="finished"):
        session.answer(1)
    assert session.back().id == "tone"
    assert session.back().id == "tone"  # back at the start stays there


GOOD = """\
version: 1
title: Tiny
start: a
nodes:
  a:
    question: Positive?
    answers:
      - label: Yes, it is
        next: done
  done:
    action: monitor
    title: Watch
"""


def errors(text: str) -> list[str]:
    with pytest.raises(TreeError) as info:
        parse_tree(text, "t.yaml")
    return [str(p) for p in info.value.problems]


def test_a_small_valid_tree_loads() -> None:
    tree = parse_tree(GOOD, "t.yaml")
    assert [o.id for _p, o in tree.paths()] == ["done"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("version: 1", "version: 3", "t.yaml:1: version: unsupported version 3"),
        ("title: Tiny\n", "", "t.yaml:1: missing required field 'title'"),
        ("start: a", "start: nowhere", "t.yaml:3: start: no node called 'nowhere'"),
        ("        next: done", "        next: gone", "t.yaml:9: nodes.a.answers[1].next: no node called 'gone'"),
        ("      - label: Yes", "      - lable: Yes", "t.yaml:8: nodes.a.answers[1].lable: unknown field"),
        ("    action: monitor", "    action: shout", "t.yaml:11: nodes.done.action: unknown action 'shout'"),
        (
            "    title: Watch",
            "    title: Watch\n    category: jokes",
            "13: nodes.done.category: unknown",
        ),
        (
            "    title: Watch",
            "    title: Watch\n    crisis_level: 9",
            "13: nodes.done.crisis_level: expected",
        ),
        ("    action: monitor", "    action: escalate", "t.yaml:10: nodes.done: an escalation needs a crisis_level"),
        (
            "    title: Watch",
            "    title: Watch\n    scope: huge",
            "13: nodes.done.scope: expected micro",
        ),
        ("    question: Positive?", "    question: ''", "t.yaml:6: nodes.a.question: expected non-empty text"),
        (
            "    answers:\n      - label: Yes, it is\n        next: done",
            "    answers: []",
            "7: nodes.a.answers: expected a",
        ),
        (
            "  done:",
            "  other:\n    action: monitor\n    title: x\n  done:",
            "10: nodes.other: node 'other' cannot",
        ),
        ("        next: done", "        next: a", "nodes.a: loop: a -> a"),
        ("  done:\n    action: monitor", "  done:\n    question: q\n    action: monitor", "a question or an outcome"),
        (
            "  done:\n    action: monitor\n    title: Watch",
            "  done: 5",
            "10: nodes.done: expected a",
        ),
        ("title: Tiny", "title: Tiny\nconsiderations: 4", "t.yaml:3: considerations: expected a list"),
        ("version: 1", "version: 1\n  bad: [", "t.yaml:2: not valid YAML"),
        (
            "label: Yes, it is",
            "label: yes",
            "answers[1].label: expected non-empty text, got yes/no (put it in",
        ),
    ],
)
def test_each_schema_error_names_file_line_and_field(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = errors(GOOD.replace(old, new, 1))
    assert any(expected in e for e in found), found


def test_more_than_nine_answers_is_refused() -> None:
    many = "".join(f"      - label: A{i}\n        next: done\n" for i in range(10))
    text = GOOD.replace("      - label: Yes, it is\n        next: done\n", many)
    assert text != GOOD
    assert any("at most 9" in e for e in errors(text))


def test_hostile_files_fail_cleanly(tmp_path: Path) -> None:
    # each line refers five times to the line above: a few hundred bytes that expand to 5**12 values
    names = [f"n{i}" for i in range(13)]
    bomb = f"{names[0]}: &{names[0]} [x, x, x, x, x]\n" + "".join(
        f"{new}: &{new} [{', '.join(['*' + old] * 5)}]\n" for old, new in itertools.pairwise(names)
    )
    assert any("too big" in e for e in errors(bomb))
    assert errors("") == ["t.yaml:1: the file is empty"]
    assert "expected a mapping" in errors("- just\n- a list\n")[0]
    binary = tmp_path / "tree.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(TreeError, match="cannot read the file"):
        load_tree(binary)
    with pytest.raises(TreeError, match="cannot read the file"):
        load_tree(tmp_path / "missing.yaml")


# ---- answers from what the app knows ------------------------------------------------------------------------
def facts(*true: str) -> dict[str, Fact]:
    return {name: Fact(name, name in true, f"{name} is {'so' if name in true else 'not so'}") for name in FACTS}


COMPLAINT = facts("negative", "complaint")


def test_an_obvious_complaint_is_answered_up_to_the_reply_kind_and_the_record_says_why() -> None:
    times = iter(datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(20))
    session = DecisionSession(default_tree(), agent="ana", clock=lambda: next(times), facts=COMPLAINT)
    assert session.current.id == "reply_kind" and session.choices == 0
    session.answer(1)
    assert session.outcome.id == "respond_canned" and session.choices == 1
    record = session.record()
    assert [(s["node"], s.get("auto", False)) for s in record["path"]] == [
        ("tone", True),
        ("crisis_signs", True),
        ("negative_kind", True),
        ("scope", True),
        ("reply_kind", False),
    ]
    assert record["path"][0]["reason"] == "negative is so; purchase is not so"
    assert record["path"][1]["reason"] == "crisis_words is not so; spike is not so"
    assert record["path"][2]["reason"] == "complaint is so; troll_before is not so"
    assert record["choices"] == 1 and record["facts"]["negative"] == {"value": True, "reason": "negative is so"}


def test_back_over_automatic_steps_makes_them_the_agent_s() -> None:
    session = DecisionSession(default_tree(), facts=COMPLAINT)
    assert session.back().id == "scope"  # the automatic "this person only" is undone...
    assert session.current.id == "scope" and len(session.steps) == 3  # ...and not applied again
    assert session.back().id == "negative_kind"
    session.answer(4)  # unhappy customer: scope is the agent's now, it is asked
    assert session.current.id == "scope"
    session.answer(2)
    assert session.outcome.id == "incident" and session.choices == 2
    assert [s.auto for s in session.steps] == [True, True, False, False]
    assert session.back().id == "scope" and session.back().id == "negative_kind"
    assert session.back().id == "crisis_signs" and session.back().id == "tone" and session.back().id == "tone"
    session.answer(2)  # negative: the crisis question is the agent's now too; nothing runs ahead of the agent
    assert session.current.id == "crisis_signs"


def test_a_question_with_two_answers_that_hold_is_left_to_the_agent() -> None:
    two = GOOD.replace(
        "        next: done\n",
        "        next: done\n        when: [vip]\n      - label: Or this\n        next: done\n        when: [vip]\n",
        1,
    )
    session = DecisionSession(parse_tree(two), facts=facts("vip"))
    assert session.current.id == "a" and session.steps == []
    refund = DecisionSession(default_tree(), facts=facts("negative", "complaint", "refund", "repeat"))
    assert refund.outcome.id == "respond_refund"  # a personal reply excludes a refund: one answer holds
    lead = DecisionSession(default_tree(), facts=facts("negative", "purchase", "question"))
    assert lead.outcome.id == "route_sales"  # negative and question both exclude a purchase
    nothing = DecisionSession(default_tree(), facts=facts())
    assert nothing.current.id == "tone" and nothing.steps == []  # mild sentiment: the agent reads the post


def test_when_conditions_hold_with_not_and_or() -> None:
    tree = parse_tree(
        GOOD.replace("        next: done\n", "        next: done\n        when: [negative or vip, not spike]\n", 1)
    )
    answer = tree.node("a").answers[0]  # type: ignore[union-attr]
    assert answer.when == ("negative or vip", "not spike")
    assert answer.holds(facts("vip")) == (True, ["vip is so", "spike is not so"])
    assert answer.holds(facts("vip", "spike"))[0] is False
    assert answer.holds(facts())[0] is False
    assert DecisionSession(tree, facts=facts("negative")).outcome.id == "done"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("[sentiment_high]", "t.yaml:10: nodes.a.answers[1].when[1]: unknown fact 'sentiment_high' (known: negative"),
        ("[negative, not spikey]", "t.yaml:10: nodes.a.answers[1].when[2]: unknown fact 'spikey'"),
        ("[vip or loud]", "t.yaml:10: nodes.a.answers[1].when[1]: unknown fact 'loud'"),
        ("[]", "t.yaml:10: nodes.a.answers[1].when: expected a list of facts"),
        ("{negative: yes}", "t.yaml:10: nodes.a.answers[1].when: expected a list of facts"),
        ("[3]", "t.yaml:10: nodes.a.answers[1].when[1]: expected a fact name, got int 3"),
    ],
)
def test_the_checker_refuses_unknown_facts_naming_the_line(when: str, expected: str) -> None:
    text = GOOD.replace("        next: done\n", f"        next: done\n        when: {when}\n", 1)
    found = errors(text)
    assert any(expected in e for e in found), found


def test_a_question_left_to_the_agent_says_why() -> None:
    nothing = DecisionSession(default_tree(), facts=facts())  # mild sentiment, no intent: what kept each answer out
    assert nothing.why_not(nothing.current) == (
        "no answer fits what it knows (positive is not so; negative is not so; purchase is not so; question is not so)"
    )
    two = GOOD.replace(
        "        next: done\n",
        "        next: done\n        when: [vip]\n      - label: Or this\n        next: done\n        when: [vip]\n",
        1,
    )
    both = DecisionSession(parse_tree(two), facts=facts("vip"))
    assert both.why_not(both.current).startswith("more than one answer fits (“") and "“Or this”" in both.why_not(
        both.current
    )
    complaint = DecisionSession(default_tree(), facts=COMPLAINT)
    assert complaint.current.id == "reply_kind"  # "a canned reply" has no conditions: what kept the others out
    assert complaint.why_not(complaint.current) == (
        "no answer fits what it knows (repeat is not so; vip is not so; refund is not so)"
    )
    assert complaint.why_not(complaint.back()) == ""  # the agent went back: theirs, nothing to explain
    assert DecisionSession(default_tree()).why_not(default_tree().node("tone")) == ""  # no case, no facts

"""Rule model: actions parsed from plain lines, broken rules refused with the reason, effects folded in order."""

from __future__ import annotations

import pytest

from scrm_desktop.core.rules import Action, Rule, RuleError, effects, format_actions, parse_actions, validate


def test_actions_round_trip_through_text():
    text = "tag: urgent\npriority: HIGH\nassign: queue:sales\nlead\n\ncase: check warranty\nalert\nnotify: sam"
    actions = parse_actions(text)
    assert actions[1] == Action("priority", "high") and actions[2] == Action("assign", "queue:sales")
    assert parse_actions(format_actions(actions)) == actions


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one action"),
        ("shout: loud", "Unknown action 'shout'"),
        ("tag:", "`tag` needs a value"),
        ("priority: asap", "priority must be one of"),
        ("lead: yes", "takes no value"),
        ("tag: " + "x" * 500, "at most 200"),
    ],
)
def test_bad_actions_say_what_is_wrong(text, reason):
    with pytest.raises(RuleError, match=reason) as caught:
        parse_actions(text)
    assert caught.value.part == "actions"


def test_a_query_error_keeps_its_position():
    with pytest.raises(RuleError) as caught:
        validate(Rule("r", "refund OR", (Action("tag", "t"),)))
    assert caught.value.part == "query" and caught.value.position >= 7


def test_an_empty_query_needs_an_author_condition():
    with pytest.raises(RuleError, match="matches every post"):
        validate(Rule("r", "", (Action("tag", "t"),)))
    assert validate(Rule("r", "", (Action("tag", "t"),), min_followers=10000)).is_empty


def test_effects_add_up_tags_and_let_later_rules_win():
    hits = [
        {"rule_name": "a", "action": "tag", "value": "vip"},
        {"rule_name": "a", "action": "priority", "value": "high"},
        {"rule_name": "b", "action": "tag", "value": "vip"},
        {"rule_name": "b", "action": "priority", "value": "urgent"},
        {"rule_name": "b", "action": "alert", "value": ""},
        {"rule_name": "c", "action": "assign", "value": "sam"},
    ]
    out = effects(hits)
    assert out.tags == ["vip"] and out.priority == "urgent" and out.assignee == "sam"
    assert out.alerts == ["b"] and out.rules == ["a", "b", "c"] and not out.lead

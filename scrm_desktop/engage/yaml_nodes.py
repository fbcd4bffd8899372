"""YAML read as nodes (they keep their lines, for error messages): libyaml's parser where PyYAML has it, five
times faster on the built-in decision tree and templates read at every start; PyYAML's own parser for a text
libyaml rejects, so a mistake is told in the usual words."""

from __future__ import annotations

import yaml

_FAST = getattr(yaml, "CSafeLoader", None)


def compose(text: str) -> yaml.Node | None:
    """The root node of `text` (None when it is empty); yaml.YAMLError when it is not valid YAML."""
    if _FAST is not None:
        try:
            return yaml.compose(text, Loader=_FAST)
        except yaml.YAMLError:
            pass  # read again below: the error comes with PyYAML's message and marks
    return yaml.compose(text, Loader=yaml.SafeLoader)

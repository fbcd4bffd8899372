"""What an agent can do with any post, wherever it is shown (stream menu, detail pane, the Post menu and its keys).
The views only ask (a signal with the action's key and the post); the agent feature carries it out."""

from __future__ import annotations

# key, label, shortcut (single keys, like the stream's J/K/O/M)
POST_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("case", "Open a case", "C"),
    ("reply", "Reply…", "R"),
    ("add_case", "Add to a case…", "A"),
    ("add_incident", "Add to an incident…", "I"),
)

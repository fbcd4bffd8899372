"""Typed settings kept as JSON in the config dir. Window layout lives in QSettings; secrets in the keyring."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Settings:
    db_url: str = ""  # empty: the SQLite file in the workspace's data dir
    theme: str = "auto"  # auto | light | dark
    agent_name: str = ""  # the display name teammates see on claims and customers read in signatures
    agent_id: str = ""  # this desktop profile's agent, stable across renames (made on first use)
    demo_seeded: bool = False
    backups_keep: int = 7  # automatic daily SQLite backups kept in the data dir's backups/ folder (0: none)
    sentiment_model: str = "rules"  # rules | learned: the analyzer that scores new posts (core.sentiment.MODELS)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings; a broken file is kept aside (never lost) and defaults are used."""
        return cls.load_reporting(path)[0]

    @classmethod
    def load_reporting(cls, path: Path) -> tuple[Settings, str | None]:
        """Settings, and what the user must be told when the file could not be read (kept aside, defaults used)."""
        if not path.exists():
            return cls(), None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("settings file does not hold an object")
        except (OSError, ValueError) as exc:
            backup = path.with_suffix(".broken.json")
            os.replace(path, backup)
            message = f"settings file {path} could not be read ({exc}); kept it as {backup} and started from defaults"
            log.error("%s", message)
            return cls(), message
        defaults = asdict(cls())
        values = {k: v for k, v in raw.items() if k in defaults}
        wrong = [k for k, v in values.items() if not _same_kind(v, defaults[k])]
        if not wrong:
            return cls(**values), None
        told = "; ".join(f"{k} was {values.pop(k)!r}, not {_KINDS[type(defaults[k])]}" for k in wrong)
        message = f"settings file {path}: {told}; the default is used instead (the other settings were kept)"
        log.error("%s", message)
        return cls(**values), message

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written file


_KINDS = {str: "text", bool: "true or false", int: "a whole number", dict: "an object"}


def _same_kind(value: Any, default: Any) -> bool:
    """A value of the field's own type (a bool is not a whole number here, though Python says it is)."""
    return type(value) is type(default)

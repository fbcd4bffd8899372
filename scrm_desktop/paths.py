"""Where things live: platformdirs locations, or everything under one --basedir for development and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "scrm-desktop"


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path
    logs: Path
    cache: Path

    @classmethod
    def for_user(cls) -> Paths:
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, basedir: str | os.PathLike[str]) -> Paths:
        base = Path(basedir).expanduser().resolve()
        return cls(data=base / "data", config=base / "config", logs=base / "logs", cache=base / "cache")

    def workspace(self, name: str) -> Paths:
        """The paths of a named workspace (the demo workspace lives beside the default one)."""
        if name == "default":
            return self
        return Paths(data=self.data / name, config=self.config / name, logs=self.logs, cache=self.cache / name)

    def ensure(self) -> Paths:
        for p in (self.data, self.config, self.logs, self.cache):
            p.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def database_file(self) -> Path:
        return self.data / "scrm.db"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"


def resources_dir() -> Path:
    """The resources/ folder (themes, icons, default tree and templates)."""
    import scrm_resources

    return Path(scrm_resources.__file__).resolve().parent

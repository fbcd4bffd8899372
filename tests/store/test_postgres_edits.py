"""The edited-post scenario on a real PostgreSQL server (a throwaway cluster, tests/postgres_server.py): the same
plugin run, update, full-text search, rollups and topic tags as on SQLite."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from scrm_desktop.workspace import Workspace
from tests.listening.edit_scenario import edit_scenario
from tests.plugins.recorded import load_manifest


def test_an_edited_mastodon_status_replaces_the_stored_one_on_postgresql(
    pg_url: str, basedir: Path, httpserver: HTTPServer, shared_data: Path
) -> None:
    recorded = load_manifest(shared_data / "api" / "mastodon" / "local_test_instance")
    ws = Workspace.open(str(basedir), db_url=pg_url)
    try:
        edit_scenario(ws, httpserver, recorded)
    finally:
        ws.close()

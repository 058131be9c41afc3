"""Upgrading a clinic: a database with sessions analysed before the overview figures were stored
(migration ``records.0003``) is migrated forward and every analysed session gets its figures.

Runs in a child process with its own data directory (tests/web/upgrade_check.py), so the test
run's own database is never migrated backwards."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.serving import run_module, serve_env

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "attuned_session.txt"


def test_sessions_analysed_before_the_figures_get_them_on_upgrade(tmp_path: Path) -> None:
    env = serve_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "mentalize.web.settings"}
    done = run_module("tests.web.upgrade_check", str(EXAMPLE), "12", env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "analysed": 12,
        "figures_right": 12,
        "pending_figures": "",
        "overview_sessions": 12,
    }

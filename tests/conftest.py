"""Shared fixtures: the example sessions, analysed once per test run.

The rule tests pin what the lexical markers do, so the suite reads with markers alone
(``MENTALIZE_MODEL=markers``); tests of the learned layer ask for it explicitly with
``model="learned"`` (tests/learned/test_learned.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import mentalize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"

os.environ["MENTALIZE_MODEL"] = "markers"


@pytest.fixture(scope="session")
def attuned() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "attuned_session.txt")


@pytest.fixture(scope="session")
def misattuned() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "misattuned_session.vtt")


@pytest.fixture(scope="session")
def group() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "group_session.csv")

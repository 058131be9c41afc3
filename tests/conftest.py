"""Shared fixtures: the example sessions, analysed once per test run."""

from __future__ import annotations

from pathlib import Path

import pytest

import mentalize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def attuned() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "attuned_session.txt")


@pytest.fixture(scope="session")
def misattuned() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "misattuned_session.vtt")


@pytest.fixture(scope="session")
def group() -> mentalize.SessionAnalysis:
    return mentalize.analyze(EXAMPLES / "group_session.csv")

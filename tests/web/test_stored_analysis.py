"""A stored analysis reads back as the typed result it was written from (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentalize.outputs.figures import session_figures
from mentalize.outputs.schema import from_json, to_json
from mentalize.web.records import services
from mentalize.web.records.figures import figures_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["attuned_session.txt", "misattuned_session.vtt"])
def test_the_stored_analysis_round_trips_and_its_figures_are_the_typed_ones(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    stored = services.analyse(text, None)
    analysis = from_json(stored.analysis_json, source="stored analysis")
    assert to_json(analysis) == stored.analysis_json
    assert stored.figures_json == figures_json(stored.analysis_json)
    figures = session_figures(analysis)
    assert figures.patient_turns > 0 and figures.mentalizing is not None

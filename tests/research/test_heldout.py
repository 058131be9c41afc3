"""Scoring the analyser against labelled sessions (mentalize.research.heldout,
bench/heldout_sessions.py).

The labels here are built from the analysis itself plus one episode it did not find, so every
figure the scorer should report is known before it runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mentalize.analysis.entrypoints import analyze
from mentalize.errors import InputError
from mentalize.research.heldout import evaluate_folder

from ..conftest import EXAMPLES


def _labelled_folder(tmp_path: Path) -> tuple[Path, int]:
    session = shutil.copy(EXAMPLES / "misattuned_session.vtt", tmp_path / "one.vtt")
    found = analyze(session, model="markers")
    assert found.episodes, "the example should hold at least one episode"
    last = len(found.turns) - 1
    taken = {t for e in found.episodes for t in range(e.start_turn, e.end_turn + 1)}
    free = next(t for t in range(last, -1, -1) if t not in taken)  # an episode nobody found
    labels = {
        "session": "one.vtt",
        "condition": "misattuned",
        "episodes": [
            {"start_turn": e.start_turn, "end_turn": e.end_turn, "therapist_response": "mixed"}
            for e in found.episodes
        ]
        + [{"start_turn": free, "end_turn": free, "therapist_response": "pushed_on"}],
        "ruptures": [{"turn": r.turn + 1, "repaired_at": None} for r in found.session.ruptures],
    }
    (tmp_path / "one.labels.json").write_text(json.dumps(labels), encoding="utf-8")
    return tmp_path, len(found.episodes)


def test_scores_are_what_the_labels_imply(tmp_path: Path) -> None:
    folder, found = _labelled_folder(tmp_path)
    result = evaluate_folder(folder, model="markers")
    assert result.model == "markers only"
    assert result.episode_recall == pytest.approx(found / (found + 1))
    assert result.episode_precision == 1.0
    # Every label says "mixed", which the analyser never gives: nothing agrees.
    assert result.response_agreement == 0.0
    # Labelled one turn after each detected rupture: within the tolerance, all found.
    assert result.rupture_recall == 1.0
    assert result.pairwise_order("stance") is None  # one condition only: no pairs


def test_the_model_that_ran_is_reported(tmp_path: Path) -> None:
    models = pytest.importorskip("mentalize.models")
    if not models.models_available():
        pytest.skip("the models extra is not installed")
    folder, _ = _labelled_folder(tmp_path)
    assert evaluate_folder(folder, model="learned").model.startswith("all-MiniLM-L6-v2/")


def test_empty_and_malformed_folders_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \*\.labels\.json files"):
        evaluate_folder(tmp_path)
    (tmp_path / "bad.labels.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.labels\.json: not valid JSON"):
        evaluate_folder(tmp_path)


def test_a_label_file_without_turn_numbers_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "x.labels.json").write_text(
        json.dumps({"session": "x.txt", "episodes": [{"start": 1}]}), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"x\.labels\.json: an entry lacks whole-number"):
        evaluate_folder(tmp_path)

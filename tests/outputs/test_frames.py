"""pandas interop: SessionAnalysis.to_dataframe() and mentalize.outputs.frames match the batch
tables."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import mentalize
from mentalize.outputs.schema import to_dict
from mentalize.outputs.tables import (
    LIST_SEPARATOR,
    SESSION_COLUMN_NAMES,
    TURN_COLUMN_NAMES,
)

pd = pytest.importorskip("pandas", reason="pandas is the optional extra mentalize[corpus]")

from mentalize.outputs.frames import sessions_frame, turns_frame  # noqa: E402

GROUP = (
    "Therapist: What happened for you when she walked out?\n"
    "Client A: Nothing. People always leave, that's just how it is.\n"
    "Client B: I wondered if she felt hurt by what I said.\n"
    "Therapist: Mm. Can we slow down and think about what was in her mind?\n"
    "Client A: I want to kill myself when this happens.\n"
    "Client B: Yeah.\n"
)


@pytest.fixture(scope="module")
def group() -> mentalize.SessionAnalysis:
    return mentalize.analyze_text(GROUP, model="markers")


def test_one_row_per_turn_in_batch_columns(group: mentalize.SessionAnalysis) -> None:
    frame = turns_frame(group)
    assert list(frame.columns) == list(TURN_COLUMN_NAMES)
    assert len(frame) == len(group.turns) == 6
    assert list(frame["turn"]) == [t.index for t in group.turns]
    assert set(frame["speaker"]) == {"Therapist", "Client A", "Client B"}
    assert list(frame["role"]).count("patient") == 4


def test_dtypes(group: mentalize.SessionAnalysis) -> None:
    frame = turns_frame(group)
    assert str(frame["turn"].dtype) == "int64"
    assert str(frame["arousal"].dtype) == "float64"
    assert str(frame["start"].dtype) == "float64"
    assert str(frame["minimal"].dtype) == "bool"
    assert isinstance(frame["speaker"].dtype, pd.StringDtype)
    assert isinstance(frame["mode"].dtype, pd.StringDtype)
    # No mode on therapist turns: missing, not the text "None".
    therapist = frame[frame["role"] == "therapist"]
    assert therapist["mode"].isna().all()
    assert frame["text_id"].isna().all()


def test_to_dataframe_is_deprecated_and_still_gives_the_turns_table(
    group: mentalize.SessionAnalysis,
) -> None:
    with pytest.warns(DeprecationWarning, match="turns_frame"):
        frame = group.to_dataframe()
    pd.testing.assert_frame_equal(frame, turns_frame(group))


def test_values_equal_the_schema_dict(group: mentalize.SessionAnalysis) -> None:
    frame = turns_frame(group)
    for row, turn in zip(frame.to_dict("records"), to_dict(group)["turns"], strict=True):
        for name in ("speaker", "role", "text", "focus", "risk", "minimal"):
            assert row[name] == turn[name], name
        for name in ("arousal", "certainty", "mentalizing"):
            assert row[name] == pytest.approx(turn[name]), name
        for name in ("mode", "intervention"):
            assert (None if pd.isna(row[name]) else row[name]) == turn[name], name
        assert row["turn"] == turn["index"]
        assert row["moves"] == LIST_SEPARATOR.join(turn["moves"])
        assert pd.isna(row["start"]) and turn["start"] is None
        spans = [(e["marker"], e["start"], e["end"]) for e in turn["evidence"]]
        assert [(e["marker"], e["start"], e["end"]) for e in json.loads(row["evidence"])] == spans
    assert "self_harm" in set(frame["risk"]) or "ideation" in set(frame["risk"])


def test_many_sessions_and_sessions_frame(group: mentalize.SessionAnalysis) -> None:
    dyad = mentalize.analyze_text("T: How are you?\nP: Fine, I suppose.\n", model="markers")
    turns = turns_frame([group, dyad])
    assert len(turns) == len(group.turns) + len(dyad.turns)
    sessions = sessions_frame([group, dyad])
    assert list(sessions.columns) == list(SESSION_COLUMN_NAMES)
    assert list(sessions["turns"]) == [6, 2]
    assert str(sessions["n_curious_question"].dtype) == "int64"
    first = sessions.iloc[0]
    assert first["risk_flags"] == len(group.session.risk_flags) >= 1
    assert first["recommendation_level"] == group.recommendation.level
    calibration = group.session.calibration
    assert (
        math.isnan(first["calibration"])
        if calibration is None
        else first["calibration"] == pytest.approx(calibration)
    )
    assert pd.isna(first["sha256"])


def test_empty_list_gives_empty_table_with_columns() -> None:
    frame = turns_frame([])
    assert list(frame.columns) == list(TURN_COLUMN_NAMES) and len(frame) == 0
    assert str(frame["turn"].dtype) == "int64"


def test_importing_mentalize_does_not_import_pandas_or_dask() -> None:
    code = (
        "import sys, mentalize, mentalize.outputs.frames, mentalize.batch.engine, "
        "mentalize.batch.dask_engine, mentalize.batch.convokit_inputs\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'dask', 'distributed', 'convokit') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"imported at import time: {done.stdout}{done.stderr}"

"""The public Python API: what it exports, that import is cheap, and that it mirrors the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mentalize

from .conftest import EXAMPLES


def test_public_api_is_curated():
    assert set(mentalize.__all__) == {
        "Episode",
        "InputError",
        "MentalizeError",
        "ModelError",
        "Recommendation",
        "Repair",
        "RiskFlag",
        "Rupture",
        "Series",
        "SessionAnalysis",
        "SessionSummary",
        "Transcript",
        "Turn",
        "TurnAnalysis",
        "__version__",
        "analyze",
        "analyze_text",
        "analyze_utterances",
    }


def test_import_loads_no_lexicon_and_no_heavy_module():
    code = (
        "import sys, mentalize\n"
        "from mentalize.language import lexicon\n"
        "assert lexicon.load_lexicon.cache_info().currsize == 0, 'lexicon loaded at import'\n"
        "heavy = {'rich', 'typer', 'mentalize.transcript.readers', 'mentalize.report', 'numpy',"
        " 'torch'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_analyze_reads_a_path_and_analyze_text_reads_text(tmp_path):
    text = (EXAMPLES / "attuned_session.txt").read_text(encoding="utf-8")
    from_path = mentalize.analyze(EXAMPLES / "attuned_session.txt")
    from_str_path = mentalize.analyze(str(EXAMPLES / "attuned_session.txt"))
    from_text = mentalize.analyze_text(text)
    assert [t.mode for t in from_path.turns] == [t.mode for t in from_text.turns]
    assert from_str_path.session == from_path.session
    assert from_text.source == "<text>"
    assert mentalize.analyze_text(text, source="session 4").source == "session 4"


def test_analyze_with_text_still_works_but_warns():
    text = (EXAMPLES / "attuned_session.txt").read_text(encoding="utf-8")
    with pytest.warns(DeprecationWarning, match="analyze_text"):
        guessed = mentalize.analyze(text)
    assert guessed == mentalize.analyze_text(text)


def test_a_mistyped_file_name_is_file_not_found_not_a_transcript():
    with pytest.raises(mentalize.InputError, match="not found"):
        mentalize.analyze("no-such-file.txt")
    # analyze_text never opens a file, even when the text names one.
    with pytest.raises(mentalize.InputError) as caught:
        mentalize.analyze_text(str(EXAMPLES / "attuned_session.txt"))
    assert "not found" not in str(caught.value)


def test_analyze_raises_input_error_on_bad_input():
    with pytest.raises(mentalize.InputError):
        mentalize.analyze("")
    with pytest.raises(mentalize.InputError):
        mentalize.analyze_text("   ")
    with pytest.raises(TypeError):
        mentalize.analyze_text(b"T: hello")  # type: ignore[arg-type]


def test_rtf_is_an_input_error_that_says_how_to_export_text(tmp_path):
    rtf = "{\\rtf1\\ansi T: hello\\par P: hi\\par}"
    path = tmp_path / "session.rtf"
    path.write_text(rtf, encoding="ascii")
    for call in (lambda: mentalize.analyze(path), lambda: mentalize.analyze_text(rtf)):
        with pytest.raises(mentalize.InputError, match="is an RTF document") as caught:
            call()
        assert "Save As > Plain Text (.txt)" in str(caught.value)


def test_analysis_is_typed_and_immutable(attuned):
    assert isinstance(attuned, mentalize.SessionAnalysis)
    assert all(isinstance(t, mentalize.TurnAnalysis) for t in attuned.turns)
    with pytest.raises(AttributeError):
        attuned.turns[0].arousal = 1.0  # type: ignore[misc]


def test_analyze_utterances_reads_each_text_alone_in_the_given_role():
    turns = mentalize.analyze_utterances(
        ["What was that like for you?", "You should just tell him."], role="therapist"
    )
    assert [t.intervention for t in turns] == ["curious_question", "advice"]
    assert all(t.role == "therapist" and t.mode is None for t in turns)
    patient = mentalize.analyze_utterances(["If he cared he would have called."])
    assert patient[0].mode == "teleological" and patient[0].intervention is None

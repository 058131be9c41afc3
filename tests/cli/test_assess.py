"""``mentalize assess``: list, score (flags and interactive), change, FHIR export, bad input."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mentalize.cli import app

from ..conftest import EXAMPLES
from ..instruments.test_fhir import check_questionnaire, check_response

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def _error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mentalize: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_list_shows_every_instrument():
    result = run("assess", "list")
    assert result.exit_code == 0, result.output
    for name in ("rfq8", "phq9", "gad7"):
        assert name in result.output
    assert "unavailable" in result.output  # RFQ-8 change classification


def test_assess_without_arguments_shows_help():
    result = run("assess")
    assert "mentalize assess INSTRUMENT" in " ".join(result.output.split())


def test_score_writes_json_and_fhir_owner_only(tmp_path):
    out_json, out_fhir = tmp_path / "phq9.json", tmp_path / "phq9.fhir.json"
    result = run(
        "assess",
        "phq9",
        "--answers",
        "1,1,2,1,0,1,1,0,1",
        "--json",
        str(out_json),
        "--fhir",
        str(out_fhir),
        "--subject",
        "Patient/42",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out_json.read_text())
    assert list(data) == [
        "instrument",
        "version",
        "answers",
        "scores",
        "band",
        "flags",
        "interpretation",
    ]
    assert data["scores"] == {"total": 8} and data["band"]["id"] == "mild"
    assert data["flags"][0]["item"] == 9
    qr = json.loads(out_fhir.read_text())
    assert qr["subject"] == {"reference": "Patient/42"}
    from mentalize import instruments

    check_response(qr, instruments.questionnaire(instruments.load("phq9")))
    for path in (out_json, out_fhir):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = " ".join(result.output.split())
    assert text.index("RISK ITEM ENDORSED") < text.index("PHQ-9 total: 8")
    assert "not a diagnosis" in text


def test_score_rfq8_prints_both_scales_and_no_band():
    result = run("assess", "RFQ-8", "--answers", "1,2,3,4,5,6,7,1")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "RFQ_c (certainty about mental states): 1.00" in text
    assert "RFQ_u (uncertainty about mental states): 0.50" in text
    assert "band:" not in text
    assert "hypomentalizing" in text


def test_quiet_prints_nothing(tmp_path):
    result = run("assess", "gad7", "--answers", "0,0,0,0,0,0,0", "-q")
    assert result.exit_code == 0 and result.output == ""


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["phq9", "--answers", "1,2,3"], ["phq9:", "expected 9 answers", "got 3", "0-3"]),
        (["phq9", "--answers", ""], ["phq9:", "got 0"]),
        (["phq9", "--answers", "0,0,0,0,0,0,0,0,4"], ["phq9 item 9:", "4 is out of range", "0-3"]),
        (["gad7", "--answers", "0,0,x,0,0,0,0"], ["gad7 item 3:", "not a whole number", "0-3"]),
        (["rfq8", "--answers", "4,4,4,4,4,4,4,0"], ["rfq8 item 8:", "valid answers are 1-7"]),
        (["bdi2", "--answers", "0"], ["bdi2: unknown instrument", "gad7, phq9, rfq8"]),
    ],
)
def test_bad_answers_one_line_exit_2_and_no_files(tmp_path, args, fragments):
    out = tmp_path / "out.json"
    result = run("assess", *args, "--json", str(out))
    line = _error_line(result)
    for fragment in fragments:
        assert fragment in line
    assert not out.exists()


def test_unwritable_output_is_refused_before_asking(tmp_path):
    result = run("assess", "phq9", "--json", str(tmp_path / "nope" / "a.json"), input="")
    assert "does not exist" in _error_line(result)
    assert "Little interest" not in result.output


def test_interactive_prompt_shows_items_and_options_and_reprompts(tmp_path):
    out = tmp_path / "gad7.json"
    # item 1: "5" (out of range) then "x" (not a number) then "" (empty) then 2; items 2-7: 1
    answers = "5\nx\n\n2\n" + "1\n" * 6
    result = run("assess", "gad7", "--json", str(out), input=answers)
    assert result.exit_code == 0, result.output
    output = result.stdout
    assert "Over the last 2 weeks" in output
    assert "1/7. Feeling nervous, anxious, or on edge" in output
    assert "7/7. Feeling afraid, as if something awful might happen" in output
    assert output.splitlines().count("   3 = Nearly every day") == 7
    reasons = [line for line in output.splitlines() if "not accepted:" in line]
    assert len(reasons) == 3
    assert "5 is out of range; valid answers are 0-3" in reasons[0]
    assert "'x' is not a whole number" in reasons[1]
    assert "no answer given" in reasons[2]
    assert json.loads(out.read_text())["answers"] == [2, 1, 1, 1, 1, 1, 1]


def test_interactive_input_ending_early_writes_nothing(tmp_path):
    out = tmp_path / "phq9.json"
    result = run("assess", "phq9", "--json", str(out), input="1\n2\n")
    assert "input ended at item 3 of 9" in _error_line(result)
    assert not out.exists()


def test_change_recovered_with_json(tmp_path):
    out = tmp_path / "change.json"
    result = run("assess", "change", "phq9", "--pre", "18", "--post", "8", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "RECOVERED" in result.output
    data = json.loads(out.read_text())
    assert data["classification"] == "recovered"
    assert data["reliable_change_criterion"] == 6
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_change_unavailable_for_rfq8_is_not_an_error():
    result = run("assess", "change", "rfq8", "--pre", "1.5", "--post", "0.5")
    assert result.exit_code == 0, result.output
    assert "UNAVAILABLE" in result.output
    assert "no published reliable-change parameters" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["phq9", "--pre", "30", "--post", "8"], "phq9 --pre: 30 is out of range"),
        (["phq9", "--pre", "abc", "--post", "8"], "phq9 --pre: 'abc' is not a number"),
        (["phq9", "--post", "8"], "--pre is required"),
        (["gad7", "--pre", "10", "--post", "nan"], "--post: 'nan' is not a finite number"),
        (["rfq8", "--pre", "1", "--post", "1", "--scale", "x"], "no scale 'x'"),
        (["bdi2", "--pre", "1", "--post", "1"], "bdi2: unknown instrument"),
    ],
)
def test_change_bad_input(args, fragment):
    assert fragment in _error_line(run("assess", "change", *args))


def test_questionnaire_export_to_stdout_and_file(tmp_path):
    result = run("assess", "questionnaire", "rfq8")
    assert result.exit_code == 0, result.output
    check_questionnaire(json.loads(result.stdout))
    out = tmp_path / "q.json"
    result = run(
        "assess", "questionnaire", "gad7", "--fhir", str(out), "--base-url", "https://x.example"
    )
    assert result.exit_code == 0, result.output
    q = json.loads(out.read_text())
    check_questionnaire(q)
    assert q["url"] == "https://x.example/Questionnaire/mentalize-gad7"


def test_analyze_still_works_next_to_assess():
    result = run("analyze", str(EXAMPLES / "attuned_session.txt"), "-q")
    assert result.exit_code == 0, result.output


def test_assess_errors_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "mentalize.cli", "assess", "phq9", "--answers", "1,2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mentalize: error: ")
    assert result.stdout == ""

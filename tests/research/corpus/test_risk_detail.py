"""Risk detail of flagged turns: checks per codebook 6.1, the never-softened adjudication and
the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentalize.errors import InputError
from mentalize.research.corpus.risk_detail import (
    adjudicate_risk,
    check_risk_line,
    risk_report,
)

pytest.importorskip("sklearn", reason="needs the research extra")


def _line(unit_id: str, **values: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": unit_id,
        "role": "patient",
        "risk": "ideation",
        "severity": "wish_to_be_dead",
        "temporal": "current",
        "asserted": "asserted",
        "confidence": 2,
    }
    record.update(values)
    return record


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"risk": "sad"}, "'risk' must be one of ideation"),
        ({"risk": "self_harm", "severity": "plan"}, "'severity' for self_harm must be one of urge"),
        ({"risk": "none", "severity": "not_applicable"}, "exactly when risk is none"),
        ({"confidence": 0}, "'confidence' must be 1, 2 or 3"),
    ],
)
def test_a_bad_line_names_the_field(values: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_risk_line(_line("u", **values), "r.jsonl", 3)


def test_disagreement_is_resolved_toward_the_more_serious_reading() -> None:
    a = {"u": _line("u", temporal="past", asserted="negated")}
    b = {"u": _line("u", severity="plan", asserted="asserted")}
    resolved = adjudicate_risk(a, b)["u"]
    assert (resolved["severity"], resolved["temporal"], resolved["asserted"]) == (
        "plan",
        "current",
        "asserted",
    )
    assert resolved["rules"] == {
        "risk": "agreement",
        "severity": "higher_risk",
        "temporal": "higher_risk",
        "asserted": "higher_risk",
    }
    # different kinds: the more serious kind's whole reading, so severity fits its kind
    c = {"v": _line("v", risk="self_harm", severity="urge")}
    d = {"v": _line("v", risk="ideation", severity="active_thoughts")}
    assert adjudicate_risk(c, d)["v"]["severity"] == "active_thoughts"


def test_the_report_gives_agreement_and_counts(tmp_path: Path) -> None:
    for name, asserted in (("pass-a", "asserted"), ("pass-b", "negated")):
        folder = tmp_path / "written" / name
        folder.mkdir(parents=True)
        lines = [json.dumps(_line(f"written:a01:s01:{i}", asserted=asserted)) for i in (1, 2)]
        (folder / "r.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = risk_report(tmp_path)
    assert "### written: 2 turns coded by both passes" in report
    assert "| risk | 2 | 1.00 |" in report
    assert "| asserted | 2 | 0.00 |" in report
    assert "- asserted: asserted 2" in report  # never softened to 'negated'

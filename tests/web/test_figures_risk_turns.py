"""Per-turn risk list (issue 19): the stored figures keep each risk flag's turn (1-based, as the
report's "Turn N" and its ``turn-N`` anchor), kind, rung and time, and no words; migration
``records.0008`` redraws the figures of sessions analysed before; the session page links each
flag to its turn in the report's frame, still without decrypting the analysis.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mentalize.outputs.schema import from_json
from mentalize.web.records import services
from mentalize.web.records.figures import figures_json, risk_turns
from mentalize.web.records.models import Session
from tests.web.serving import run_module, serve_env

RISK_TRANSCRIPT = (
    "T: How have things been since last week?\n"
    "P: Honestly, I want to kill myself. I keep thinking about it at night.\n"
    "T: Thank you for telling me. Can you say more about those thoughts?\n"
    "P: They come when I am alone and I feel nobody would notice.\n"
    "T: Have you hurt yourself since we last met?\n"
    "P: Last month I cut my arm again, but not this week.\n"
)
FIELDS = {"turn", "kind", "rung", "when"}


@pytest.fixture(scope="module")
def risky() -> Any:
    return services.analyse(RISK_TRANSCRIPT, None)


def _turn_text(report_html: str, number: int) -> str:
    """The text of the report's transcript row whose anchor is ``turn-<number>``."""
    found = re.search(rf'id="turn-{number}".*?</(?:tr|li|div)>', report_html, re.S)
    assert found, f"no turn-{number} anchor in the report"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0)))


def test_each_flag_is_kept_with_its_1_based_turn_and_no_words(risky: Any) -> None:
    analysis = from_json(risky.analysis_json)
    flags = analysis.session.risk_flags
    assert len(flags) >= 2 and len({f.risk for f in flags}) >= 2  # the test has something to do
    stored = json.loads(risky.figures_json)["risk_turns"]
    assert [set(entry) for entry in stored] == [FIELDS] * len(flags)
    for entry, flag in zip(stored, flags, strict=True):
        assert (entry["kind"], entry["rung"], entry["when"]) == (
            flag.risk,
            flag.severity,
            flag.temporal,
        )
        # The number is the one the report shows and anchors: the flag's words are in that turn.
        assert entry["turn"] == flag.turn + 1
        said = _turn_text(risky.report_html, entry["turn"])
        assert all(word in said for word in flag.words), (entry, flag.words)
    # No clinical text: none of the flagged words, reasons or speakers is in the figures.
    text = risky.figures_json
    for flag in flags:
        for word in (*flag.words, flag.reason):
            assert word and word not in text
    assert "kill" not in text and "cut my arm" not in text


def test_values_outside_the_vocabularies_are_not_copied(risky: Any) -> None:
    analysis = from_json(risky.analysis_json)
    odd = dataclasses.replace(
        analysis.session.risk_flags[0],
        risk="said something",  # type: ignore[arg-type]
        severity="in her words",  # type: ignore[arg-type]
        temporal="last night",  # type: ignore[arg-type]
    )
    session = dataclasses.replace(analysis.session, risk_flags=(odd,))
    (entry,) = risk_turns(dataclasses.replace(analysis, session=session))
    assert entry == {"turn": odd.turn + 1, "kind": "other", "rung": "unspecified", "when": ""}


def test_a_session_without_risk_has_an_empty_list() -> None:
    calm = services.analyse("T: How was the week?\nP: Calm. I saw my sister.\n", None)
    assert json.loads(calm.figures_json)["risk_turns"] == []


# -- the session page ------------------------------------------------------------------------


@pytest.fixture
def risk_session(chart: dict[str, Any], people: dict[str, Any], risky: Any) -> Session:
    return services.add_session(
        people["owner"], chart["patient"], chart["treatment"], dt.date(2026, 2, 9), risky
    )


def _links(body: str, pk: int) -> list[tuple[str, str]]:
    """(anchor number, link text) of each turn link in the page's risk list."""
    block = body[body.index('class="alerts risk-turns"') : body.index('<iframe class="report"')]
    return re.findall(
        rf'<a href="/sessions/{pk}/report/#turn-(\d+)" target="report">(Turn \d+)</a>', block
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "sup"])
def test_the_page_links_each_flag_to_its_turn_in_the_report(
    client: Any, people: dict[str, Any], risk_session: Session, risky: Any, role: str
) -> None:
    client.force_login(people[role])
    body = client.get(f"/sessions/{risk_session.pk}/").content.decode()
    flags = from_json(risky.analysis_json).session.risk_flags
    links = _links(body, risk_session.pk)
    assert sorted(int(n) for n, _ in links) == sorted(f.turn + 1 for f in flags)
    assert all(text == f"Turn {n}" for n, text in links)
    assert "Each turn opens in the report below." in body
    # Each link's anchor is in the framed report, at the turn with the flag's words.
    report = client.get(f"/sessions/{risk_session.pk}/report/").content.decode()
    for flag in flags:
        assert all(w in _turn_text(report, flag.turn + 1) for w in flag.words)
    # The page still says nothing the figures do not hold: no flagged words outside the frame.
    for flag in flags:
        for word in flag.words:
            assert word not in body


@pytest.mark.django_db
def test_figures_stored_before_the_turns_give_the_counts_alone(
    client: Any, people: dict[str, Any], risk_session: Session
) -> None:
    old = json.loads(risk_session.figures_json)
    old.pop("risk_turns")
    Session.objects.filter(pk=risk_session.pk).update(figures_json=json.dumps(old))
    client.force_login(people["owner"])
    body = client.get(f"/sessions/{risk_session.pk}/").content.decode()
    assert "Risk language in this session" in body and "flags, up to" in body
    assert _links(body, risk_session.pk) == []
    assert "Each turn opens in the report below." not in body
    assert "Show the flagged turns in the report" in body


# -- migration 0008 --------------------------------------------------------------------------


def _migration() -> Any:
    return importlib.import_module("mentalize.web.records.migrations.0008_figures_risk_turns")


@pytest.mark.django_db
def test_the_migration_redraws_and_keeps_an_unreadable_analysis(
    people: dict[str, Any], chart: dict[str, Any], risk_session: Session, risky: Any, caplog: Any
) -> None:
    from django.apps import apps

    stale = json.dumps({"risk_kinds": {"ideation": 1}, "risk_rungs": {}})
    Session.objects.filter(pk=risk_session.pk).update(figures_json=stale)
    broken = services.add_session(
        people["owner"], chart["patient"], None, dt.date(2026, 2, 16), risky
    )
    Session.objects.filter(pk=broken.pk).update(analysis_json="{not json", figures_json=stale)
    _migration().redraw_figures_of_analysed_sessions(apps, None)
    assert Session.objects.get(pk=risk_session.pk).figures_json == figures_json(risky.analysis_json)
    assert Session.objects.get(pk=broken.pk).figures_json == stale
    assert f"session {broken.pk}:" in caplog.text and "{not json" not in caplog.text


def test_sessions_analysed_before_get_their_turns_on_upgrade(tmp_path: Path) -> None:
    script = tmp_path / "risky.txt"
    script.write_text(RISK_TRANSCRIPT, encoding="utf-8")
    env = serve_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "mentalize.web.settings"}
    done = run_module("tests.web.upgrade_check_risk_turns", str(script), "3", env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    expected = json.loads(figures_json(services.analyse(RISK_TRANSCRIPT, None).analysis_json))
    turns = expected["risk_turns"]
    assert turns  # there is something to redraw
    assert found["analysed"] == found["figures_right"] == found["unchanged_otherwise"] == 3
    assert found["risk_turns"] == [turns] * 3
    assert found["pending_figures"] == ""
    pk = found["first_session"]
    assert found["page_links"] == [
        f"/sessions/{pk}/report/#turn-{t['turn']}"
        for kind in sorted({t["kind"] for t in turns})
        for t in turns
        if t["kind"] == kind
    ]

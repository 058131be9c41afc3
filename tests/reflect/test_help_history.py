"""Crisis lines (configured first, defaults always) and the picture over time."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from mentalize.errors import InputError
from mentalize.reflect.help import DEFAULT_LINES, EMERGENCY, crisis_lines, load_lines
from mentalize.reflect.history import history, history_svg
from mentalize.reflect.vault import Entry


def test_defaults_hold_emergency_advice_and_international_directories() -> None:
    assert DEFAULT_LINES[0] == EMERGENCY
    contacts = " ".join(line.contact for line in DEFAULT_LINES)
    for directory in ("findahelpline.com", "iasp.info", "befrienders.org"):
        assert directory in contacts


def test_configured_lines_come_first(tmp_path: Path) -> None:
    path = tmp_path / "lines.toml"
    path.write_text(
        '[[line]]\nname = "Clinic duty phone"\ncontact = "0161 000 0000"\nnote = "weekdays 9-5"\n',
        encoding="utf-8",
    )
    lines = crisis_lines(path)
    assert lines[0].name == "Clinic duty phone" and lines[1:] == DEFAULT_LINES
    folder = tmp_path / "journal"
    folder.mkdir()
    (folder / "crisis-lines.toml").write_text(path.read_text(), encoding="utf-8")
    assert crisis_lines(None, folder)[0].contact == "0161 000 0000"
    assert crisis_lines(None, tmp_path / "none") == DEFAULT_LINES


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("name = 1", "one or more [[line]]"),
        ("[[line]]\ncontact = '1'\n", "'name' must be non-empty"),
        ("[[line]]\nname = 'x'\n", "'contact' must be non-empty"),
        ("[[line]]\nname = 'x'\ncontact = '1'\nnote = 3\n", "'note' must be text"),
        ("[[line]\n", "not valid TOML"),
    ],
)
def test_bad_line_files_are_one_line_errors(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "lines.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(problem)) as caught:
        load_lines(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(InputError, match="not found"):
        load_lines(tmp_path / "missing.toml")


def _entry(day: str, situation: str, signs: tuple[str, ...], risk: bool = False) -> Entry:
    return Entry("text", situation=situation, signs=signs, risk=risk, created=f"{day}T10:00:00")


def test_history_counts_signs_per_period_and_situation() -> None:
    entries = [
        _entry("2026-01-05", "partner", ("high_arousal", "certainty_about_minds")),
        _entry("2026-01-20", "partner", ("certainty_about_minds",)),
        _entry("2026-02-03", "work", ()),
        _entry("2026-04-10", "work", ("all_or_nothing",)),
        _entry("2026-04-11", "", (), risk=True),
    ]
    data = history(entries)
    assert data.by_month and data.total == 5
    assert [p.label for p in data.periods] == ["2026-01", "2026-02", "2026-04"]
    january = data.periods[0]
    assert january.entries == 2 and january.signs["certainty_about_minds"] == 2
    assert data.periods[-1].risk == 1
    partner = next(s for s in data.situations if s.label == "partner")
    assert partner.with_signs == 2 and partner.top_signs[0] == "certainty_about_minds"
    assert data.situations[0].label == "partner"  # most entries with signs first


def test_short_histories_go_by_week_and_the_picture_is_valid_svg() -> None:
    entries = [_entry("2026-03-02", "x", ("heat",)), _entry("2026-03-10", "y", ())]
    data = history(entries)
    assert not data.by_month
    assert [p.label for p in data.periods] == ["2026-W10", "2026-W11"]
    svg = history_svg(data)
    root = ElementTree.fromstring(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "2026-W10: Heat in the words: 1" in titles
    assert history_svg(history([])) == ""

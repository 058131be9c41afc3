"""One registry of input formats: every list a user sees is read from it, and a new format is
one module."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from mentalize.outputs.schema import json_schema
from mentalize.transcript import formats
from mentalize.transcript.readers import FORMAT_BY_EXTENSION, parse_transcript, read_transcript


def test_the_registry_holds_the_five_formats_in_their_documented_order() -> None:
    assert formats.FORMATS == ("text", "vtt", "srt", "csv", "jsonl")
    assert FORMAT_BY_EXTENSION == {
        ".vtt": "vtt",
        ".srt": "srt",
        ".csv": "csv",
        ".tsv": "csv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
    }
    assert formats.FALLBACK.name == "text"
    assert [f.name for f in formats.SNIFFED] == ["vtt", "srt", "jsonl", "csv"]


@pytest.mark.parametrize(
    ("given", "name"), [("WEBVTT", "vtt"), ("txt", "text"), ("NDJSON", "jsonl")]
)
def test_aliases_resolve_in_any_case(given: str, name: str) -> None:
    resolved = formats.resolve(given)
    assert resolved is not None and resolved.name == name
    assert formats.resolve("docx") is None


def test_every_list_shown_to_people_is_the_registry() -> None:
    from typer.testing import CliRunner

    from mentalize.cli import app

    help_text = CliRunner().invoke(app, ["analyze", "--help"], terminal_width=200).output
    for ext in formats.BY_EXTENSION:
        assert ext in help_text
    description = json_schema()["properties"]["format"]["description"]
    assert all(name in description for name in formats.FORMATS)


def test_a_new_format_is_one_module(tmp_path, monkeypatch) -> None:
    package = tmp_path / "extra_formats"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "pipes.py").write_text(
        textwrap.dedent(
            """
            from mentalize.transcript.formats import InputFormat
            from mentalize.transcript.model import Transcript, Turn

            def _parse(text, source):
                turns = tuple(
                    Turn(*line.split("|", 1), line=n)
                    for n, line in enumerate(text.splitlines(), 1)
                    if "|" in line
                )
                return Transcript(source=source, turns=turns, format="pipes")

            FORMAT = InputFormat(
                name="pipes", label="Pipes", order=9, extensions=(".pipes",), aliases=(),
                parse=_parse, sniff=lambda head: "|" in head[0], sniff_rank=9,
            )
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = formats.discover("extra_formats", [str(package)])
    assert [f.name for f in found] == ["pipes"]
    transcript = found[0].parse("T|Hello\nP|Hi", "<pipes>")
    assert [t.speaker for t in transcript.turns] == ["T", "P"]
    sys.modules.pop("extra_formats.pipes", None)


def test_a_module_without_format_is_named(tmp_path, monkeypatch) -> None:
    package = tmp_path / "broken_formats"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "halfway.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match=r"broken_formats\.halfway defines no FORMAT"):
        formats.discover("broken_formats", [str(package)])


def test_reading_by_extension_and_by_content_agree(tmp_path) -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Therapist>Hello.\n"
    path = tmp_path / "session.vtt"
    path.write_text(vtt, encoding="utf-8")
    assert read_transcript(path) == parse_transcript(vtt, source=str(path))
    rows = json.dumps({"speaker": "T", "text": "Hi"})
    assert parse_transcript(rows).format == "jsonl"

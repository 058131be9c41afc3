"""HTML and script in a transcript stay text in the ``--html`` report.

A transcript is untrusted: a patient's words, a caption file from another tool or a CSV someone
edited can contain markup. Hostile payloads go into turn text, speaker names (JSONL/CSV allow any
label) and the source file name; the rendered page is parsed with ``html.parser`` and must hold
no element, event-handler attribute or ``javascript:`` URL that came from them, and no script but
the report's own fixed one. ``assert_inert`` is shared with the clinic's page tests.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.analysis.session import MODEL_ENV, analyze_transcript
from mentalize.cli import app
from mentalize.report.html import _SCRIPT, render_html
from mentalize.transcript.readers import parse_transcript
from mentalize.transcript.roles import assign_roles

MARK = "xss"
PAYLOADS = [
    f"<script>alert('{MARK}-1')</script>",
    f"<img src=x onerror=alert('{MARK}-2')>",
    f"<a href=\"javascript:alert('{MARK}-3')\">click</a>",
    f"</textarea></title></style><script>alert('{MARK}-4')</script>",
    f"\"><svg onload=alert('{MARK}-5')>",
    f"' onmouseover='alert(\"{MARK}-6\")' x='",
    f"<iframe srcdoc=\"<script>alert('{MARK}-7')</script>\"></iframe>",
    f"javascript:alert('{MARK}-8')",
    f"&lt;script&gt;alert('{MARK}-9')&lt;/script&gt;",
    f"<!--{MARK}--><![CDATA[{MARK}]]>",
]
DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "a", "textarea", "math"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


class _Collect(HTMLParser):
    """Every element with its attributes, and the text of every script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> _Collect:
    collected = _Collect()
    collected.feed(page)
    collected.close()
    return collected


def assert_inert(page: str, allowed_scripts: tuple[str, ...] = ()) -> None:
    """No live markup came from a payload: no event handler, no ``javascript:`` URL, no
    dangerous element carrying the marker, and no script but the ones allowed."""
    found = parse(page)
    for tag, attrs in found.elements:
        assert MARK not in tag, f"an element was injected: <{tag}>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler <{tag} {name}=...>"
            assert MARK not in name, f"an attribute was injected: <{tag} {name}>"
            text = (value or "").strip().lower()
            if name in URL_ATTRS:
                assert not text.startswith(("javascript:", "data:text/html")), (tag, name, value)
            if tag in DANGEROUS_TAGS and name != "title":
                assert MARK not in text, f"payload inside <{tag} {name}=...>"
    for script in found.scripts:
        assert MARK not in script and "alert(" not in script
        assert script.strip() in allowed_scripts, "a script the page does not ship"


def hostile_jsonl() -> str:
    """A session whose words and speaker labels are payloads; one turn is risk language, so the
    report's risk section quotes a payload too."""
    lines = [{"speaker": "Therapist", "text": "How was the week?"}]
    for i, payload in enumerate(PAYLOADS):
        lines.append({"speaker": "Patient", "text": f"I felt {payload} about it."})
        lines.append({"speaker": f"T {payload}"[:60], "text": f"You said {payload}?"})
        lines.append({"speaker": "Therapist", "text": f"What happened then, {i}?"})
    lines.append(
        {"speaker": "Patient", "text": f"I want to kill myself {PAYLOADS[0]} {PAYLOADS[1]}"}
    )
    return "\n".join(json.dumps(line) for line in lines)


def report_for(text: str, source: str = "session.jsonl") -> str:
    transcript = assign_roles(parse_transcript(text, source=source, format="jsonl"))
    return render_html(analyze_transcript(transcript, model="markers"))


def test_payloads_in_turns_and_speaker_names_are_inert_in_the_report() -> None:
    page = report_for(hostile_jsonl())
    assert_inert(page, allowed_scripts=(_SCRIPT,))
    assert len(parse(page).scripts) == 1
    # shown as text: the escaped form is in the page, the raw form is not
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page


def test_a_hostile_source_file_name_is_inert_in_the_title() -> None:
    name = f"<img src=x onerror=alert('{MARK}')>.jsonl"
    page = report_for('{"speaker": "T", "text": "hi"}\n{"speaker": "P", "text": "yo"}', name)
    assert_inert(page, allowed_scripts=(_SCRIPT,))


def test_the_checker_catches_live_markup() -> None:
    """The checker itself must fail on the pages it exists to catch."""
    for bad in (
        f"<p><img src=x onerror=alert('{MARK}')></p>",
        f"<p><script>alert('{MARK}')</script></p>",
        f"<a href=\"javascript:alert('{MARK}')\">x</a>",
        '<div title="a" onmouseover="alert(1)">x</div>',
    ):
        with pytest.raises(AssertionError):
            assert_inert(bad)


def test_the_cli_html_report_of_a_hostile_transcript_is_inert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_ENV, "markers")  # the lexical reading; no sentence model to load
    source = tmp_path / "hostile.jsonl"
    source.write_text(hostile_jsonl(), encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(source), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert_inert(out.read_text(encoding="utf-8"), allowed_scripts=(_SCRIPT,))

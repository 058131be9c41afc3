"""Property tests for every transcript reader (text, WebVTT, SRT, CSV/TSV, JSONL) and the decoder.

Two kinds of property:

* hostile input (arbitrary unicode, arbitrary bytes, soups of format fragments) either reads as a
  well-formed transcript or fails with the project's one-line InputError that never quotes the
  input (``wellformed.py``);
* round trips: turns written out in each format by an independent writer (``csv``, ``json``,
  hand-built captions) read back as the same speakers, words and times.
"""

from __future__ import annotations

import csv
import html
import io
import json
import tempfile
from itertools import groupby
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentalize.errors import InputError
from mentalize.transcript import Transcript
from mentalize.transcript.readers import FORMATS, decode_text, parse_transcript, read_transcript
from tests.property.budget import budget
from tests.property.wellformed import check_error, check_transcript

SOURCE = "session.txt"
# Stands in for a patient's words; no error message may contain it. The "!" keeps it out of the
# CSV header's list of column names, which are shown when they look like names.
SECRET = "grief!secret"

FRAGMENTS = [
    "WEBVTT", "NOTE", "-->", " --> ", "00:00:01.000", "00:00:01,000", "99:99", "[00:01]", "(1:02)",
    "1", "T:", "P: ", "Therapist:", "Dr. Ana de Souza:", "<v T>", "<v.loud P>", "<v ", "</v>",
    "<i>", "<", ">", "{\\an8}", "&amp;", "&#0;", "&", "speaker", "text", "utterance",
    "timestamp", ",", ";", "\t", '"', '""', "{", "}", "[", "]", ":", "//", "-", ">>", "10:30",
    '{"speaker": "T", "text": "x"}', '{"speaker": 1}', '"timestamp": -1', "1e999", "NaN",
    "\n", "\n\n", "\r\n", "\r", " ", "\ufeff", "\x00", "\x1b", "\x0c", "\u2028", "é", "ß", "💬",
    SECRET,
]  # fmt: skip
fragment_soup = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=80
).map("".join)
any_text = st.one_of(st.text(max_size=400), fragment_soup)
formats = st.sampled_from([None, *FORMATS])


def read_or_error(text: str, fmt: str | None) -> Transcript | None:
    """Parse, checking the result or the error against the readers' promises."""
    try:
        transcript = parse_transcript(text, source=SOURCE, format=fmt)
    except InputError as error:
        check_error(error, SOURCE)
        assert SECRET not in str(error)
        return None
    check_transcript(transcript, text, fmt, SOURCE)
    return transcript


# --------------------------------------------------------------------------- hostile input


@budget(150)
@given(text=any_text, fmt=formats)
def test_any_text_reads_as_turns_or_fails_with_one_clean_line(text: str, fmt: str | None) -> None:
    read_or_error(text, fmt)


@budget(100)
@given(
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]),
    data=st.one_of(st.binary(max_size=600), fragment_soup.map(lambda s: s.encode("utf-8"))),
    fmt=formats,
)
def test_any_bytes_decode_and_read_or_fail_cleanly(
    prefix: bytes, data: bytes, fmt: str | None
) -> None:
    """The path of a file or an upload: bytes, then the decoder, then a reader."""
    try:
        text = decode_text(prefix + data, SOURCE)
    except InputError as error:
        check_error(error, SOURCE)
        return
    assert isinstance(text, str)
    read_or_error(text, fmt)


@budget(50)
@given(
    data=st.binary(max_size=300),
    suffix=st.sampled_from([".txt", ".vtt", ".srt", ".csv", ".tsv", ".jsonl", ".ndjson", ""]),
)
def test_read_transcript_of_any_file_reads_or_fails_only_with_input_error(
    data: bytes, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"s{suffix}"
        path.write_bytes(data)
        try:
            transcript = read_transcript(path)
        except InputError as error:
            check_error(error, str(path))
            return
        check_transcript(transcript, decode_text(data, str(path)), None, str(path))


@budget(40)
@given(fragment=st.sampled_from([*FRAGMENTS, "a", "  ", "<v a", "T: a\n"]), fmt=formats)
def test_a_fragment_repeated_into_a_huge_line_reads_or_fails_cleanly(
    fragment: str, fmt: str | None
) -> None:
    """Long runs of one piece of syntax (200 kB) reach the quadratic corners of regexes; the
    regression tests in test_reader_regressions.py time the ones that were slow."""
    read_or_error("T: a\n" + fragment * (200_000 // len(fragment)), fmt)


@budget(60)
@given(
    text=st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=300).filter(
        lambda s: not s.startswith(("\ufeff", "%PDF-"))
    ),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
)
def test_decoding_gives_back_the_text_in_every_accepted_encoding(text: str, codec: str) -> None:
    assert decode_text(text.encode(codec), SOURCE) == text


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
@given(word=st.text(st.characters(min_codepoint=0xC0, max_codepoint=0xFF), min_size=1))
@budget(30)
def test_legacy_code_pages_are_refused_not_guessed(codec: str, word: str) -> None:
    """Latin-1 letters are never valid UTF-8 on their own; the decoder says so and never guesses
    (a guess would turn names into mojibake the lexicons miss)."""
    with pytest.raises(InputError) as info:
        decode_text(f"T: {word}\n".encode(codec), SOURCE)
    check_error(info.value, SOURCE)
    assert "UTF-8" in str(info.value)


# --------------------------------------------------------------------------- round trips

single_names = st.text(st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1, max_size=12)
names = st.one_of(
    single_names,
    st.sampled_from(["Therapist 1", "Dr. Ana de Souza", "Patient B", "Co-therapist", "O'Neil"]),
)
words = st.text(
    st.characters(exclude_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=60
).filter(lambda s: s.strip())
turns_strategy = st.lists(st.tuples(names, words), min_size=1, max_size=12)


def squash(text: str) -> str:
    return " ".join(text.split())


def got(transcript: Transcript) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.text) for turn in transcript.turns]


def clock(seconds: float, comma: bool = False) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    h, m, s = whole // 3600, whole // 60 % 60, whole % 60
    return f"{h:02d}:{m:02d}:{s:02d}{',' if comma else '.'}{millis:03d}"


def caption_escape(text: str) -> str:
    """Escape what caption readers strip as markup (``<...>``, ``&...;``, ``{\\...}``)."""
    return html.escape(text, quote=False).replace("{", "&#123;")


def merged(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Captions merge consecutive cues of one speaker into one turn."""
    return [
        (speaker, " ".join(squash(text) for _, text in group))
        for speaker, group in groupby(pairs, key=lambda pair: pair[0])
    ]


@budget(80)
@given(pairs=turns_strategy, timed=st.booleans())
def test_plain_text_round_trip(pairs: list[tuple[str, str]], timed: bool) -> None:
    lines = [
        (f"[{clock(i * 7.0)[:8]}] " if timed else "") + f"{name}: {text}"
        for i, (name, text) in enumerate(pairs)
    ]
    transcript = parse_transcript("\n".join(lines) + "\n", source=SOURCE, format="text")
    assert got(transcript) == [(name, squash(text)) for name, text in pairs]
    assert [t.line for t in transcript.turns] == list(range(1, len(pairs) + 1))
    assert [t.start for t in transcript.turns] == [
        (i * 7.0 if timed else None) for i in range(len(pairs))
    ]


@budget(80)
@given(pairs=turns_strategy, delimiter=st.sampled_from([",", "\t", ";"]), auto=st.booleans())
def test_csv_and_tsv_round_trip(pairs: list[tuple[str, str]], delimiter: str, auto: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["speaker", "text", "timestamp"])
    for i, (name, text) in enumerate(pairs):
        writer.writerow([name, text, f"{i * 1.5}"])
    transcript = parse_transcript(out.getvalue(), source=SOURCE, format=None if auto else "csv")
    assert transcript.format == "csv"
    assert got(transcript) == [(squash(name), squash(text)) for name, text in pairs]
    assert [t.start for t in transcript.turns] == [i * 1.5 for i in range(len(pairs))]


@budget(80)
@given(pairs=turns_strategy, ascii_only=st.booleans(), auto=st.booleans())
def test_jsonl_round_trip(pairs: list[tuple[str, str]], ascii_only: bool, auto: bool) -> None:
    lines = [
        json.dumps({"speaker": name, "text": text, "timestamp": i}, ensure_ascii=ascii_only)
        for i, (name, text) in enumerate(pairs)
    ]
    transcript = parse_transcript("\n".join(lines), source=SOURCE, format=None if auto else "jsonl")
    assert transcript.format == "jsonl"
    assert got(transcript) == [(name, squash(text)) for name, text in pairs]
    assert [t.line for t in transcript.turns] == list(range(1, len(pairs) + 1))
    assert [t.start for t in transcript.turns] == [float(i) for i in range(len(pairs))]


@budget(80)
@given(pairs=turns_strategy, auto=st.booleans())
def test_webvtt_round_trip(pairs: list[tuple[str, str]], auto: bool) -> None:
    cues = [
        f"{clock(i * 2.0)} --> {clock(i * 2.0 + 1.5)}\n<v {name}>{caption_escape(text)}\n"
        for i, (name, text) in enumerate(pairs)
    ]
    transcript = parse_transcript(
        "WEBVTT\n\n" + "\n".join(cues), source=SOURCE, format=None if auto else "vtt"
    )
    assert transcript.format == "vtt"
    assert got(transcript) == merged(pairs)
    assert transcript.turns[0].start == 0.0
    assert transcript.turns[-1].end == (len(pairs) - 1) * 2.0 + 1.5


@budget(80)
@given(pairs=turns_strategy, auto=st.booleans())
def test_srt_round_trip(pairs: list[tuple[str, str]], auto: bool) -> None:
    cues = [
        f"{i + 1}\n{clock(i * 2.0, comma=True)} --> {clock(i * 2.0 + 1.5, comma=True)}\n"
        f"{name}: {caption_escape(text)}\n"
        for i, (name, text) in enumerate(pairs)
    ]
    transcript = parse_transcript("\n".join(cues), source=SOURCE, format=None if auto else "srt")
    assert transcript.format == "srt"
    assert got(transcript) == merged(pairs)
    assert transcript.turns[-1].end == (len(pairs) - 1) * 2.0 + 1.5


@budget(60)
@given(pairs=turns_strategy, newline=st.sampled_from(["\n", "\r\n", "\r"]), bom=st.booleans())
def test_line_endings_and_bom_do_not_change_what_is_read(
    pairs: list[tuple[str, str]], newline: str, bom: bool
) -> None:
    text = "".join(f"{name}: {words}\n" for name, words in pairs)
    plain = parse_transcript(text, source=SOURCE, format="text")
    data = ("\ufeff" if bom else "") + text.replace("\n", newline)
    again = parse_transcript(decode_text(data.encode("utf-8"), SOURCE), SOURCE, format="text")
    assert got(again) == got(plain)

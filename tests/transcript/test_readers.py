"""Readers: every format, autodetection, and every kind of bad input as a clean InputError."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mentalize.errors import InputError
from mentalize.transcript import Transcript, readers
from mentalize.transcript.readers import (
    FORMATS,
    MAX_BYTES,
    UNLABELLED,
    parse_transcript,
    read_transcript,
)

# Words that stand in for patient data: no error message may ever contain them.
SECRET = "mysecretgrief"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def pairs(transcript: Transcript) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.text) for turn in transcript.turns]


def read_error(path: Path, format: str | None = None) -> InputError:
    """Read ``path`` expecting an InputError that names the file and quotes no secret text."""
    with pytest.raises(InputError) as info:
        read_transcript(path, format=format)
    error = info.value
    assert error.source == str(path)
    assert str(path) in str(error)
    assert SECRET not in str(error)
    return error


def parse_error(text: str, format: str | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        parse_transcript(text, source="session.txt", format=format)
    error = info.value
    assert str(error).startswith("session.txt")
    assert SECRET not in str(error)
    return error


# --------------------------------------------------------------------------- plain text


def test_text_basic_prefixes_and_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "T: How are you?\nP: Fine.\nTHERAPIST: And?\nCLIENT: Ok.\n")
    transcript = read_transcript(path)
    assert transcript.source == str(path)
    assert transcript.format == "text"
    assert transcript.roles == {}
    assert pairs(transcript) == [
        ("T", "How are you?"),
        ("P", "Fine."),
        ("THERAPIST", "And?"),
        ("CLIENT", "Ok."),
    ]
    assert [turn.line for turn in transcript.turns] == [1, 2, 3, 4]


def test_text_names_continuations_and_blank_lines() -> None:
    text = (
        "Therapist: What happened\n"
        "after the call?\n"
        "\n"
        "Dr. Ana de Souza: I wonder.\n"
        "Client A: She left,\n"
        "   and I felt empty.\n"
        "Mary-Jo O'Neil: me too\n"
    )
    transcript = parse_transcript(text)
    assert pairs(transcript) == [
        ("Therapist", "What happened after the call?"),
        ("Dr. Ana de Souza", "I wonder."),
        ("Client A", "She left, and I felt empty."),
        ("Mary-Jo O'Neil", "me too"),
    ]
    assert [turn.line for turn in transcript.turns] == [1, 4, 5, 7]


def test_text_consecutive_same_speaker_lines_stay_separate() -> None:
    transcript = parse_transcript("P: one\nP: two\nT: three")
    assert pairs(transcript) == [("P", "one"), ("P", "two"), ("T", "three")]


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("[00:01:02] T: hi", 62.0),
        ("00:01:02 T: hi", 62.0),
        ("[01:02] T: hi", 62.0),
        ("(1:00:00.5) T: hi", 3600.5),
        ("[00:00:03,250] - T: hi", 3.25),
    ],
)
def test_text_timestamps_are_kept(line: str, seconds: float) -> None:
    (turn,) = parse_transcript(line).turns
    assert (turn.speaker, turn.text, turn.start) == ("T", "hi", seconds)


def test_text_label_on_its_own_line_takes_following_lines() -> None:
    transcript = parse_transcript("Therapist:\nHow was it?\nPatient:\nHard.\n")
    assert pairs(transcript) == [("Therapist", "How was it?"), ("Patient", "Hard.")]


@pytest.mark.parametrize(
    "continuation",
    [
        "So I told her: no way",  # lower-case words: prose, not a name
        "Well, she said: fine",  # sentence punctuation
        "Why did you go? I asked: nothing",
        "one two three four five: too many words",
        "12: a number is not a name",
        "See https://example.org for it",
        "we met at 10:30 that day",
        "10:30 was when it started",  # a leading clock time with no label after it
        "Ratio 3:2 was the score",
    ],
)
def test_text_near_miss_prefixes_are_continuations(continuation: str) -> None:
    transcript = parse_transcript(f"P: It began.\n{continuation}\nT: I see.")
    assert transcript.speakers == ("P", "T")
    assert transcript.turns[0].text == f"It began. {continuation}"


def test_text_single_word_before_colon_is_a_label() -> None:
    """Decision: 'Note: ...' starts a turn for speaker 'Note' (roles map it to 'other')."""
    transcript = parse_transcript("T: Hello.\nNote: see below\nP: Hi.")
    assert transcript.speakers == ("T", "Note", "P")


def test_text_preamble_before_first_label_is_unlabelled() -> None:
    transcript = parse_transcript("Session 4 transcript\n\nT: Hello.\nP: Hi.")
    assert transcript.turns[0].speaker == UNLABELLED
    assert transcript.turns[0].line == 1
    assert transcript.speakers[1:] == ("T", "P")


def test_text_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "\ufeffT: hi\r\nP: yo\r\n".encode())
    assert pairs(read_transcript(path)) == [("T", "hi"), ("P", "yo")]


def test_text_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "T: grüß dich\nP: hallo\n".encode("utf-16"))
    assert pairs(read_transcript(path)) == [("T", "grüß dich"), ("P", "hallo")]


def test_text_empty_turns_are_dropped() -> None:
    transcript = parse_transcript("T:\nP: hi\nT:   \n")
    assert pairs(transcript) == [("P", "hi")]


# --------------------------------------------------------------------------- WebVTT


VTT = """WEBVTT - session 3
Kind: captions

NOTE exported by a tool
with two lines

STYLE
::cue { color: white }

intro-1
00:00:01.000 --> 00:00:03.500 align:start
<v Therapist>How did that <i>feel</i>,
when she left?</v>

00:00:04.000 --> 00:00:05.000
<v Therapist>Take your time.

00:00:06.000 --> 00:00:09.000
<v.loud Client>It was &amp; is hard.

00:00:09.500 --> 00:00:10.000
<c.yellow>and lonely</c>

01:00:00.000 --> 01:00:01.000
Therapist: Mm.
"""


def test_vtt_voices_merging_and_times(tmp_path: Path) -> None:
    transcript = read_transcript(write(tmp_path, "s.vtt", VTT))
    assert transcript.format == "vtt"
    assert pairs(transcript) == [
        ("Therapist", "How did that feel, when she left? Take your time."),
        ("Client", "It was & is hard. and lonely"),
        ("Therapist", "Mm."),
    ]
    first, second, third = transcript.turns
    assert (first.start, first.end, first.line) == (1.0, 5.0, 11)
    assert (second.start, second.end) == (6.0, 10.0)
    assert (third.start, third.end) == (3600.0, 3601.0)


def test_vtt_two_voices_in_one_cue_and_name_prefix_lines() -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v A>Hi.</v> <v B>Hello.</v>\n\n"
        "00:03.000 --> 00:04.000\n- Anna: yes\n- Ben: no\n"
    )
    assert pairs(parse_transcript(text)) == [
        ("A", "Hi."),
        ("B", "Hello."),
        ("Anna", "yes"),
        ("Ben", "no"),
    ]


def test_vtt_cue_glued_to_header_and_leading_unlabelled_cue() -> None:
    text = "WEBVTT\n00:01.000 --> 00:02.000\nMusic\n\n00:03.000 --> 00:04.000\nT: hi\n"
    transcript = parse_transcript(text)
    assert pairs(transcript) == [(UNLABELLED, "Music"), ("T", "hi")]


def test_vtt_without_any_speaker_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "s.vtt", f"WEBVTT\n\n00:01.000 --> 00:02.000\n{SECRET}\n")
    assert "no speaker labels found" in read_error(path).problem


@pytest.mark.parametrize(
    ("timing", "line"),
    [
        ("00:0a:01.000 --> 00:00:02.000", 4),
        ("00:61:00.000 --> 01:02:00.000", 4),
        ("00:00:05.000 --> 00:00:02.000", 4),
        ("00:00:01.000 -> 00:00:02.000", 4),
    ],
)
def test_vtt_bad_timestamp_names_the_line(tmp_path: Path, timing: str, line: int) -> None:
    path = write(tmp_path, "s.vtt", f"WEBVTT\n\ncue-1\n{timing}\nT: {SECRET}\n")
    error = read_error(path)
    assert error.line == line
    assert f"{path}:{line}:" in str(error)


def test_vtt_missing_header(tmp_path: Path) -> None:
    path = write(tmp_path, "s.vtt", f"T: {SECRET}\n")
    error = read_error(path)
    assert "WEBVTT" in error.problem
    assert error.line == 1


# --------------------------------------------------------------------------- SRT


SRT = """1
00:00:01,000 --> 00:00:02,000
<i>Therapist:</i> What did you
think she felt?

2
00:00:02,500 --> 00:00:03,000
Maybe angry.

3
00:00:04,000 --> 00:00:06,000
Patient: I don't know.

4
00:00:06,000 --> 00:00:07,000
<v Therapist>Let's stay with it.
"""


def test_srt_prefixes_merging_and_times(tmp_path: Path) -> None:
    transcript = read_transcript(write(tmp_path, "s.srt", SRT))
    assert transcript.format == "srt"
    assert pairs(transcript) == [
        ("Therapist", "What did you think she felt? Maybe angry."),
        ("Patient", "I don't know."),
        ("Therapist", "Let's stay with it."),
    ]
    assert [(t.start, t.end, t.line) for t in transcript.turns] == [
        (1.0, 3.0, 2),
        (4.0, 6.0, 11),
        (6.0, 7.0, 15),
    ]


def test_srt_block_without_timing_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.srt", f"1\n00:00:01,000 --> 00:00:02,000\nT: hi\n\n2\n{SECRET}\n")
    error = read_error(path)
    assert error.line == 6
    assert "timing" in error.problem


def test_srt_bad_timestamp(tmp_path: Path) -> None:
    path = write(tmp_path, "s.srt", f"1\n00:00:01,000 --> soon\nT: {SECRET}\n")
    error = read_error(path)
    assert error.line == 2
    assert "HH:MM:SS,mmm" in error.problem


# --------------------------------------------------------------------------- CSV


def test_csv_quoted_newlines_timestamps_and_row_lines(tmp_path: Path) -> None:
    content = (
        "Speaker,Text,Timestamp\n"
        'T,"What happened,\nthen?",1.5\n'
        "P,I left.,00:01:02.5\n"
        "\n"
        "P,And cried.,\n"
    )
    transcript = read_transcript(write(tmp_path, "s.csv", content))
    assert transcript.format == "csv"
    assert pairs(transcript) == [
        ("T", "What happened, then?"),
        ("P", "I left."),
        ("P", "And cried."),
    ]
    assert [(turn.line, turn.start) for turn in transcript.turns] == [
        (2, 1.5),
        (4, 62.5),
        (6, None),
    ]


@pytest.mark.parametrize(
    "content",
    [
        "speaker;utterance\nT;hi\nP;yo\n",
        "speaker\tcontent\nT\thi\nP\tyo\n",
        "id,speaker,text,extra\n1,T,hi,x\n2,P,yo\n",
    ],
)
def test_csv_aliases_and_delimiters(content: str) -> None:
    assert pairs(parse_transcript(content, format="csv")) == [("T", "hi"), ("P", "yo")]


def test_csv_missing_columns_names_them(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", f"who,said\nT,{SECRET}\n")
    error = read_error(path)
    assert error.line == 1
    assert "'who', 'said'" in error.problem
    assert "'speaker'" in error.problem and "'text'" in error.problem


def test_csv_without_header_does_not_echo_first_row(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", f"T,I felt {SECRET} and much more than that\nP,ok\n")
    assert "required" in read_error(path).problem


def test_csv_bad_timestamp_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", f"speaker,text,timestamp\nT,hi,1\nP,{SECRET},yesterday\n")
    error = read_error(path)
    assert error.line == 3
    assert "'timestamp'" in error.problem and "HH:MM:SS" in error.problem


def test_csv_empty_speaker_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", f"speaker,text\nT,hi\n,{SECRET}\n")
    error = read_error(path)
    assert error.line == 3
    assert "'speaker'" in error.problem


def test_csv_header_only(tmp_path: Path) -> None:
    assert "no rows" in read_error(write(tmp_path, "s.csv", "speaker,text\n")).problem


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (f'speaker,text\nT,hi\nP,"{SECRET}" x"\n', 3),
        (f'speaker,text\nT,hi\nP,"{SECRET}\nT,never closed\n', 3),
    ],
)
def test_csv_malformed_quoting_names_the_row(tmp_path: Path, content: str, line: int) -> None:
    error = read_error(write(tmp_path, "s.csv", content))
    assert "malformed CSV" in error.problem
    assert error.line == line


# --------------------------------------------------------------------------- JSONL


def test_jsonl_rows_timestamps_and_blank_lines(tmp_path: Path) -> None:
    rows = [
        {"speaker": "T", "text": "Hi?", "timestamp": 3},
        {"Speaker": "P", "Text": "Hello\nthere", "timestamp": "00:00:04.5"},
        {"speaker": "P", "utterance": "again", "timestamp": None},
    ]
    content = "\n".join(json.dumps(row) for row in rows[:2]) + "\n\n" + json.dumps(rows[2])
    transcript = read_transcript(write(tmp_path, "s.jsonl", content))
    assert transcript.format == "jsonl"
    assert pairs(transcript) == [("T", "Hi?"), ("P", "Hello there"), ("P", "again")]
    assert [(turn.line, turn.start) for turn in transcript.turns] == [
        (1, 3.0),
        (2, 4.5),
        (4, None),
    ]


@pytest.mark.parametrize(
    ("bad_line", "words"),
    [
        (f'{{"speaker": "P", "text": "{SECRET}"', "not valid JSON"),
        (f'["P", "{SECRET}"]', "not a JSON object"),
        (f'{{"who": "P", "text": "{SECRET}"}}', "missing key 'speaker'"),
        (f'{{"speaker": "{SECRET}"}}', "missing key 'text'"),
        ('{"speaker": "P", "text": 42}', "must be a string"),
        ('{"speaker": "P", "text": null}', "must be a string"),
        (f'{{"speaker": 7, "text": "{SECRET}"}}', "'speaker' must be a non-empty string"),
        (f'{{"speaker": "P", "text": "{SECRET}", "timestamp": "soon"}}', "'timestamp'"),
        (f'{{"speaker": "P", "text": "{SECRET}", "timestamp": -1}}', "'timestamp'"),
        (f'{{"speaker": "P", "text": "{SECRET}", "timestamp": true}}', "'timestamp'"),
    ],
)
def test_jsonl_bad_lines_name_the_line(tmp_path: Path, bad_line: str, words: str) -> None:
    content = '{"speaker": "T", "text": "ok"}\n\n' + bad_line + "\n"
    error = read_error(write(tmp_path, "s.jsonl", content))
    assert error.line == 3
    assert words in error.problem


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.txt", "WEBVTT\n\n00:01.000 --> 00:02.000\nT: hi\n", "vtt"),
        ("a", "1\n00:00:01,000 --> 00:00:02,000\nT: hi\n", "srt"),
        ("a.md", '\n{"speaker": "T", "text": "hi"}\n', "jsonl"),
        ("a.text", "Speaker,Text\nT,hi\n", "csv"),
        ("a.log", "T: hi\nP: yo\n", "text"),
        ("a.ndjson", '{"speaker": "T", "text": "hi"}\n', "jsonl"),
        ("a.TSV", "speaker\ttext\nT\thi\n", "csv"),
    ],
)
def test_format_detection(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert read_transcript(write(tmp_path, name, content)).format == expected


def test_extension_wins_over_content(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", f"T: {SECRET}\nP: yo\n")
    assert "required" in read_error(path).problem


def test_explicit_format_wins_over_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "T: hi\nP: yo\n")
    assert read_transcript(path, format="text").format == "text"
    assert read_transcript(path, format="TXT").format == "text"


def test_parse_transcript_sniffs_and_uses_source() -> None:
    transcript = parse_transcript("T: hello\nP: hi")
    assert (transcript.source, transcript.format) == ("<text>", "text")
    assert parse_transcript("WEBVTT\n\n00:01.000 --> 00:02.000\nT: a\n").format == "vtt"


def test_formats_constant() -> None:
    assert FORMATS == ("text", "vtt", "srt", "csv", "jsonl")
    assert MAX_BYTES == 20 * 1024 * 1024


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    error = read_error(tmp_path / "nope.txt")
    assert error.problem == "file not found"
    assert error.line is None


def test_directory(tmp_path: Path) -> None:
    assert "directory" in read_error(tmp_path).problem


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_by_permissions(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", f"T: {SECRET}\n")
    path.chmod(0)
    try:
        assert "permission denied" in read_error(path).problem
    finally:
        path.chmod(0o600)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "s.txt", f"T: {SECRET}\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(readers, "open", refuse, raising=False)
    assert read_error(path).problem == "file cannot be read (permission denied)"


@pytest.mark.parametrize("content", ["", "   \n\t\n\r\n", "\ufeff\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    error = read_error(write(tmp_path, "s.txt", content))
    assert error.problem == "file is empty; expected a transcript with lines like 'T: ...'"


def test_empty_string() -> None:
    assert parse_error("  \n").problem.startswith("text is empty")


def test_too_large_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:  # sparse: no 20 MiB written to disk
        handle.truncate(MAX_BYTES + 1)
    error = read_error(path)
    assert "20 MiB limit" in error.problem


def test_too_large_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_BYTES", 10)
    assert "limit" in parse_error(f"T: {SECRET} {SECRET}").problem


@pytest.mark.parametrize(
    "content",
    [
        b"T: hi\x00\x00\x01 there",
        b"%PDF-1.7\n" + SECRET.encode(),
        b"PK\x03\x04" + SECRET.encode(),
        bytes(range(1, 9)) * 20 + SECRET.encode(),
    ],
)
def test_binary_file(tmp_path: Path, content: bytes) -> None:
    error = read_error(write(tmp_path, "s.txt", content))
    assert "looks like a binary file" in error.problem
    assert "not a text transcript" in error.problem


def test_binary_string() -> None:
    assert parse_error("T: hi\x00 there").problem.startswith("looks like binary data")


def test_utf32_nul_characters_are_binary_after_utf16_decode(tmp_path: Path) -> None:
    # A UTF-16 BOM followed by NUL characters is not a transcript either.
    path = write(tmp_path, "s.txt", b"\xff\xfe" + "T: a\x00b".encode("utf-16-le"))
    assert "binary" in read_error(path).problem


@pytest.mark.parametrize(("codec", "name"), [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
def test_utf16_without_bom_is_named(tmp_path: Path, codec: str, name: str) -> None:
    # Windows tools sometimes drop the BOM: say UTF-16, not "binary", so the fix is clear.
    for text in ("T: Olá, como está?\nP: Não sei.\n", "T: Как дела?\nP: Не знаю.\n"):
        error = read_error(write(tmp_path, "s.txt", text.encode(codec)))
        assert error.problem == (
            f"looks like {name} text without a byte-order mark; save it as UTF-8"
        )


def test_binary_with_nul_bytes_is_not_taken_for_utf16(tmp_path: Path) -> None:
    import random

    noise = random.Random(5).randbytes(4096)
    for content in (b"\x7fELF\x02\x01\x01" + b"\x00" * 64 + noise, b"\x00" * 100, noise):
        assert "looks like a binary file" in read_error(write(tmp_path, "s.bin", content)).problem


def test_not_utf8_names_offset_and_line(tmp_path: Path) -> None:
    content = f"T: hello\nP: {SECRET} caf".encode() + b"\xe9 ok\n"  # latin-1 é
    error = read_error(write(tmp_path, "s.txt", content))
    assert error.line == 2
    offset = content.index(b"\xe9")
    assert f"byte offset {offset}" in error.problem
    assert "save it as UTF-8" in error.problem


def test_bad_utf16(tmp_path: Path) -> None:
    content = b"\xff\xfe" + "T: hi".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    error = read_error(write(tmp_path, "s.txt", content))
    assert "not valid UTF-16" in error.problem and "save it as UTF-8" in error.problem


def test_unknown_format_lists_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "T: hi\n")
    error = read_error(path, format="docx")
    assert "unknown format 'docx'" in error.problem
    assert "text, vtt, srt, csv, jsonl" in error.problem


def test_unknown_format_checked_before_the_file(tmp_path: Path) -> None:
    assert "unknown format" in read_error(tmp_path / "missing.txt", format="xml").problem


def test_no_speaker_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", f"I felt {SECRET} all week.\nAnd then it rained.\n")
    error = read_error(path)
    assert error.problem == (
        "no speaker labels found; expected lines like 'T: ...' or 'Therapist: ...'"
    )


def test_all_turns_empty(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "s.txt", "T:\nP:   \n\nT:\n"))
    assert "all turns are empty" in error.problem


def test_all_turns_empty_csv() -> None:
    assert "all turns are empty" in parse_error("speaker,text\nT,\nP, \n").problem


def test_messages_never_quote_text_across_formats() -> None:
    """A wrong forced format must fail without echoing what it could not parse."""
    text = f"T: {SECRET}\nP: {SECRET}?\n"
    for fmt in ("vtt", "srt", "csv", "jsonl"):
        parse_error(text, format=fmt)


# --------------------------------------------------------------------------- RTF (issue 19)

RTF = (
    b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 T: hello\\par P: " + SECRET.encode() + b"}"
)
RTF_ADVICE = "File > Save As > Plain Text (.txt)"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("session.rtf", RTF),  # extension and content
        ("session.txt", RTF),  # content: a renamed export was sniffed as JSONL before
        ("session.txt", b"\xef\xbb\xbf\n  " + RTF),  # BOM and leading whitespace
        ("session.txt", RTF + b"\\'e9 caf\xe9"),  # raw code-page bytes: RTF, not "not UTF-8"
        ("session.RTF", b"T: hello\nP: " + SECRET.encode()),  # extension alone
    ],
)
def test_rtf_file_is_named_with_how_to_export_text(
    tmp_path: Path, name: str, content: bytes
) -> None:
    error = read_error(write(tmp_path, name, content))
    assert error.problem.startswith("is an RTF document")
    assert RTF_ADVICE in error.problem
    assert "JSON" not in error.problem and error.line is None


def test_rtf_string_is_named() -> None:
    assert parse_error(RTF.decode("latin-1")).problem.startswith("is an RTF document")


def test_rtf_extension_with_a_format_given_reads_the_content(tmp_path: Path) -> None:
    # --format says the user knows better than the extension; RTF content still fails.
    path = write(tmp_path, "s.rtf", "T: What happened?\nP: I don't know.\n")
    assert pairs(read_transcript(path, format="text"))[0] == ("T", "What happened?")
    assert read_error(write(tmp_path, "r.rtf", RTF), format="text").problem.startswith("is an RTF")

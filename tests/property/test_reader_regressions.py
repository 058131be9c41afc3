"""Regression tests for what fuzzing and the property tests found in the readers and the scorer.

Every input in the fuzzer's checked-in corpus (``fuzz/corpus/readers``, crashes included as
``regress_*``) is replayed through the harness's own check, so a crash found once fails here
for good, without atheris. The slow inputs are timed with a generous bound: each took 10-20 s or
more before its fix and takes milliseconds after, so the bound only trips on a real regression.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mentalize import instruments
from mentalize.errors import InputError
from mentalize.transcript.readers import decode_text, parse_transcript
from tests.property.wellformed import check_error, check_transcript

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "readers"
CHOICES = (None, "text", "vtt", "srt", "csv", "jsonl")  # fuzz/fuzz_readers.py's first byte
SOURCE = "fuzz-input"


@pytest.mark.parametrize("seed", sorted(CORPUS.iterdir()), ids=lambda p: p.name)
def test_every_fuzz_corpus_input_reads_or_fails_cleanly(seed: Path) -> None:
    data = seed.read_bytes()
    fmt = CHOICES[data[0] % len(CHOICES)]
    try:
        text = decode_text(data[1:], SOURCE)
        transcript = parse_transcript(text, source=SOURCE, format=fmt)
    except InputError as error:
        check_error(error, SOURCE)
        return
    check_transcript(transcript, text, fmt, SOURCE)


def test_corpus_holds_every_format_and_the_crashes() -> None:
    names = {p.name for p in CORPUS.iterdir()}
    assert {p[0] for p in (path.read_bytes()[:1].decode() for path in CORPUS.iterdir())} >= set(
        "012345"
    )
    assert {n for n in names if n.startswith("regress_")} >= {
        "regress_many_blank_lines",
        "regress_csv_speaker_newline",
        "regress_cues_out_of_order",
    }


def test_more_than_64_blank_lines_before_the_first_turn() -> None:
    """Crash 1 (atheris): format sniffing looked at the first 64 lines only and indexed an empty
    list (IndexError) when they were all blank."""
    transcript = parse_transcript("\n" + "\r" * 150 + "T: hello\nP: hi\n")
    assert [(t.speaker, t.text) for t in transcript.turns] == [("T", "hello"), ("P", "hi")]


def test_a_speaker_cell_with_a_quoted_line_break_is_one_label() -> None:
    """Crash 2 (atheris): a quoted CSV cell (or a JSON string) carried a line break into the
    speaker's label; labels are now whitespace-squashed like turn text."""
    csv_text = 'speaker,text\n"Dr.\nAna",hello\nP,hi\n'
    assert parse_transcript(csv_text).turns[0].speaker == "Dr. Ana"
    jsonl = '{"speaker": "T  \\n 1", "text": "x"}\n'
    assert parse_transcript(jsonl).turns[0].speaker == "T 1"


def test_a_speaker_really_named_unknown_is_a_labelled_speaker() -> None:
    """Found by the line-ending property test: the placeholder name for lines before any label
    ("UNKNOWN") doubled as the "unlabelled" marker, so a transcript whose only speaker a
    transcription tool had called "UNKNOWN" was refused as having no labels."""
    text = parse_transcript("UNKNOWN: 0\n", format="text")
    assert [(t.speaker, t.text) for t in text.turns] == [("UNKNOWN", "0")]
    vtt = parse_transcript("WEBVTT\n\n00:00.000 --> 00:01.000\n<v UNKNOWN>hello\n")
    assert [(t.speaker, t.text) for t in vtt.turns] == [("UNKNOWN", "hello")]
    with pytest.raises(InputError, match="no speaker labels"):
        parse_transcript("a title line\nand nothing labelled\n", format="text")
    with pytest.raises(InputError, match="no speaker labels"):
        parse_transcript("WEBVTT\n\n00:00.000 --> 00:01.000\nno voice here\n")


def test_cues_out_of_time_order_never_end_a_turn_before_it_starts() -> None:
    """Crash 3 (atheris): merging a speaker's cues took the last cue's end even when it was
    earlier than the first cue's start."""
    vtt = (
        "WEBVTT\n\n10:00:01.000 --> 10:00:04.000\n<v T>first\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v T>second\n"
    )
    turn = parse_transcript(vtt).turns[0]
    assert turn.text == "first second"
    assert turn.start == 36001.0 and turn.end == 36004.0


def test_a_json_integer_over_4300_digits_is_invalid_json_not_a_traceback() -> None:
    """json.loads raises a bare ValueError (not JSONDecodeError) for integers longer than
    Python's int_max_str_digits; the reader caught only JSONDecodeError."""
    line = '{"speaker": "T", "text": "x", "timestamp": ' + "1" * 5000 + "}"
    with pytest.raises(InputError, match="not valid JSON"):
        parse_transcript(line, format="jsonl")


SLOW_BEFORE = {
    # 20 kB of spaces (or other whitespace) before the words: the speaker-label regex traded
    # spaces between "^\s*" and the name (20 s before the fix).
    "spaces": "T: a\n" + " " * 20_000 + "x\n",
    "tabs": "T: a\n" + "\t" * 20_000 + "x\n",
    "no-break spaces": "T: a\n" + "\u00a0" * 20_000 + "x\n",
    # unclosed "<v" voice tags: the voice regex scanned past other tags (quadratic)
    "voice tags": "WEBVTT\n\n00:00.000 --> 00:01.000\n" + "<v a" * 50_000,
    "voice spaces": "WEBVTT\n\n00:00.000 --> 00:01.000\n<v" + " " * 50_000 + "x",
    # a cue of many unlabelled lines: the words were appended to one string per line
    "cue lines": "WEBVTT\n\n00:00.000 --> 00:01.000\nT: a\n" + "word word\n" * 300_000,
}


@pytest.mark.parametrize("name", SLOW_BEFORE)
def test_inputs_that_were_slow_now_read_in_linear_time(name: str) -> None:
    started = time.perf_counter()
    try:
        parse_transcript(SLOW_BEFORE[name], source=SOURCE)
    except InputError as error:
        check_error(error, SOURCE)
    assert time.perf_counter() - started < 3.0, f"{name}: reading is slow again"


def test_an_answer_of_thousands_of_digits_is_out_of_range_not_a_traceback() -> None:
    """int() refuses strings over 4300 digits with a bare ValueError; the scorer now says the
    answer is out of range (leading zeros still count as the number they spell)."""
    with pytest.raises(InputError, match=r"phq9 item 1: '1111.*out of range"):
        instruments.score("phq9", ["1" * 5000] + [0] * 8)
    assert instruments.score("phq9", ["+0000000002"] + [0] * 8).scores["total"] == 2


def test_a_change_score_too_large_for_a_float_is_refused() -> None:
    """math.isfinite raised OverflowError for an int beyond float range."""
    with pytest.raises(InputError, match=r"phq9 --pre: must be a number"):
        instruments.compare("phq9", 10**400, 3)


def test_an_answer_with_a_line_break_gives_a_one_line_error() -> None:
    """Found by the instruments' property test: the quoted answer carried its line break into
    the message, which is promised as one line (a log line must not split in two)."""
    with pytest.raises(InputError) as info:
        instruments.score("phq9", [0, 0, "0\n0"] + [0] * 6)
    assert str(info.value).startswith("phq9 item 3: '0\\n0' is not a whole number")
    assert str(info.value).isprintable()


def test_a_file_name_with_control_characters_gives_a_one_line_error() -> None:
    with pytest.raises(InputError) as info:
        parse_transcript("no labels here\n", source="odd\nname\x1b.txt", format="text")
    assert str(info.value).startswith("odd\\nname\\x1b.txt: no speaker labels found")
    assert info.value.source == "odd\\nname\\x1b.txt"

"""``mentalize batch``: inputs, tables, errors, resume, interruption, workers, bad output."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mentalize
from mentalize.batch.inputs import expand_paths, text_units
from mentalize.cli import app
from mentalize.errors import InputError
from mentalize.outputs.tables import SESSION_COLUMN_NAMES, TURN_COLUMN_NAMES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = ("attuned_session.txt", "misattuned_session.vtt", "group_session.csv")

runner = CliRunner()


def _session(n: int, turns: int = 6) -> str:
    """A small synthetic transcript whose content differs with ``n``."""
    lines = []
    for i in range(turns):
        if i % 2 == 0:
            lines.append(f"T: What do you think was going on for you on day {n + i}?")
        else:
            lines.append(f"P: I felt he never listens, it was {n * 7 + i} times, I just knew.")
    return "\n".join(lines) + "\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    for name in EXAMPLE_FILES[:2]:
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    (folder / "sub" / EXAMPLE_FILES[2]).write_bytes((EXAMPLES / EXAMPLE_FILES[2]).read_bytes())
    (folder / "sub" / "notes.md").write_text("not a transcript\n")
    return folder


def _batch(*args: str) -> object:
    return runner.invoke(app, ["batch", *args, "--markers-only", "--quiet"])


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- inputs


def test_expand_paths_files_folders_globs(corpus: Path) -> None:
    found = expand_paths([str(corpus)])
    assert [p.name for p in found] == [
        "attuned_session.txt",
        "misattuned_session.vtt",
        "group_session.csv",
    ]  # sorted, recursive, notes.md skipped
    by_glob = expand_paths([str(corpus / "*.vtt"), str(corpus / "**" / "*.csv")])
    assert [p.name for p in by_glob] == ["misattuned_session.vtt", "group_session.csv"]
    twice = expand_paths([str(corpus / "attuned_session.txt"), str(corpus)])
    assert len(twice) == 3  # each file once


@pytest.mark.parametrize("raw", ["missing.txt", "nothing-*.vtt"])
def test_expand_paths_names_what_is_missing(tmp_path: Path, raw: str) -> None:
    with pytest.raises(InputError, match=r"not found|matches no files"):
        expand_paths([str(tmp_path / raw)])


# --------------------------------------------------------------------------- tables


def test_tables_hold_every_turn_and_session(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _batch(str(corpus), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "3 inputs analysed" in result.output and "0 errors" in result.output
    turns = _rows(out / "turns.csv")
    sessions = _rows(out / "sessions.csv")
    assert list(turns[0]) == list(TURN_COLUMN_NAMES)
    assert list(sessions[0]) == list(SESSION_COLUMN_NAMES)
    assert len(sessions) == 3
    expected = mentalize.analyze(corpus / "attuned_session.txt", model="markers")
    mine = [r for r in turns if r["source"].endswith("attuned_session.txt")]
    assert len(mine) == len(expected.turns)
    for row, turn in zip(mine, expected.turns, strict=True):
        assert int(row["turn"]) == turn.index
        assert row["speaker"] == turn.speaker and row["role"] == turn.role
        assert row["text"] == turn.text
        assert float(row["arousal"]) == turn.arousal
        assert row["moves"] == ";".join(turn.moves)
        evidence = json.loads(row["evidence"])
        assert [(e["marker"], e["start"], e["end"]) for e in evidence] == [
            (e.marker, e.start, e.end) for e in turn.evidence
        ]
    first = sessions[0]
    assert first["source"].endswith("attuned_session.txt")
    assert int(first["turns"]) == len(expected.turns)
    assert float(first["calibration"]) == expected.session.calibration
    assert (
        int(first["n_curious_question"]) == expected.session.intervention_counts["curious_question"]
    )
    assert (out / "errors.csv").read_text().splitlines() == ["file,reason"]


def test_bad_file_goes_to_errors_and_run_goes_on(corpus: Path, tmp_path: Path) -> None:
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (corpus / "empty.vtt").write_text("")
    out = tmp_path / "out"
    result = _batch(str(corpus), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "2 errors" in result.output
    errors = _rows(out / "errors.csv")
    assert sorted(Path(e["file"]).name for e in errors) == ["broken.txt", "empty.vtt"]
    assert all(e["reason"] and "\n" not in e["reason"] for e in errors)
    assert len(_rows(out / "sessions.csv")) == 3


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_texts_sources_keep_ids(tmp_path: Path, kind: str) -> None:
    texts = ["I feel nobody ever listens to me.", "I wonder why she said that.", "Fine."]
    source = tmp_path / f"answers.{kind}"
    if kind == "csv":
        with open(source, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["rid", "answer"])
            writer.writerows([[f"r{i}", t] for i, t in enumerate(texts)])
    else:
        source.write_text(
            "".join(json.dumps({"rid": f"r{i}", "answer": t}) + "\n" for i, t in enumerate(texts))
        )
    out = tmp_path / "out"
    result = _batch(
        str(source), "--texts", "--text-column", "answer", "--id-column", "rid", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out / "turns.csv")
    expected = mentalize.analyze_utterances(texts, role="patient", model="markers")
    assert [r["text_id"] for r in rows] == ["r0", "r1", "r2"]
    assert [r["text"] for r in rows] == texts
    assert [float(r["mentalizing"]) for r in rows] == [t.mentalizing for t in expected]
    assert {r["role"] for r in rows} == {"patient"}
    assert _rows(out / "sessions.csv") == []


def test_texts_turn_numbers_run_across_slices(tmp_path: Path) -> None:
    source = tmp_path / "t.jsonl"
    source.write_text("".join(json.dumps({"text": f"text {i}"}) + "\n" for i in range(5)))
    units = list(text_units(source, per_unit=2))
    assert [u.offset for u in units] == [0, 2, 4]
    assert len({u.key for u in units}) == 3


def test_texts_missing_column_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("id,body\n1,hello\n")
    out = tmp_path / "out"
    result = _batch(str(source), "--texts", "--out", str(out))
    assert result.exit_code == 2
    assert "t.csv: no column 'text' (--text-column); columns: 'id', 'body'" in result.output
    assert not out.exists()


# --------------------------------------------------------------------------- resume


def test_rerun_skips_unchanged_redoes_changed_and_force(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _batch(str(corpus), "--out", str(out), "--workers", "1").exit_code == 0
    before = (out / "turns.csv").read_bytes()

    again = _batch(str(corpus), "--out", str(out), "--workers", "1")
    assert "0 inputs analysed, 3 unchanged skipped" in again.output
    assert (out / "turns.csv").read_bytes() == before

    changed = corpus / "attuned_session.txt"
    changed.write_text(changed.read_text() + "P: And one more thing I noticed.\n")
    redo = _batch(str(corpus), "--out", str(out), "--workers", "1")
    assert "1 inputs analysed, 2 unchanged skipped" in redo.output
    rows = [r for r in _rows(out / "turns.csv") if r["source"].endswith("attuned_session.txt")]
    assert rows[-1]["text"] == "And one more thing I noticed."

    forced = _batch(str(corpus), "--out", str(out), "--workers", "1", "--force")
    assert "3 inputs analysed, 0 unchanged skipped" in forced.output


def test_one_and_two_workers_give_identical_tables(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(12):
        (corpus / f"s{n:02d}.txt").write_text(_session(n))
    for name in EXAMPLE_FILES:
        (corpus / name).write_bytes((EXAMPLES / name).read_bytes())
    for n in range(3):
        (corpus / f"broken{n}.vtt").write_text("")
    one, two = tmp_path / "one", tmp_path / "two"
    assert _batch(str(corpus), "--out", str(one), "--workers", "1").exit_code == 0
    result = _batch(str(corpus), "--out", str(two), "--workers", "2")
    assert result.exit_code == 0, result.output
    for table in ("turns.csv", "sessions.csv", "errors.csv"):
        assert (one / table).read_bytes() == (two / table).read_bytes(), table
    assert len(_rows(two / "errors.csv")) == 3


def _start_batch(corpus: Path, out: Path, workers: int) -> subprocess.Popen[bytes]:
    code = "from mentalize.cli import main; main()"
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "batch",
            str(corpus),
            "--out",
            str(out),
            "--markers-only",
            "--quiet",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_done(out: Path, at_least: int, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = len(list((out / "parts" / "done").glob("*.json"))) if out.exists() else 0
        if done >= at_least:
            return done
        if proc.poll() is not None:
            pytest.fail("batch finished before it could be interrupted; make the corpus bigger")
        time.sleep(0.02)
    pytest.fail("batch made no progress")


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "big"
    folder.mkdir()
    for n in range(200):
        (folder / f"s{n:03d}.txt").write_text(_session(n, turns=40))
    return folder


@pytest.mark.parametrize(
    ("sig", "workers"), [(signal.SIGKILL, 1), (signal.SIGINT, 1), (signal.SIGINT, 2)]
)
def test_interrupted_run_leaves_readable_output(
    big_corpus: Path, tmp_path: Path, sig: signal.Signals, workers: int
) -> None:
    out = tmp_path / "out"
    proc = _start_batch(big_corpus, out, workers)
    try:
        _wait_for_done(out, 5, proc)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # never leave a stuck run behind, even when the test fails
            proc.kill()
            proc.wait()
    done = {json.loads(p.read_text())["source"] for p in (out / "parts" / "done").glob("*.json")}
    assert 5 <= len(done) < 200
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert b"interrupted" in proc.stderr.read()  # type: ignore[union-attr]
        sources = {r["source"] for r in _rows(out / "turns.csv")}
        assert sources == done  # every finished input, and only those
    # Every part file is complete and readable, whatever moment the run died.
    for part in (out / "parts" / "turns").glob("*.csv"):
        rows = _rows(part)
        assert rows and list(rows[0]) == list(TURN_COLUMN_NAMES)
    # The next run finishes the rest without redoing what was done.
    result = _batch(str(big_corpus), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert f"{200 - len(done)} inputs analysed, {len(done)} unchanged skipped" in result.output
    assert len(_rows(out / "sessions.csv")) == 200


def _worker_pids(parent: int) -> list[int]:
    """The ``spawn``ed worker processes under ``parent`` (not multiprocessing's resource
    tracker), from /proc."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == parent and b"spawn_main" in cmdline:
            pids.append(int(status.parent.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_worker_killed_mid_run_fails_clearly_and_keeps_what_finished(
    big_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = _start_batch(big_corpus, out, workers=2)
    try:
        _wait_for_done(out, 5, proc)
        workers = _worker_pids(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read().decode()  # type: ignore[union-attr]
    assert proc.returncode == 1
    assert "worker process died" in stderr and "re-run" in stderr
    assert "Traceback" not in stderr
    done = {json.loads(p.read_text())["source"] for p in (out / "parts" / "done").glob("*.json")}
    assert 5 <= len(done) < 200
    assert {r["source"] for r in _rows(out / "turns.csv")} == done
    # A re-run finishes the rest; the result is the same as one clean run.
    result = _batch(str(big_corpus), "--out", str(out), "--workers", "2")
    assert result.exit_code == 0, result.output
    clean = tmp_path / "clean"
    assert _batch(str(big_corpus), "--out", str(clean), "--workers", "1").exit_code == 0
    for table in ("turns.csv", "sessions.csv"):
        assert (out / table).read_bytes() == (clean / table).read_bytes(), table


def test_memory_does_not_grow_with_the_corpus(tmp_path: Path) -> None:
    """Streaming, not collecting: twenty times the inputs must cost no more memory. Measured in
    this process (one worker runs in-process) with tracemalloc, which counts Python allocations
    made during the run; bench/batch_throughput.py measures RSS."""
    import tracemalloc

    from mentalize.batch import engine, inputs

    mentalize.analyze_utterances(["Warm the marker model first."], model="markers")
    peaks = []
    for count in (20, 400):
        folder = tmp_path / f"c{count}"
        folder.mkdir()
        for n in range(count):
            (folder / f"s{n:04d}.txt").write_text(_session(n, turns=40))
        paths = inputs.expand_paths([str(folder)])
        options = engine.Options(out=tmp_path / f"out{count}", model="markers", workers=1)
        tracemalloc.start()
        summary = engine.run(inputs.file_units(paths), options)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert summary.files == count and summary.turns == 40 * count
    # Holding the 16,000 rows of the larger run would take over 20 MB more; streaming costs the
    # same whatever the count (measured: within 0.2 MB).
    assert peaks[1] - peaks[0] < 4_000_000, f"peak {peaks[0]:,} B vs {peaks[1]:,} B"


# --------------------------------------------------------------------------- bad options


def test_output_folder_that_is_a_file_is_refused(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    result = _batch(str(corpus), "--out", str(target))
    assert result.exit_code == 2
    assert "is a file; give a folder" in result.output
    assert target.read_text() == "x"


def test_output_folder_with_missing_parent_is_refused(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "out"
    result = _batch(str(corpus), "--out", str(target))
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_bad_input_fails_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _batch(str(tmp_path / "missing"), "--out", str(out))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "missing: file or folder not found" in result.output
    assert not out.exists()


def test_unknown_format_is_one_line(corpus: Path, tmp_path: Path) -> None:
    result = _batch(str(corpus), "--out", str(tmp_path / "o"), "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format 'xlsx': expected one of: parquet, csv" in result.output


def test_parquet_without_pyarrow_names_the_extra(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "out"
    result = _batch(str(corpus), "--out", str(out), "--format", "parquet")
    assert result.exit_code == 2
    assert "mentalize[corpus]" in result.output
    assert result.output.strip().count("\n") == 0
    assert not out.exists()


def test_parquet_matches_csv(corpus: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="Parquet needs mentalize[corpus]")
    assert _batch(str(corpus), "--out", str(tmp_path / "c"), "--workers", "1").exit_code == 0
    result = _batch(str(corpus), "--out", str(tmp_path / "p"), "--format", "parquet")
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "p" / "turns.parquet")
    assert table.column_names == list(TURN_COLUMN_NAMES)
    assert str(table.schema.field("turn").type) == "int64"
    assert str(table.schema.field("minimal").type) == "bool"
    from_csv = _rows(tmp_path / "c" / "turns.csv")
    assert table.num_rows == len(from_csv)
    assert table.column("text").to_pylist() == [r["text"] for r in from_csv]
    assert table.column("arousal").to_pylist() == [float(r["arousal"]) for r in from_csv]
    # The parts folder reads as one dataset too (what an interrupted run leaves).
    assert pq.read_table(tmp_path / "p" / "parts" / "turns").num_rows == table.num_rows


def test_import_loads_no_table_libraries() -> None:
    code = (
        "import sys, mentalize, mentalize.cli, mentalize.batch.engine;"
        "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_parts_hold_no_temporary_files_after_a_run(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _batch(str(corpus), "--out", str(out), "--workers", "2").exit_code == 0
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert sorted(os.listdir(out / "parts")) == ["done", "sessions", "turns"]

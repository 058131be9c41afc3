"""The Dask engine gives the local engine's tables, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.cli import app

pytest.importorskip("distributed", reason="Dask is the optional extra mentalize[dask]")

SESSIONS = [
    "T: How did you feel when he left?\nP: I don't know. He always does that, he hates me.\n",
    "Therapist: What was going on in your mind?\nClient A: Nothing, it just happened.\n"
    "Client B: I wondered if she felt pushed away.\nTherapist: Mm, say more?\n",
    "T: Shall we look at the week?\nP: I felt ashamed and angry, and I kept thinking about it.\n"
    "T: What do you make of that?\nP: Maybe I was scared she would leave.\n",
]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(8):
        (folder / f"s{number}.txt").write_text(SESSIONS[number % 3], encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x00\x01 not a transcript")
    return folder


def run(args: list[str]) -> str:
    result = CliRunner().invoke(app, ["batch", *args, "-q"])
    assert result.exit_code == 0, result.output
    return result.output


def test_dask_local_matches_local_processes(corpus: Path, tmp_path: Path) -> None:
    local, dask = tmp_path / "local", tmp_path / "dask"
    run([str(corpus), "--out", str(local), "--workers", "2", "--markers-only"])
    out = run([str(corpus), "--out", str(dask), "--dask-local", "2", "--markers-only"])
    assert "8 inputs analysed" in out and "1 error" in out
    for name in ("turns.csv", "sessions.csv", "errors.csv"):
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name
    again = run([str(corpus), "--out", str(dask), "--dask-local", "2", "--markers-only"])
    assert "8 unchanged skipped" in again


def test_dask_options_are_checked_before_work(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    both = CliRunner().invoke(
        app, ["batch", str(corpus), "--out", str(out), "--dask", "tcp://x:1", "--dask-local", "2"]
    )
    assert both.exit_code == 2 and "give one of them" in both.output
    workers = CliRunner().invoke(
        app, ["batch", str(corpus), "--out", str(out), "--dask-local", "2", "--workers", "2"]
    )
    assert workers.exit_code == 2 and "--workers" in workers.output
    assert not out.exists()


def test_unreachable_scheduler_is_one_clear_line(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentalize.batch import dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", "1s")
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(corpus),
            "--out",
            str(tmp_path / "out"),
            "--dask",
            "tcp://127.0.0.1:9",
            "--markers-only",
            "-q",
        ],
    )
    assert result.exit_code != 0
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert not (tmp_path / "out").exists()


def test_remote_scheduler_run_matches_local(corpus: Path, tmp_path: Path) -> None:
    """--dask ADDRESS: connect to a scheduler this test starts (the way a cluster's is reached)."""
    from distributed import LocalCluster

    local = tmp_path / "local"
    run([str(corpus), "--out", str(local), "--workers", "1", "--markers-only"])
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        remote = tmp_path / "remote"
        run(
            [
                str(corpus),
                "--out",
                str(remote),
                "--dask",
                cluster.scheduler_address,
                "--markers-only",
            ]
        )
    for name in ("turns.csv", "sessions.csv", "errors.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name

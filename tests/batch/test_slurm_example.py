"""The Slurm recipe of docs/batch.md (examples/slurm_dask.py), run end to end.

There is no Slurm here, so ``sbatch``/``scancel`` are stand-ins on PATH that run the job script
dask-jobqueue writes as a local background process (and kill it). Everything else is real: the
SLURMCluster's scheduler, the job script's prologue and worker command, the workers joining, and
``mentalize batch --dask ADDRESS`` writing the same tables as a local run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("dask_jobqueue", reason="dask-jobqueue is not installed (test extra)")
pytest.importorskip("distributed", reason="Dask distributed is not installed (mentalize[dask])")

from mentalize.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "slurm_dask.py"

SBATCH = """#!/bin/sh
# Stand-in for Slurm's sbatch: run the job script (copied: dask-jobqueue deletes it) in its own
# session, log to the job folder, and answer as sbatch does.
copy="{jobs}/job.$$.sh"
cp "$1" "$copy"
setsid bash "$copy" > "{jobs}/job.$$.log" 2>&1 &
echo "Submitted batch job $!"
"""
SCANCEL = """#!/bin/sh
for job in "$@"; do kill -TERM -- "-$job" 2>/dev/null || kill -TERM "$job" 2>/dev/null; done
exit 0
"""


def _fake_slurm(folder: Path) -> dict[str, str]:
    bin_dir, jobs = folder / "bin", folder / "jobs"
    bin_dir.mkdir()
    jobs.mkdir()
    for name, text in (("sbatch", SBATCH.format(jobs=jobs)), ("scancel", SCANCEL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_print_script_shows_the_job(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--print-script",
            "--queue",
            "compute",
            "--account",
            "my-project",
            "--cores",
            "4",
            "--memory",
            "8GB",
            "--walltime",
            "01:00:00",
            "--environment",
            "/shared/venvs/mentalize",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_fake_slurm(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for line in (
        "#SBATCH -p compute",
        "#SBATCH -A my-project",
        "#SBATCH --cpus-per-task=4",
        "#SBATCH -t 01:00:00",
        "source /shared/venvs/mentalize/bin/activate",
        "export MENTALIZE_THREADS=1",
    ):
        assert line in script, line
    assert "--nthreads 1" in script and "--nworkers 4" in script
    assert not list((tmp_path / "jobs").iterdir())  # nothing submitted


def _session(n: int) -> str:
    return "".join(
        f"T: What was going on for you on day {n + i}?\n"
        if i % 2 == 0
        else f"P: He never listens, {n * 3 + i} times, I just knew it.\n"
        for i in range(12)
    )


def test_batch_runs_on_the_slurm_cluster_like_a_local_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(24):
        (corpus / f"s{n:02d}.txt").write_text(_session(n))
    env = _fake_slurm(tmp_path)
    cluster = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLE),
            "--jobs",
            "1",
            "--cores",
            "2",
            "--memory",
            "2GB",
            "--walltime",
            "00:10:00",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        address = cluster.stdout.readline().strip()  # type: ignore[union-attr]
        assert address.startswith("tcp://"), cluster.stderr.read()  # type: ignore[union-attr]
        _wait_for_workers(address, 2)
        out, local = tmp_path / "slurm", tmp_path / "local"
        runner = CliRunner()
        result = runner.invoke(
            app,
            ["batch", str(corpus), "--out", str(out), "--dask", address, "--markers-only", "-q"],
        )
        assert result.exit_code == 0, result.output
        assert "24 inputs analysed" in result.output
        result = runner.invoke(
            app,
            ["batch", str(corpus), "--out", str(local), "--workers", "1", "--markers-only", "-q"],
        )
        assert result.exit_code == 0, result.output
        for table in ("turns.csv", "sessions.csv"):
            assert (out / table).read_bytes() == (local / table).read_bytes(), table
    finally:
        cluster.send_signal(signal.SIGINT)
        try:
            cluster.wait(timeout=60)
        finally:
            if cluster.poll() is None:
                cluster.kill()
                cluster.wait()
    assert cluster.returncode == 0
    # Stopping the cluster cancelled the job: its workers are gone.
    deadline = time.monotonic() + 30
    while _job_processes(tmp_path / "jobs") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _job_processes(tmp_path / "jobs")


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=120)


def _job_processes(jobs: Path) -> list[int]:
    """Processes still running a job script from ``jobs`` (found by command line in /proc)."""
    needle = str(jobs).encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if needle in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found

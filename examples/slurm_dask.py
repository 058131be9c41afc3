"""A Dask cluster on Slurm for ``mentalize batch --dask ADDRESS`` (docs/batch.md).

dask-jobqueue submits Dask workers as Slurm jobs and runs the scheduler in this process, so keep
it running (e.g. in ``tmux`` on the login node) while ``mentalize batch`` works against it::

    pip install 'mentalize[dask]' dask-jobqueue      # in the environment the jobs will use
    python slurm_dask.py --queue compute --account my-project --jobs 10
    # prints the scheduler's address, e.g. tcp://10.1.2.3:41877; then, in another shell:
    mentalize batch /shared/trial --out /shared/results --dask tcp://10.1.2.3:41877

Ctrl-C (or SIGTERM) stops the cluster and cancels its jobs. ``--print-script`` shows the job
script without submitting anything. Every worker runs one analysis at a time with one encoder
thread, so a job of N cores runs N workers.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def make_cluster(
    cores: int,
    memory: str,
    walltime: str,
    environment: str,
    queue: str | None = None,
    account: str | None = None,
) -> Any:
    """A ``SLURMCluster`` whose jobs each run ``cores`` single-threaded Dask workers in the
    Python environment at ``environment`` (a virtual environment's folder)."""
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(
        queue=queue,  # Slurm partition (#SBATCH -p)
        account=account,  # #SBATCH -A
        cores=cores,  # per job: N cores ...
        processes=cores,  # ... as N single-threaded worker processes
        memory=memory,  # per job
        walltime=walltime,
        job_script_prologue=[
            f"source {Path(environment) / 'bin' / 'activate'}",
            "export MENTALIZE_THREADS=1",  # one encoder thread per worker process
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", help="Slurm partition")
    parser.add_argument("--account", help="Slurm account")
    parser.add_argument("--cores", type=int, default=8, help="cores (= workers) per job")
    parser.add_argument("--memory", default="16GB", help="memory per job")
    parser.add_argument("--walltime", default="04:00:00", help="time limit per job")
    parser.add_argument("--jobs", type=int, default=10, help="how many jobs to submit")
    parser.add_argument(
        "--environment", default=sys.prefix,
        help="the virtual environment the jobs activate (default: this one)",
    )
    parser.add_argument("--print-script", action="store_true", help="show the job script only")
    args = parser.parse_args(argv)

    cluster = make_cluster(
        args.cores, args.memory, args.walltime, args.environment, args.queue, args.account
    )
    try:
        if args.print_script:
            print(cluster.job_script())
            return 0
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        cluster.scale(jobs=args.jobs)
        print(cluster.scheduler_address, flush=True)
        print("Scheduler running; Ctrl-C stops the cluster.", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

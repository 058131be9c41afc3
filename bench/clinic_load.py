"""Load benchmark of the clinic: simulated clinicians browsing and uploading against a real
``mentalize serve`` (waitress threads + analysis worker processes) on loopback.

Run (PostgreSQL on 127.0.0.1:5432, a throw-away database is created and dropped)::

    .venv/bin/python bench/clinic_load.py --users 50 --duration 60

or ``--sqlite`` for the embedded default. Bounded: at most 200 users and 600 s, loopback only.

What it does:

1. The analyser alone: the 500-turn transcript analysed in a fresh process with the clinic's
   model (default ``auto``: the learned layer when installed), first and warm runs.
2. A data directory and database with ``--users`` clinician accounts (Argon2 passwords), each
   with one patient and three analysed sessions to browse; then ``mentalize serve --threads T
   --analysis-workers W``.
3. Upload-to-analysis with the queue idle: ``--idle-uploads`` uploads one after another.
4. The load: every clinician logs in (its own account and session cookie) and, until the
   duration is over, opens its caseload, its patient's page, a session page or a session's
   report frame, with a think time between requests; ``--uploads`` 500-turn transcripts are
   uploaded through the session form at evenly spaced times by rotating clinicians, each then
   polling its report frame (every 0.25 s, as the page's frame does every 3 s) until the
   reading is there.

Reported: requests, errors (any status other than 200/302, or a transport error), throughput,
p50/p95/p99 latency of page views (overall, and split by whether an analysis was queued or
running when the request started), of upload POSTs and of logins, and upload-to-analysis
times. Figures go to stdout and, with ``--json FILE``, to a JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "attuned_session.txt"
PASSWORD = "load test passphrase 2026"
MAX_USERS, MAX_DURATION = 200, 600
REFRESH = 'http-equiv="refresh"'
PAGE_KINDS = ("caseload", "patient", "session", "report", "form")
SERVE = (sys.executable, "-m", "mentalize.cli", "serve")

SETUP = r"""
import datetime, os, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from mentalize.web.accounts.services import add_user
from mentalize.web.records import services
users = int(sys.argv[1])
analysed = services.analyse(open(sys.argv[2], encoding="utf-8").read(), None)
for i in range(users):
    user = add_user(f"clin{i:03d}", "clinician", os.environ["MENTALIZE_PASSWORD"])
    patient = services.create_patient(user, {"code": f"LOAD-{i:03d}", "name": ""})
    for day in (1, 8, 15):
        services.add_session(user, patient, None, datetime.date(2026, 3, day), analysed)
"""

ANALYSER = r"""
import sys, time
from mentalize.analysis.entrypoints import analyze
from mentalize.report import render_html
from mentalize.outputs.schema import to_json
text, model = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
for run in ("first", "warm", "warm"):
    start = time.perf_counter()
    analysis = analyze(text, model=model)
    render_html(analysis), to_json(analysis)
    print(run, len(analysis.turns), round(time.perf_counter() - start, 3), flush=True)
"""


def transcript(turns: int) -> str:
    """Exactly ``turns`` turns, cycling the example session's (alternating speakers kept)."""
    from mentalize.transcript.readers import parse_transcript

    lines = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    low, high = turns, turns * 2
    while low < high:  # fewest lines that parse into at least `turns` turns
        mid = (low + high) // 2
        text = "\n".join(lines[i % len(lines)] for i in range(mid)) + "\n"
        if len(parse_transcript(text).turns) >= turns:
            high = mid
        else:
            low = mid + 1
    return "\n".join(lines[i % len(lines)] for i in range(low)) + "\n"


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    cuts = [values[0]] * 99 if len(values) == 1 else quantiles(values, n=100, method="inclusive")
    ms = 1000.0
    return {
        "n": len(values),
        "p50": round(cuts[49] * ms, 1),
        "p95": round(cuts[94] * ms, 1),
        "p99": round(cuts[98] * ms, 1),
        "max": round(max(values) * ms, 1),
    }


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    busy: list[float] = field(default_factory=list)  # page views while an analysis waited
    idle: list[float] = field(default_factory=list)  # page views with no analysis waiting
    errors: list[str] = field(default_factory=list)
    upload_to_analysis: list[float] = field(default_factory=list)
    in_flight: int = 0
    requests: int = 0


class User:
    """One clinician: own account, own cookies, own patient."""

    def __init__(self, client: Any, name: str, stats: Stats) -> None:
        self.client, self.name, self.stats = client, name, stats
        self.patient = 0
        self.sessions: list[int] = []

    async def request(self, kind: str, method: str, path: str, **kwargs: Any) -> Any:
        busy = self.stats.in_flight > 0
        start = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)
        except Exception as exc:  # a transport error counts as an error, and the run goes on
            self.stats.requests += 1
            self.stats.errors.append(f"{kind} {method} {path}: {type(exc).__name__}")
            return None
        elapsed = time.perf_counter() - start
        self.stats.requests += 1
        self.stats.latencies[kind].append(elapsed)
        if kind in PAGE_KINDS:
            (self.stats.busy if busy else self.stats.idle).append(elapsed)
        if response.status_code not in (200, 302):
            self.stats.errors.append(f"{kind} {method} {path}: {response.status_code}")
        return response

    @staticmethod
    def csrf(page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return found.group(1) if found else ""

    async def log_in(self) -> None:
        page = await self.request("login_form", "GET", "/login/")
        token = self.csrf(page.text) if page is not None else ""
        response = await self.request(
            "login",
            "POST",
            "/login/",
            data={"csrfmiddlewaretoken": token, "username": self.name, "password": PASSWORD},
        )
        if response is None or response.status_code != 302:
            raise RuntimeError(f"{self.name} could not log in")
        caseload = await self.request("caseload", "GET", "/patients/")
        self.patient = int(re.search(r'href="/patients/(\d+)/"', caseload.text).group(1))
        page = await self.request("patient", "GET", f"/patients/{self.patient}/")
        self.sessions = [int(s) for s in re.findall(r'href="/sessions/(\d+)/"', page.text)]

    async def browse(self) -> None:
        choice = random.random()
        if choice < 0.2:
            await self.request("caseload", "GET", "/patients/")
        elif choice < 0.5:
            await self.request("patient", "GET", f"/patients/{self.patient}/")
        elif choice < 0.8:
            await self.request("session", "GET", f"/sessions/{random.choice(self.sessions)}/")
        else:
            await self.request("report", "GET", f"/sessions/{random.choice(self.sessions)}/report/")

    async def upload(self, text: bytes) -> None:
        form = await self.request("form", "GET", f"/patients/{self.patient}/sessions/new/")
        if form is None:
            return
        start = time.perf_counter()
        self.stats.in_flight += 1
        try:
            response = await self.request(
                "upload",
                "POST",
                f"/patients/{self.patient}/sessions/new/",
                data={"csrfmiddlewaretoken": self.csrf(form.text), "date": "2026-05-04"},
                files={"transcript_file": ("session.txt", text, "text/plain")},
            )
            location = response.headers.get("location", "") if response is not None else ""
            found = re.fullmatch(r"/sessions/(\d+)/", location)
            if not found:
                if response is not None:
                    self.stats.errors.append(f"upload: no session in redirect ({location!r})")
                return
            session = int(found.group(1))
            while True:  # the frame, as the session page shows it
                frame = await self.request("poll", "GET", f"/sessions/{session}/report/")
                if frame is not None and frame.status_code == 200 and REFRESH not in frame.text:
                    break
                if frame is not None and "The analysis failed" in frame.text:
                    self.stats.errors.append(f"analysis of session {session} failed")
                    return
                await asyncio.sleep(0.25)
            self.stats.upload_to_analysis.append(time.perf_counter() - start)
            self.sessions.append(session)
        finally:
            self.stats.in_flight -= 1


async def run_users(base: str, args: argparse.Namespace, text: bytes, stats: Stats) -> float:
    import httpx

    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    clients = [
        httpx.AsyncClient(base_url=base, timeout=60, limits=limits, follow_redirects=False)
        for _ in range(args.users)
    ]
    users = [User(client, f"clin{i:03d}", stats) for i, client in enumerate(clients)]
    try:
        await asyncio.gather(*(u.log_in() for u in users))
        # Logins (Argon2, by design slow) and the first pages behind them are the warm-up;
        # their figures are kept apart so they do not count as page views under load.
        for kind in list(stats.latencies):
            stats.latencies[f"warmup_{kind}"] = stats.latencies.pop(kind)
        stats.busy.clear()
        stats.idle.clear()
        stats.requests = 0
        start = time.perf_counter()
        deadline = start + args.duration
        gap = args.duration / max(1, args.uploads)
        due = [start + gap * (k + 0.5) for k in range(args.uploads)]
        uploads: list[asyncio.Task[None]] = []
        think_low, think_high = args.think

        async def clinician(index: int, user: User) -> None:
            await asyncio.sleep(random.uniform(0, think_high))  # no thundering herd
            while time.perf_counter() < deadline:
                mine = [t for k, t in enumerate(due) if k % args.users == index]
                if mine and time.perf_counter() >= mine[0]:
                    due.remove(mine[0])
                    uploads.append(asyncio.create_task(user.upload(text)))
                else:
                    await user.browse()
                await asyncio.sleep(random.uniform(think_low, think_high))

        await asyncio.gather(*(clinician(i, u) for i, u in enumerate(users)))
        elapsed = time.perf_counter() - start
        await asyncio.gather(*uploads)  # the analyses still running finish, and are counted
        return elapsed
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def idle_uploads(base: str, count: int, text: bytes, stats: Stats) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        user = User(client, "clin000", stats)
        await user.log_in()
        for _ in range(count):
            await user.upload(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database(url: str | None) -> Iterator[str | None]:
    """A throw-away PostgreSQL database (dropped afterwards), or ``None`` for SQLite."""
    if url is None:
        yield None
        return
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("clinic_load: the database must be on loopback")
    sys.path.insert(0, str(ROOT))  # the server tests' helper, so both make databases alike
    from tests.web.serving import throwaway_database

    with throwaway_database(url, f"mentalize_load_{os.getpid()}") as database_url:
        yield database_url


@contextmanager
def clinic(args: argparse.Namespace, db_url: str | None, folder: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("MENTALIZE_DATABASE_URL", None)
    env.update(
        MENTALIZE_DATA_DIR=str(folder / "data"),
        MENTALIZE_PASSWORD=PASSWORD,
        MENTALIZE_CLINIC_MODEL=args.model,
        DJANGO_SETTINGS_MODULE="mentalize.web.settings",
    )
    if db_url:
        env["MENTALIZE_DATABASE_URL"] = db_url
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", SETUP, str(args.users), str(EXAMPLE)], env=env, check=True
    )
    print(f"set-up: {args.users} clinicians in {time.perf_counter() - started:.1f} s", flush=True)
    port = free_port()
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 (closed below, after serve stops)
    env.pop("DJANGO_SETTINGS_MODULE")
    serve = subprocess.Popen(
        [
            *SERVE,
            *("--port", str(port), "--threads", str(args.threads)),
            *("--analysis-workers", str(args.analysis_workers)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/login/", timeout=1).close()
                break
            except OSError:
                if serve.poll() is not None:
                    raise SystemExit("clinic_load: serve exited; see serve.log") from None
                time.sleep(0.1)
        yield base
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        log.close()


def analyser_alone(path: Path, model: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", ANALYSER, str(path), model],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split("\n")[:-1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--uploads", type=int, default=20, help="uploads during the load")
    parser.add_argument("--idle-uploads", type=int, default=3)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--analysis-workers", type=int, default=2)
    parser.add_argument("--model", default="auto", choices=("auto", "markers", "learned"))
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(":")),
        default=(0.5, 2.0),
        help="think time between a clinician's requests, LOW:HIGH seconds (default 0.5:2)",
    )
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (loopback) in which a throw-away database is made",
    )
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--users 1..{MAX_USERS} and --duration 1..{MAX_DURATION}")
    return args


def main() -> None:
    args = parse_args()
    random.seed(args.seed)
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews every figure
    text = transcript(args.turns)
    with tempfile.TemporaryDirectory(prefix="mentalize-load-") as tmp:
        folder = Path(tmp)
        sample = folder / "session.txt"
        sample.write_text(text, encoding="utf-8")
        alone = analyser_alone(sample, args.model)
        print("analyser alone (run, turns, seconds):", "; ".join(alone), flush=True)
        with (
            database(None if args.sqlite else args.database_url) as db_url,
            clinic(args, db_url, folder) as base,
        ):
            idle = Stats()
            asyncio.run(idle_uploads(base, args.idle_uploads, text.encode(), idle))
            stats = Stats()
            elapsed = asyncio.run(run_users(base, args, text.encode(), stats))
    pages = [v for kind in PAGE_KINDS for v in stats.latencies[kind]]
    figures = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m_before": load_before,
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        },
        "database": "sqlite" if args.sqlite else "postgresql",
        "users": args.users,
        "duration_s": round(elapsed, 1),
        "threads": args.threads,
        "analysis_workers": args.analysis_workers,
        "model": args.model,
        "think_s": list(args.think),
        "analyser_alone": alone,
        "requests": stats.requests,
        "errors": len(stats.errors) + len(idle.errors),
        "error_samples": (idle.errors + stats.errors)[:10],
        "throughput_rps": round(stats.requests / elapsed, 1),
        "page_views": percentiles(pages),
        "page_views_while_analysing": percentiles(stats.busy),
        "page_views_queue_idle": percentiles(stats.idle),
        "by_kind": {kind: percentiles(v) for kind, v in sorted(stats.latencies.items())},
        "upload_to_analysis_idle": percentiles(idle.upload_to_analysis),
        "upload_to_analysis_under_load": percentiles(stats.upload_to_analysis),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

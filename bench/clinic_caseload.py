"""A/B of the clinic's caseload, patient and overview pages over a year of sessions: figures
stored beside each analysis (``records/figures.py``) against drawing them from each full
analysis on every view (what every view did before the figures were stored, and what a session
stored before them still gets).

Run (the embedded default, SQLite in a temporary data directory)::

    .venv/bin/python bench/clinic_caseload.py [--patients 20] [--sessions 50] [--turns 400]

or ``--database-url postgresql://postgres@127.0.0.1:5432/postgres`` for a throw-away PostgreSQL
database. One clinician holds every patient; each session stores the analysis of the same
``--turns``-turn transcript (markers only). The two ways alternate for ``--rounds`` rounds, so
other work on the machine affects both alike; prints each page's median time per way and their
ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=50, help="sessions per patient")
    parser.add_argument("--turns", type=int, default=400, help="turns per session")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--views", type=int, default=3, help="views of each page per round")
    parser.add_argument("--database-url", default="", help="PostgreSQL; SQLite when empty")
    return parser.parse_args()


@contextmanager
def database(url: str) -> Iterator[None]:
    if not url:
        yield
        return
    from tests.web.serving import throwaway_database

    with throwaway_database(url, f"mentalize_caseload_{os.getpid()}") as fresh:
        os.environ["MENTALIZE_DATABASE_URL"] = fresh
        yield


def seed(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    from bench.clinic_load import transcript

    from mentalize.web.accounts.models import Role, User
    from mentalize.web.accounts.services import grant_role_permissions
    from mentalize.web.records import services
    from mentalize.web.records.models import Patient

    user = User(username="clinician", role=Role.CLINICIAN)
    user.set_unusable_password()
    user.save()
    grant_role_permissions(user)
    analysed = services.analyse(transcript(args.turns), None)
    patients = []
    for p in range(args.patients):
        patient = services.create(user, Patient, code=f"MBT-{p:04d}", name=f"P{p}", clinician=user)
        for s in range(args.sessions):
            on = dt.date(2025, 11, 3) + dt.timedelta(days=7 * s)
            services.add_session(user, patient, None, on, analysed)
        patients.append(patient)
    print(
        f"{args.patients} patients x {args.sessions} sessions of {args.turns} turns "
        f"(analysis {len(analysed.analysis_json) // 1024} KiB, "
        f"report {len(analysed.report_html) // 1024} KiB each)"
    )
    return user, patients


def time_pages(client: Any, patient: Any, views: int) -> dict[str, float]:
    pages = {
        "caseload": "/patients/",
        "patient": f"/patients/{patient.pk}/",
        "overview": f"/patients/{patient.pk}/overview/",
    }
    times: dict[str, float] = {}
    for name, url in pages.items():
        runs = []
        for _ in range(views):
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        times[name] = min(runs)
    return times


def main() -> None:
    args = parse_args()
    os.environ.update(
        MENTALIZE_DATA_DIR=tempfile.mkdtemp(prefix="mentalize-caseload-bench-"),
        DJANGO_SETTINGS_MODULE="mentalize.web.settings",
        MENTALIZE_CLINIC_MODEL="markers",
    )
    os.environ.pop("MENTALIZE_DATABASE_URL", None)
    with database(args.database_url):
        import django

        django.setup()
        logging.disable(logging.CRITICAL)
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from mentalize.web.records.models import Session

        call_command("migrate", verbosity=0)
        settings.ALLOWED_HOSTS = ["testserver"]
        user, patients = seed(args)
        stored = dict(Session.objects.values_list("pk", "figures_json"))
        client = Client()
        client.force_login(user)
        results: dict[str, dict[str, list[float]]] = {"stored": {}, "drawn": {}}
        for _ in range(args.rounds):
            for way in ("stored", "drawn"):
                if way == "drawn":
                    Session.objects.update(figures_json="")
                else:
                    for pk, figures in stored.items():
                        Session.objects.filter(pk=pk).update(figures_json=figures)
                for page, seconds in time_pages(client, patients[-1], args.views).items():
                    results[way].setdefault(page, []).append(seconds)
        print(f"{'page':<10} {'stored ms':>10} {'drawn ms':>10} {'drawn/stored':>13}")
        for page in results["stored"]:
            fast = statistics.median(results["stored"][page]) * 1000
            slow = statistics.median(results["drawn"][page]) * 1000
            print(f"{page:<10} {fast:>10.0f} {slow:>10.0f} {slow / fast:>12.1f}x")


if __name__ == "__main__":
    main()

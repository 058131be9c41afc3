"""A/B of the clinic's read auditing under concurrency: one audit entry appended at a time (as
before) against one batch per page (``mentalize.web.audit.chain.record_many``).

Run (a throw-away PostgreSQL database on 127.0.0.1:5432 is created and dropped)::

    .venv/bin/python bench/clinic_audit_batch.py [--threads 16] [--seconds 8] [--rounds 2]

``--threads`` clinicians, in one process, each open their patient's page (a patient with three
sessions) in a closed loop for ``--seconds``; the two ways alternate for ``--rounds`` rounds, so
other work on the machine affects both alike. Prints requests/s, p50 and p95 per run.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import statistics
import tempfile
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    import psycopg

    parts = urlsplit(args.database_url)
    name = f"mentalize_audit_ab_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    try:
        os.environ.update(
            MENTALIZE_DATA_DIR=tempfile.mkdtemp(prefix="mentalize-audit-ab-"),
            DJANGO_SETTINGS_MODULE="mentalize.web.settings",
            MENTALIZE_CLINIC_MODEL="markers",
            MENTALIZE_DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
        )
        compare(args)
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def compare(args: argparse.Namespace) -> None:
    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from mentalize.web.accounts.models import User
    from mentalize.web.accounts.services import grant_role_permissions
    from mentalize.web.audit.chain import Action, record
    from mentalize.web.records import services

    call_command("migrate", verbosity=0)
    example = open("examples/attuned_session.txt", encoding="utf-8").read()  # noqa: SIM115
    analysed = services.analyse(example, None)
    people = []
    for i in range(args.threads):
        user = User(username=f"clin{i}", role="clinician")
        user.set_unusable_password()
        user.save()
        grant_role_permissions(user)
        patient = services.create_patient(user, {"code": f"AB-{i}", "name": ""})
        for day in (1, 8, 15):
            services.add_session(user, patient, None, datetime.date(2026, 3, day), analysed)
        people.append((user, patient))
    connection.close()

    def per_entry(user: Any, objects: list[Any]) -> None:
        with transaction.atomic():
            for obj in objects:
                record(user, Action.READ, obj)

    batched = services.audit_reads
    for _ in range(args.rounds):
        for label, audit in (("per-entry", per_entry), ("batched", batched)):
            services.audit_reads = audit
            latencies: list[float] = []
            stop = time.perf_counter() + args.seconds

            def clinician(
                user: Any, patient: Any, stop: float = stop, latencies: list[float] = latencies
            ) -> None:
                client = Client(HTTP_HOST="127.0.0.1")
                client.force_login(user)
                while time.perf_counter() < stop:
                    start = time.perf_counter()
                    assert client.get(f"/patients/{patient.pk}/").status_code == 200
                    latencies.append(time.perf_counter() - start)
                connection.close()

            threads = [threading.Thread(target=clinician, args=p) for p in people]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"{label:10s} {len(latencies) / args.seconds:6.1f} req/s  "
                f"p50 {cuts[49] * 1000:6.1f} ms  p95 {cuts[94] * 1000:6.1f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()

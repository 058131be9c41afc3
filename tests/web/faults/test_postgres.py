"""PostgreSQL stopped (``-m fast``) or crashed (``-m immediate``) and started again under a running
``mentalize serve``; concurrent edits of one crisis plan on PostgreSQL.

While the database is down every page answers 503 with one line saying so (the API: the same
line as JSON), with no traceback and no record text, and the server keeps running. Once the
database is back the very next requests succeed, on every worker thread, without restarting the
app: Django drops the broken connections (``CONN_HEALTH_CHECKS``) and opens new ones. Saves in
flight when it crashes are either acknowledged and kept or refused with the 503.

Runs on a private cluster (:mod:`tests.web.faults.pgcluster`), never the shared server; skipped,
with the reason, where no PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.web.faults import pgcluster
from tests.web.faults.harness import (
    Client,
    Server,
    inspect,
    marker,
    mentalize,
    new_clinic,
    new_patient,
    new_treatment,
    once,
)

_why = pgcluster.unavailable()
pytestmark = [once, pytest.mark.skipif(_why is not None, reason=f"private PostgreSQL: {_why}")]

NAME = "Philippa Quaternion"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[pgcluster.Cluster, Server, Client, str]]:
    """One private cluster and one server for the module (each test leaves both running)."""
    tmp_path = tmp_path_factory.mktemp("pg-clinic")
    cluster = pgcluster.Cluster()
    server: Server | None = None
    try:
        env = new_clinic(tmp_path / "data", {"MENTALIZE_DATABASE_URL": cluster.dsn()})
        token = mentalize("users", "token", "ines", env=env).stdout.strip()
        server = Server(env, tmp_path / "serve.log")
        server.start()
        client = Client(server.base)
        client.login()
        yield cluster, server, client, token
    finally:
        if server is not None:
            server.stop()
        cluster.remove()


def _api(client: Client, token: str, method: str = "GET", body: bytes | None = None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return client.request(method, "/api/v1/patients/", body, headers)


def _assert_clear_503(reply, *, api: bool) -> None:
    assert reply.status == 503
    assert "Traceback" not in reply.text and NAME not in reply.text and "MBT-" not in reply.text
    if api:
        message = json.loads(reply.text)["error"]
    else:
        found = re.search(r"<p>(.*?)</p>", reply.text, re.S)
        assert found, reply.text[:300]
        message = found.group(1)
    assert "database cannot be reached" in message and "\n" not in message


def test_requests_fail_clearly_while_postgres_is_down_and_recover_after(
    served: tuple[pgcluster.Cluster, Server, Client, str],
) -> None:
    cluster, server, client, token = served
    patient = new_patient(client, "MBT-PG1", NAME)
    assert client.get(patient).status == 200
    assert _api(client, token).status == 200

    for _ in range(2):  # twice: the second outage finds connections opened after the first
        cluster.stop()
        _assert_clear_503(client.get("/patients/"), api=False)
        _assert_clear_503(client.get(patient), api=False)
        _assert_clear_503(
            client.post("/patients/new/", {"code": "MBT-PGX", "name": NAME}), api=False
        )
        _assert_clear_503(_api(client, token), api=True)
        _assert_clear_503(_api(client, token, "POST", b'{"code": "MBT-PGY"}'), api=True)
        assert server.process is not None and server.process.poll() is None, "serve died"

        cluster.start()
        # Every one of the server's threads gets a request; each must succeed at once.
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: client.clone().get(patient).status, range(24)))
        assert statuses == [200] * 24
        assert _api(client, token).status == 200

    new = new_patient(client, "MBT-PG2", NAME)
    assert client.get(new).status == 200
    codes = {p["code"] for p in json.loads(_api(client, token).text)["patients"]}
    assert {"MBT-PG1", "MBT-PG2"} <= codes
    assert not codes & {"MBT-PGX", "MBT-PGY"}, "a request refused while down was saved after all"
    verified = mentalize("audit", "verify", env=server.env)
    assert verified.returncode == 0, verified.stderr
    log = server.tail(10**7)
    assert "database unreachable" in log and "Traceback" not in log and NAME not in log


def test_concurrent_crisis_plan_edits_each_become_a_version(
    served: tuple[pgcluster.Cluster, Server, Client, str],
) -> None:
    """Six clinicians' browsers saving one plan at once on PostgreSQL: every save is
    acknowledged and kept, numbered 1..n with no gap (it used to be a 500 for most of them: both
    transactions read the same latest version before either committed)."""
    _, server, client, _ = served
    patient = new_patient(client, "MBT-PG3")
    plan = new_treatment(client, patient)

    def edit(i: int) -> list[int]:
        own = client.clone()
        return [
            own.post(
                f"/treatments/{plan}/crisis-plan/",
                {
                    "patient_can_do": f"{marker()}: step {i}.{j}",
                    "professionals_do": "validate first",
                    "information_for_others": "stay calm",
                },
            ).status
            for j in range(5)
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = [s for batch in pool.map(edit, range(6)) for s in batch]
    assert statuses == [302] * 30
    report = inspect(server.env)
    assert report["audit"]["ok"]
    versions = sorted(r["version"] for r in report["crisis_plans"] if r["treatment_id"] == plan)
    assert versions == list(range(1, 31))
    assert all(r["complete"] and r["audited"] for r in report["crisis_plans"])


def test_edits_in_flight_when_postgres_crashes_are_refused_or_kept(
    served: tuple[pgcluster.Cluster, Server, Client, str],
) -> None:
    """Four browsers saving crisis plans while PostgreSQL is stopped with ``-m immediate`` (a
    crash: no checkpoint, sessions cut mid-transaction) and started again. Every reply is the
    redirect (saved) or the 503 (not saved), never a 500 or a dropped connection; every saved
    version is there afterwards, whole and audited, numbered without gaps."""
    cluster, server, client, _ = served
    patient = new_patient(client, "MBT-PG4")
    plans = [new_treatment(client, patient) for _ in range(4)]
    stop = threading.Event()
    acked: set[str] = set()
    statuses: list[int | str] = []
    last: dict[int, int | str] = {}
    lock = threading.Lock()

    def edit(plan: int) -> None:
        own = client.clone()
        while not stop.is_set():
            ref = marker()
            fields = {
                "patient_can_do": f"{ref}: call the night line",
                "professionals_do": f"{ref}: validate first",
                "information_for_others": f"{ref}: stay calm",
            }
            try:
                reply = own.post(f"/treatments/{plan}/crisis-plan/", fields)
            except OSError as exc:
                outcome: int | str = type(exc).__name__
            else:
                outcome = reply.status
                if reply.status == 503:
                    _assert_clear_503(reply, api=False)
            with lock:
                statuses.append(outcome)
                last[plan] = outcome
                if outcome == 302:
                    acked.add(ref)

    workers = [threading.Thread(target=edit, args=(plan,)) for plan in plans]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        cluster.stop("immediate")
        time.sleep(1.0)
        cluster.start()
        time.sleep(1.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert set(statuses) <= {302, 503}, sorted(set(map(str, statuses)))
    assert 503 in statuses, "no request met the outage"
    assert list(last.values()) == [302] * 4, "a client still refused after the restart"
    report = inspect(server.env)
    assert report["audit"]["ok"], report["audit"]
    rows = [r for r in report["crisis_plans"] if r["treatment_id"] in plans]
    assert all(r["complete"] and r["audited"] and len(r["markers"]) == 1 for r in rows)
    stored = {r["markers"][0] for r in rows}
    assert acked <= stored, f"{len(acked - stored)} acknowledged versions lost"
    for plan in plans:
        versions = sorted(r["version"] for r in rows if r["treatment_id"] == plan)
        assert versions == list(range(1, len(versions) + 1))
    print(
        f"\nfaults: PostgreSQL crash-restart under 4 editing clients: {len(statuses)} replies, "
        f"{statuses.count(302)} saved, {statuses.count(503)} refused with 503, "
        f"{len(stored) - len(acked)} saved without the reply arriving, 0 lost"
    )

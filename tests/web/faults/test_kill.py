"""SIGKILL of ``mentalize serve`` while uploads and crisis-plan edits are in flight, then a restart
on the same data directory: nothing half-saved, nothing acknowledged lost, the audit chain intact.

Four client threads post continuously; the server is killed after a different delay in each round
(so the kill lands while bodies are arriving, while analyses run and while transactions commit),
then started again. A redirect to the new record is the app's acknowledgement; every record so
acknowledged must be there after the restart, and every record that is there must be whole
(decrypts, every field present, its audit ``create`` entry present). The rounds run against the
default SQLite database, and in the suite's PostgreSQL pass against a private PostgreSQL cluster
(:mod:`.pgcluster`); ``MENTALIZE_FAULT_ROUNDS`` sets how many (default 3).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web.faults import pgcluster
from tests.web.faults.harness import (
    SUITE_ON_POSTGRES,
    Client,
    Reply,
    Server,
    encode_form,
    inspect,
    marker,
    mentalize,
    new_clinic,
    new_patient,
    new_treatment,
    transcript,
)

ROUNDS = int(os.environ.get("MENTALIZE_FAULT_ROUNDS", "3"))
THREADS = 4
# Seconds from the first request of a round to the kill; cycled through the rounds.
DELAYS = (0.35, 0.8, 1.4, 0.15, 1.1, 0.55)


@dataclass
class Tally:
    """What the clients saw: refs acknowledged (with the redirect's path), requests cut off."""

    sent: set[str] = field(default_factory=set)
    acked: dict[str, str] = field(default_factory=dict)
    cut_off: int = 0
    unexpected: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[Server, Client]]:
    """A served clinic on SQLite, or in the suite's PostgreSQL pass on a private cluster."""
    cluster = None
    extra: dict[str, str] = {}
    if SUITE_ON_POSTGRES:
        why = pgcluster.unavailable()
        if why:
            pytest.skip(f"private PostgreSQL: {why}")
        cluster = pgcluster.Cluster()
        extra["MENTALIZE_DATABASE_URL"] = cluster.dsn()
    server = Server(new_clinic(tmp_path / "data", extra), tmp_path / "serve.log")
    try:
        server.start()
        client = Client(server.base)
        client.login()
        yield server, client
    finally:
        server.stop()
        if cluster is not None:
            cluster.remove()


def _post_until_stopped(
    own: Client,
    stop: threading.Event,
    send: Callable[[Client, str], Reply],
    acknowledged: Callable[[Reply], bool],
    tally: Tally,
) -> None:
    while not stop.is_set():
        ref = marker()
        with tally.lock:
            tally.sent.add(ref)
        try:
            reply = send(own, ref)
        except ConnectionRefusedError:  # the server is already gone: never sent
            with tally.lock:
                tally.sent.discard(ref)
            continue
        except OSError:  # reset or closed mid-request or mid-reply: not acknowledged
            with tally.lock:
                tally.cut_off += 1
            continue
        with tally.lock:
            if acknowledged(reply):
                tally.acked[ref] = reply.location
            else:  # a whole reply that is not the redirect: an error page
                tally.unexpected.append(reply.status)


def _hammer(
    server: Server,
    client: Client,
    send: Callable[[Client, str], Reply],
    acknowledged: Callable[[Reply], bool],
    tally: Tally,
) -> None:
    """Rounds of: THREADS clients posting until the server dies; SIGKILL; restart."""
    for round_no in range(ROUNDS):
        stop = threading.Event()
        workers = [
            threading.Thread(
                target=_post_until_stopped,
                args=(client.clone(), stop, send, acknowledged, tally),
            )
            for _ in range(THREADS)
        ]
        for worker in workers:
            worker.start()
        time.sleep(DELAYS[round_no % len(DELAYS)])
        stop.set()  # no new requests after this one; those in flight are cut by the kill
        server.kill()
        for worker in workers:
            worker.join(timeout=60)
        server.start()
    assert not tally.unexpected, f"replies that were neither saved nor cut off: {tally.unexpected}"
    # The loop must have exercised both outcomes, or the checks below prove nothing.
    assert tally.acked, "no request was acknowledged before a kill"
    assert tally.cut_off, "no request was in flight at a kill"


def _check_whole(server: Server, kind: str, tally: Tally | None = None) -> list[dict]:
    """Inspect the data after the last restart: the database intact, the audit chain verified by
    ``mentalize audit verify``, every row of ``kind`` whole and audited."""
    report = inspect(server.env)
    assert report["integrity"] in ("ok", "n/a")
    assert report["audit"]["ok"], report["audit"]
    verified = mentalize("audit", "verify", env=server.env)
    assert verified.returncode == 0 and "audit log intact" in verified.stdout, verified.stderr
    rows = report[kind]
    for row in rows:
        assert row["decrypts"] and row["complete"], f"half-saved {kind} row {row['id']}"
        assert row["audited"], f"{kind} row {row['id']} has no audit entry"
        assert len(row["markers"]) == 1, f"{kind} row {row['id']} mixes requests"
    if tally is not None:  # the figures for docs/reliability.md (pytest -s shows them)
        print(
            f"\nfaults: {kind} on {'postgresql' if SUITE_ON_POSTGRES else 'sqlite'}: "
            f"{ROUNDS} SIGKILLs, {len(tally.sent)} requests, {len(tally.acked)} acknowledged, "
            f"{tally.cut_off} cut off, {len(rows)} rows stored, all whole; "
            + verified.stdout.strip()
        )
    return rows


def test_sigkill_during_uploads_loses_nothing_acknowledged(
    clinic: tuple[Server, Client],
) -> None:
    server, client = clinic
    patient = new_patient(client, "MBT-KILL")
    tally = Tally()

    def upload(own: Client, ref: str) -> Reply:
        return own.post(
            patient + "sessions/new/",
            {"date": "2026-05-01", "treatment": "", "format": ""},
            files={"transcript_file": transcript(ref)},
        )

    def acknowledged(reply: Reply) -> bool:
        return reply.status == 302 and re.fullmatch(r"/sessions/\d+/", reply.location) is not None

    _hammer(server, client, upload, acknowledged, tally)
    # After the last restart the clinic takes uploads again, with the same login.
    after = marker()
    reply = upload(client, after)
    assert acknowledged(reply), reply.status
    tally.acked[after] = reply.location
    tally.sent.add(after)

    rows = _check_whole(server, "sessions", tally)
    stored = {row["markers"][0]: f"/sessions/{row['id']}/" for row in rows}
    assert len(stored) == len(rows), "one upload stored twice"
    assert set(stored) <= tally.sent
    for ref, location in tally.acked.items():
        assert stored.get(ref) == location, f"acknowledged upload {location} lost"


def test_sigkill_during_crisis_plan_edits_loses_nothing_acknowledged(
    clinic: tuple[Server, Client],
) -> None:
    server, client = clinic
    patient = new_patient(client, "MBT-PLAN")
    # One treatment per thread, so each thread's versions are a sequence of its own.
    plans = [new_treatment(client, patient) for _ in range(THREADS)]
    turn = iter(range(10**9))
    tally = Tally()

    def edit(own: Client, ref: str) -> Reply:
        plan = plans[next(turn) % len(plans)]
        return own.post(
            f"/treatments/{plan}/crisis-plan/",
            {
                "patient_can_do": f"{ref}: call the night line, then a friend.",
                "professionals_do": f"{ref}: validate first, then explore.",
                "information_for_others": f"{ref}: do not argue about feelings.",
            },
        )

    def acknowledged(reply: Reply) -> bool:
        return (
            reply.status == 302
            and re.fullmatch(r"/treatments/\d+/crisis-plan/", reply.location) is not None
        )

    _hammer(server, client, edit, acknowledged, tally)
    rows = _check_whole(server, "crisis_plans", tally)
    stored = {row["markers"][0] for row in rows}
    assert stored <= tally.sent
    missing = set(tally.acked) - stored
    assert not missing, f"{len(missing)} acknowledged crisis-plan versions lost"
    for plan in plans:
        versions = sorted(row["version"] for row in rows if row["treatment_id"] == plan)
        assert versions == list(range(1, len(versions) + 1)), f"plan {plan}: gaps {versions}"


def test_sigkill_while_an_upload_body_is_still_arriving(clinic: tuple[Server, Client]) -> None:
    """A client that has sent half its body when the server dies: nothing of it is stored, and
    the same upload sent again after the restart is stored once."""
    server, client = clinic
    patient = new_patient(client, "MBT-SLOW")
    ref = marker()
    body, content_type = encode_form(
        {"csrfmiddlewaretoken": client.token, "date": "2026-05-02"},
        {"transcript_file": transcript(ref, turns=2000)},
    )
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    head = (
        f"POST {patient}sessions/new/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Cookie: {cookies}\r\nReferer: {server.base}{patient}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.3)
        server.kill()
    server.start()
    assert not [row for row in inspect(server.env)["sessions"] if ref in row["markers"]]
    reply = client.post(
        patient + "sessions/new/", {"date": "2026-05-02"}, {"transcript_file": transcript(ref)}
    )
    assert reply.status == 302
    assert [row["markers"] for row in _check_whole(server, "sessions")] == [[ref]]

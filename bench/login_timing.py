"""How long a failed log-in takes for an unknown user name versus a wrong password.

Run: ``.venv/bin/python bench/login_timing.py [--rounds 60]``.

User enumeration by timing needs the two answers to take measurably different times. Both paths
run one Argon2 computation (``tests/web/test_security_auth.py`` asserts that); this measures what
is left. The two kinds of attempt are interleaved so that load on the machine affects both alike;
reported are each one's median and 10th-90th percentile spread, the difference of the medians,
and the median of the paired differences (each pair ran back to back, so it is the figure least
touched by load). Runs the clinic in-process (Django's test client) on a throw-away SQLite data
directory; nothing is served on the network. Reported, not asserted: timings on a shared machine
vary.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="log-in attempts of each kind")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="mentalize-login-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["MENTALIZE_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentalize.web.settings"
    os.environ.pop("MENTALIZE_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from mentalize.web.accounts.services import add_user

    call_command("migrate", verbosity=0)
    add_user("lena", "clinician", "a long enough passphrase")
    client = Client(HTTP_HOST="127.0.0.1")  # one of the clinic's ALLOWED_HOSTS
    times: dict[str, list[float]] = {"unknown user": [], "wrong password": []}
    for n in range(args.rounds):
        # A fresh name each time for both, so neither path reaches the lockout.
        for kind, name in (("unknown user", f"nobody{n}"), ("wrong password", "lena")):
            started = time.perf_counter()
            response = client.post("/login/", {"username": name, "password": f"guess {n}"})
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        if n % 4 == 3:  # stay under the five-failure lockout for lena
            from axes.utils import reset

            reset(username="lena")
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    for kind, values in times.items():
        low, high = _percentile(values, 0.1) * 1000, _percentile(values, 0.9) * 1000
        print(
            f"{kind:15s} median {medians[kind] * 1000:6.1f} ms   "
            f"p10-p90 {low:6.1f}-{high:6.1f} ms   (n={len(values)})"
        )
    gap = abs(medians["unknown user"] - medians["wrong password"])
    print(f"difference of medians: {gap * 1000:.1f} ms ({gap / max(medians.values()):.1%})")
    # Each pair ran back to back, so its difference is least touched by the machine's load.
    paired = statistics.median(
        u - w for u, w in zip(times["unknown user"], times["wrong password"], strict=True)
    )
    print(f"median paired difference (unknown - wrong): {paired * 1000:+.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

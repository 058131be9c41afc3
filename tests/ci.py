"""CI's strict mode: ``CI=true`` (or ``1``/``yes``; ``.ci/run`` sets it).

In CI a service or extra that a suite needs (PostgreSQL for the second clinic pass, the
``clinic`` extra, Chromium and Playwright for the browser tests) and does not find stops the
whole run with one line naming it, instead of skipping the suite: a CI run must not go green by
running fewer tests. On a developer's machine (``CI`` unset) the same conditions skip, or leave
the folder out, and say why. ``.ci/check_counts.py`` then checks each suite's count of tests run.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CI_ENV = "CI"


def in_ci() -> bool:
    """Whether this run is CI's (``CI`` set to ``true``, ``1`` or ``yes``, any case)."""
    return os.environ.get(CI_ENV, "").strip().lower() in {"true", "1", "yes"}


def fail_run(missing: str) -> NoReturn:
    """Stop the run (exit status 1) with one line naming what is missing."""
    pytest.exit(f"CI: {missing} (CI fails instead of skipping)", returncode=1)

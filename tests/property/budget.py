"""How many examples each property test draws, in one place.

The default run must stay fast (the whole suite well under 15 minutes on a small machine), so
each test names a modest count; ``MENTALIZE_PROPERTY_SCALE=20`` multiplies every count for a
thorough run. No example database is written (``database=None``): a failure prints the example
and a ``@reproduce_failure`` blob, so nothing lands in the working tree.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("MENTALIZE_PROPERTY_SCALE", "1") or "1"))


def budget(examples: int) -> settings:
    """Settings for one property test: ``examples`` times the scale, no deadline (a shared CI
    machine makes per-example timing flaky; slow inputs have their own regression tests)."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )

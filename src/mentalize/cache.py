"""The user cache folder: derived files (corpus features, the fast encoder) that can always be
made again, so they live apart from anything a user would back up."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "MENTALIZE_CACHE"


def cache_root() -> Path:
    """``$MENTALIZE_CACHE``, else ``$XDG_CACHE_HOME/mentalize``, else ``~/.cache/mentalize``."""
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mentalize"
    )
    return Path(base)

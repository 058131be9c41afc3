"""Every ``MENTALIZE_*`` environment variable, declared and read in one place.

Each variable has a name, a default and a line saying what it does; ``docs/environment.md``
lists them and a test keeps that page, this table and the code in step (no module reads or sets
a ``MENTALIZE_*`` variable except through here). Values are read when asked for, never at import,
so a test or a launcher can set them first.

What a value may be is checked where it is used (the encoder knows what a thread count is; the
clinic's settings know what a database URL is), and those checks name the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "VARIABLES",
    "Variable",
    "cache_root",
    "flag",
    "get",
    "listing",
    "set_value",
    "setdefault",
]


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str
    """The value used when the variable is unset or blank, as it would be written."""
    meaning: str
    area: str
    """Who reads it: analysis, models, batch, cli, clinic, reflect or research."""


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "MENTALIZE_MODEL",
        "auto",
        "markers or learned: override model=auto for every analysis",
        "analysis",
    ),
    Variable(
        "MENTALIZE_ENCODER",
        "exact",
        "exact (the shipped model) or fast (derived int8 model)",
        "models",
    ),
    Variable(
        "MENTALIZE_THREADS", "usable cores, at most 8", "threads of the sentence encoder", "models"
    ),
    Variable(
        "MENTALIZE_CACHE",
        "$XDG_CACHE_HOME/mentalize",
        "folder for files that can be made again",
        "models",
    ),
    Variable(
        "MENTALIZE_DEBUG",
        "",
        "1: show tracebacks of internal errors (may show clinical text)",
        "cli",
    ),
    Variable(
        "MENTALIZE_DATASETS", "../shared/datasets", "folder of the public datasets", "research"
    ),
    Variable(
        "MENTALIZE_REFLECT_DIR",
        "$XDG_DATA_HOME/mentalize/reflect",
        "Reflect's journal folder",
        "reflect",
    ),
    Variable(
        "MENTALIZE_DATA_DIR", "$XDG_DATA_HOME/mentalize", "the clinic's data folder", "clinic"
    ),
    Variable(
        "MENTALIZE_DATABASE_URL",
        "",
        "postgresql://... (unset: SQLite in the data folder)",
        "clinic",
    ),
    Variable(
        "MENTALIZE_CLINIC_MODEL",
        "auto",
        "model of the clinic's analyses (auto, markers, learned)",
        "clinic",
    ),
    Variable(
        "MENTALIZE_PASSWORD", "", "password for `mentalize users add` without a prompt", "clinic"
    ),
    Variable("MENTALIZE_ALLOWED_HOSTS", "", "comma-separated host names clients use", "clinic"),
    Variable(
        "MENTALIZE_CSRF_TRUSTED_ORIGINS", "", "comma-separated origins behind a proxy", "clinic"
    ),
    Variable("MENTALIZE_SECURE_COOKIES", "", "1: cookies only over HTTPS", "clinic"),
    Variable(
        "MENTALIZE_BEHIND_TLS_PROXY",
        "",
        "1: trust the proxy's X-Forwarded-Proto, send HSTS",
        "clinic",
    ),
    Variable("MENTALIZE_HSTS_SECONDS", "31536000", "HSTS max-age behind a TLS proxy", "clinic"),
    Variable(
        "MENTALIZE_TRUSTED_PROXY",
        "",
        "IP address of the TLS proxy serve trusts (unset: loopback only)",
        "clinic",
    ),
    Variable("MENTALIZE_MAX_TURNS", "5000", "most turns in one uploaded transcript", "clinic"),
    Variable(
        "MENTALIZE_ANALYSIS_MAX_SECONDS",
        "300",
        "longest one clinic analysis may run before it fails",
        "clinic",
    ),
    Variable("MENTALIZE_REQUIRE_MFA", "", "1: every user needs a second factor", "clinic"),
    Variable("MENTALIZE_SESSION_MINUTES", "30", "log out after this much inactivity", "clinic"),
    Variable(
        "MENTALIZE_SESSION_MAX_HOURS",
        "12",
        "log out this long after log-in, active or not",
        "clinic",
    ),
    Variable(
        "MENTALIZE_QUESTIONNAIRE_LINK_HOURS",
        "24",
        "how long a patient's questionnaire link stays open",
        "clinic",
    ),
    Variable("MENTALIZE_TIME_ZONE", "UTC", "the clinic's time zone", "clinic"),
)
_DECLARED = {v.name: v for v in VARIABLES}


def _declared(name: str) -> Variable:
    try:
        return _DECLARED[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in mentalize.environment.VARIABLES") from None


def get(name: str, default: str | None = None) -> str | None:
    """The variable's value as set (a password keeps its spaces); ``default`` when it is unset
    or blank."""
    _declared(name)
    value = os.environ.get(name, "")
    return value if value.strip() else default


def flag(name: str) -> bool:
    """On for 1, true, yes or on (any case); off when unset, blank or anything else."""
    return (get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def listing(name: str) -> list[str]:
    """A comma-separated value as its non-blank parts."""
    return [part.strip() for part in (get(name) or "").split(",") if part.strip()]


def set_value(name: str, value: str) -> None:
    """Set a variable for this process and the processes it starts (the CLI's launchers)."""
    _declared(name)
    os.environ[name] = value


def setdefault(name: str, value: str) -> str:
    """Set a variable unless it is already set; return the value in force."""
    _declared(name)
    return os.environ.setdefault(name, value)


def cache_root() -> Path:
    """``$MENTALIZE_CACHE``, else ``$XDG_CACHE_HOME/mentalize``, else ``~/.cache/mentalize``:
    derived files (corpus features, the fast encoder) that can always be made again, kept apart
    from anything a user would back up."""
    configured = get("MENTALIZE_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "mentalize"

"""The MBT crisis plan as the clinic shows it: its parts in order, its contacts, when it is next
reviewed, and what changed from one version to the next.

The parts follow the order an MBT crisis plan is written and read in: first what happens in a
crisis (the triggers and the early signs the patient and others can notice), then what the
patient can do, what others can do, what others should know (including what not to do), who to
call, and when the plan is looked at again. Each part has two wordings: the clinician's, on the
record, and the patient's own, in the second person, on the copy the patient takes home.

Nothing here touches the database or the request; the views and exports call it with rows.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CONTACT_ROWS",
    "MAX_CONTACTS",
    "REVIEW_SOON_DAYS",
    "SECTIONS",
    "Change",
    "Contact",
    "Review",
    "Section",
    "SectionChange",
    "changes",
    "contact_rows",
    "contacts_from",
    "contacts_json",
    "phone_problem",
    "plan_of",
    "review",
]

CONTACT_ROWS = 4
"""Blank contact rows the form offers at least (no script adds rows: the page works without)."""

MAX_CONTACTS = 12
"""A plan names a handful of people and services; more rows than this are not offered."""

REVIEW_SOON_DAYS = 14
"""A review date this close (in days) reads "review due" rather than a plain date."""


@dataclass(frozen=True)
class Section:
    """One free-text part of the plan: the version's field and its two headings."""

    field: str
    label: str
    patient_label: str
    help_text: str = ""


SECTIONS: tuple[Section, ...] = (
    Section(
        "crisis_description",
        "What happens in a crisis (triggers and early signs)",
        "What happens for you in a crisis, and the first signs",
        "What tends to set a crisis off, and the early signs the patient and others can notice.",
    ),
    Section("patient_can_do", "What the patient can do", "What you can do"),
    Section(
        "professionals_do",
        "What others can do",
        "What other people can do to help you",
        "Family, friends, the care team and other services.",
    ),
    Section(
        "information_for_others",
        "Information for others (including what not to do)",
        "What others should know about you (and what not to do)",
    ),
)


@dataclass(frozen=True)
class Contact:
    """Someone to call in a crisis: a person or a service, how they relate to the patient, and
    their number."""

    name: str
    role: str
    phone: str

    def line(self) -> str:
        """One line for the diff and the exports: ``Sam (sister): 07700 900123``."""
        who = f"{self.name} ({self.role})" if self.role else self.name
        return f"{who}: {self.phone}"


# Digits, spaces, +, - and parentheses, with enough digits to be dialled.
_PHONE = re.compile(r"^[0-9+()\- ]+$")
_PHONE_MIN_DIGITS = 3
PHONE_HELP = "Digits, spaces, +, - and brackets only, e.g. +44 20 7946 0000."


def phone_problem(phone: str) -> str | None:
    """Why ``phone`` is not a number to dial, in one line that does not repeat it; ``None`` when
    it is one. Short numbers (999, 112, 116 123) are numbers too."""
    if not _PHONE.fullmatch(phone):
        return f"Use a phone number here. {PHONE_HELP}"
    if sum(c.isdigit() for c in phone) < _PHONE_MIN_DIGITS:
        return f"The number has fewer than {_PHONE_MIN_DIGITS} digits. {PHONE_HELP}"
    return None


def contacts_json(contacts: Iterable[Contact]) -> str:
    """The stored form of the contacts: a JSON list of ``{"name", "role", "phone"}``."""
    return json.dumps(
        [{"name": c.name, "role": c.role, "phone": c.phone} for c in contacts], ensure_ascii=False
    )


def contacts_from(stored: str | None) -> tuple[Contact, ...]:
    """The contacts of a stored value; none for a version written before contacts were kept
    (``NULL``) or an empty value."""
    if not stored:
        return ()
    return tuple(
        Contact(str(c.get("name", "")), str(c.get("role", "")), str(c.get("phone", "")))
        for c in json.loads(stored)
    )


def contact_rows(contacts: Sequence[Contact]) -> int:
    """How many contact rows the form offers: the plan's own and two blank (at least
    :data:`CONTACT_ROWS`), so adding one never needs a script."""
    return min(MAX_CONTACTS, max(CONTACT_ROWS, len(contacts) + 2))


def plan_of(version: Any) -> dict[str, Any]:
    """A version's content as the form's :meth:`plan` gives it, to compare a submission with the
    current version (an unchanged plan adds no version) and one version with the one before."""
    return {
        **{s.field: getattr(version, s.field) or "" for s in SECTIONS},
        "contacts": contacts_from(version.contacts),
        "review_date": version.review_date,
    }


# -- review --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """When the plan is next reviewed, and whether that is past (``overdue``), today or within
    :data:`REVIEW_SOON_DAYS` (``due``), later (``scheduled``), or not set (``unset``)."""

    date: dt.date | None
    state: Literal["overdue", "due", "scheduled", "unset"]

    @property
    def words(self) -> str:
        """The state in words that read without colour."""
        if self.date is None:
            return "No review date set"
        if self.state == "overdue":
            return f"Review overdue: it was due on {self.date:%Y-%m-%d}"
        if self.state == "due":
            return f"Review due by {self.date:%Y-%m-%d}"
        return f"Next review by {self.date:%Y-%m-%d}"


def review(date: dt.date | None, today: dt.date) -> Review:
    if date is None:
        return Review(None, "unset")
    if date < today:
        return Review(date, "overdue")
    if (date - today).days <= REVIEW_SOON_DAYS:
        return Review(date, "due")
    return Review(date, "scheduled")


# -- changes between versions --------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of a section that a version added or removed."""

    kind: Literal["added", "removed"]
    text: str

    @property
    def words(self) -> str:
        return "Added" if self.kind == "added" else "Removed"


@dataclass(frozen=True)
class SectionChange:
    label: str
    lines: tuple[Change, ...]


# A plan's text is short: lines, and sentences within a line, are the units a clinician changes.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _units(text: str) -> list[str]:
    return [
        part.strip()
        for line in text.splitlines()
        for part in _SENTENCE_END.split(line)
        if part.strip()
    ]


def _diff(before: list[str], after: list[str]) -> tuple[Change, ...]:
    out: list[Change] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            out.extend(Change("removed", line) for line in before[i1:i2])
        if tag in ("replace", "insert"):
            out.extend(Change("added", line) for line in after[j1:j2])
    return tuple(out)


def _review_line(date: dt.date | None) -> list[str]:
    return [f"{date:%Y-%m-%d}"] if date else []


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[SectionChange, ...]:
    """What ``after`` changed from ``before`` (both :func:`plan_of`), per part in the plan's
    order; parts that did not change are left out."""
    parts: list[tuple[str, list[str], list[str]]] = [
        (s.label, _units(before[s.field]), _units(after[s.field])) for s in SECTIONS
    ]
    parts.append(
        (
            "Contacts",
            [c.line() for c in before["contacts"]],
            [c.line() for c in after["contacts"]],
        )
    )
    parts.append(
        ("Review date", _review_line(before["review_date"]), _review_line(after["review_date"]))
    )
    found = (SectionChange(label, _diff(old, new)) for label, old, new in parts)
    return tuple(change for change in found if change.lines)

"""The caseload a clinician works from (issue 19): one row per patient the user may read, with the
last session, the latest questionnaire scores and their change, the episode, the next review and
how many alerts are still open; searchable by code and sortable by any column.

Rows are drawn from one query per model for the whole caseload (never one per patient), and the
open alerts are :func:`.overview.compute`'s own, so the count here is the count on the patient page.

The scores are the questionnaires' (each instrument's latest total, or each scale where it has no
total, against the previous administration of the same instrument): they are the instruments the
clinician chose and scored with the patient, with published meanings. The analyser's mentalizing
figure is not shown here: on its own in a table cell it would be a number without its reason, and
the treatment overview charts it beside the evidence. No clinical free text is read: the overview
computation decrypts the stored session figures and questionnaire results it needs for the alerts
already (the same rows), and the scores come from that computation, so the columns decrypt nothing
more.

Reading a patient's row is one audit entry per patient per view (object type
:data:`.overview.OVERVIEW_AUDIT_TYPE`), standing for every row it was drawn from, as the alert
count always was: one entry per row would flood the log on every visit to the caseload.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from mentalize import instruments
from mentalize.web.records import overview, scoping, services
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    AlertReview,
    CrisisPlanVersion,
    OutcomeEvent,
    Patient,
    QuestionnaireAdministration,
    Session,
    Treatment,
)

__all__ = [
    "DEFAULT_SORT",
    "QUERY_PROBLEM",
    "SORTS",
    "Caseload",
    "CaseloadRow",
    "ScoreChange",
    "Sort",
    "build",
    "clean_query",
    "descending",
    "order",
]

QUERY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
"""What a search may contain: the characters a patient code may have (``PatientForm``)."""

QUERY_PROBLEM = "Search by patient code: letters, digits, - and _ only, up to 32 characters."

_EPISODE_ORDER = {
    Treatment.Status.ACTIVE: 0,
    Treatment.Status.PAUSED: 1,
    Treatment.Status.PLANNED: 2,
    Treatment.Status.COMPLETED: 3,
    Treatment.Status.ENDED_EARLY: 4,
}
"""Which episode is the patient's current one, and the episode column's sort order."""

_ONGOING = (Treatment.Status.ACTIVE, Treatment.Status.PAUSED, Treatment.Status.PLANNED)
"""Episodes that still have a review ahead; a completed or ended one has none."""


@dataclass(frozen=True)
class ScoreChange:
    """One instrument scale's latest score and its change from the previous administration."""

    short_title: str
    label: str
    value: float
    decimals: int
    latest_date: date
    previous: float | None
    previous_date: date | None
    direction: str | None
    """``lower_is_better`` or ``higher_is_better`` where the instrument publishes one."""

    @property
    def change(self) -> float | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def worsening(self) -> float | None:
        """The change in the instrument's worse direction (positive: more symptoms); ``None``
        where the instrument has no direction (RFQ-8) or this is the first administration."""
        change = self.change
        if change is None or self.direction is None:
            return None
        return change if self.direction == "lower_is_better" else -change

    @property
    def trend(self) -> str:
        """``worse``, ``better`` or ``same`` by the instrument's direction; ``""`` without one.
        A direction only, not a clinical judgement: reliable change is on the overview."""
        worse = self.worsening
        if worse is None:
            return ""
        return "worse" if worse > 0 else "better" if worse < 0 else "same"

    @property
    def shown(self) -> str:
        return f"{self.value:.{self.decimals}f}"

    @property
    def shown_change(self) -> str:
        change = self.change
        if change is None:
            return ""
        text = f"{abs(change):.{self.decimals}f}"
        return ("+" if change > 0 else "-" if change < 0 else "±") + text


@dataclass(frozen=True)
class CaseloadRow:
    patient: Patient
    last_session: date | None
    days_since: int | None
    scores: tuple[ScoreChange, ...]
    episode: Treatment | None
    next_review: date | None
    review_source: str
    """What the next review date is: ``crisis plan review`` (the date the current version of
    the episode's crisis plan sets) or, where the plan sets none, ``planned end``."""
    days_to_review: int | None
    alerts: int

    @property
    def session_ago(self) -> str:
        days = self.days_since
        if days is None:
            return ""
        if days < 0:
            return "dated ahead"
        return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")

    @property
    def review_when(self) -> str:
        days = self.days_to_review
        if days is None:
            return ""
        if days < 0:
            return f"{-days} day{'' if days == -1 else 's'} overdue"
        return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")

    @property
    def worst_change(self) -> float | None:
        """The largest change towards more symptoms on any instrument with a direction."""
        found = [s.worsening for s in self.scores if s.worsening is not None]
        return max(found) if found else None


@dataclass(frozen=True)
class Sort:
    """One sortable column: its key (``None``: no value, listed last whichever the direction) and
    the direction of the first click, the one that puts what needs attention first."""

    label: str
    key: Callable[[CaseloadRow], Any]
    descending: bool = False


SORTS: dict[str, Sort] = {
    "code": Sort("Patient", lambda r: r.patient.code.lower()),
    "clinician": Sort("Clinician", lambda r: r.patient.clinician.username.lower()),
    # Longest without a session first: who may be slipping out of treatment.
    "last_session": Sort("Last session", lambda r: r.last_session),
    # The largest rise in symptoms first (PHQ-9, GAD-7; RFQ-8 has no direction).
    "scores": Sort("Latest scores", lambda r: r.worst_change, descending=True),
    "episode": Sort(
        "Episode", lambda r: None if r.episode is None else _EPISODE_ORDER.get(r.episode.status)
    ),
    "review": Sort("Next review", lambda r: r.next_review),
    "alerts": Sort("For review", lambda r: r.alerts, descending=True),
}
"""The whitelist of ``?sort=``: a key, or ``-key`` for the other direction."""

DEFAULT_SORT = ""
"""Open alerts first, then the longest without a session, then by code."""


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]
    total: int
    """Patients the user may read, before the search."""
    clinicians: int
    """How many clinicians' patients the user reads (the clinician column shows above one)."""


def clean_query(raw: str | None) -> tuple[str, str]:
    """The search text and a one-line problem: ``("", "")`` for no search, ``("", problem)`` for
    text that no patient code could contain (then the whole caseload is listed)."""
    query = (raw or "").strip()
    if not query:
        return "", ""
    if not QUERY_PATTERN.match(query):
        return "", QUERY_PROBLEM
    return query, ""


def _by_patient(queryset: QuerySet[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in queryset:
        grouped.setdefault(row.patient_id, []).append(row)
    return grouped


def _current_episode(treatments: list[Treatment]) -> Treatment | None:
    """An active episode before a paused or planned one, the latest start first within each."""
    ranked = sorted(
        treatments,
        key=lambda t: (_EPISODE_ORDER.get(t.status, 9), -t.start.toordinal(), -t.pk),
    )
    return ranked[0] if ranked else None


def _next_review(episode: Treatment | None) -> tuple[date | None, str]:
    """The date the episode's current crisis plan sets for its review, else its planned end;
    none for an episode that has ended (or no episode)."""
    if episode is None or episode.status not in _ONGOING:
        return None, ""
    if episode.plan_review is not None:
        return episode.plan_review, "crisis plan review"
    if episode.planned_end is not None:
        return episode.planned_end, "planned end"
    return None, ""


def _scores(series: tuple[overview.ScoreSeries, ...]) -> tuple[ScoreChange, ...]:
    out = []
    for x in series:
        scale = instruments.load(x.instrument).scale(x.scale)
        latest = x.latest
        previous = x.points[-2] if len(x.points) > 1 else None
        out.append(
            ScoreChange(
                short_title=x.short_title,
                label=scale.label.split(" (")[0],
                value=latest.value,
                decimals=scale.decimals,
                latest_date=latest.date,
                previous=previous.value if previous else None,
                previous_date=previous.date if previous else None,
                direction=x.direction,
            )
        )
    return tuple(out)


def build(user: Any, query: str = "", today: date | None = None) -> Caseload:
    """The caseload rows of ``user``'s patients whose code contains ``query`` (any case).

    A fixed number of queries whatever the number of patients: one per model, each for the
    whole caseload, and one batch of audit entries.
    """
    today = today or timezone.localdate()
    visible = scoping.visible_patients(user)
    counted = visible.aggregate(total=Count("pk"), clinicians=Count("clinician", distinct=True))
    chosen = visible.filter(code__icontains=query) if query else visible
    # The name is never shown on the caseload (codes only), so it is never decrypted for it.
    patients = list(chosen.select_related("clinician").defer("name"))
    if not patients:
        return Caseload([], counted["total"], counted["clinicians"])
    among = chosen.values("pk")
    sessions = _by_patient(
        scoping.visible(user, Session).filter(patient__in=among).defer(*SESSION_TEXT_FIELDS)
    )
    administrations = _by_patient(
        scoping.visible(user, QuestionnaireAdministration)
        .filter(patient__in=among)
        .defer("answers")
    )
    # The events' notes and the plans' texts are never decrypted: only dates and kinds are used.
    events = _by_patient(
        scoping.visible(user, OutcomeEvent).filter(patient__in=among).defer("note")
    )
    reviews = _by_patient(
        scoping.visible(user, AlertReview).filter(patient__in=among).defer("note")
    )
    plan_review = (
        CrisisPlanVersion.objects.filter(treatment=OuterRef("pk"))
        .order_by("-version")
        .values("review_date")[:1]
    )
    treatments = _by_patient(
        scoping.visible(user, Treatment)
        .filter(patient__in=among)
        .annotate(plan_review=Subquery(plan_review))
    )
    rows = []
    for patient in patients:
        held = sessions.get(patient.pk, [])
        found = overview.compute(
            patient,
            held,
            administrations.get(patient.pk, []),
            events.get(patient.pk, []),
            today,
            reviews.get(patient.pk, []),
        )
        last = max((s.date for s in held), default=None)
        episode = _current_episode(treatments.get(patient.pk, []))
        review, source = _next_review(episode)
        rows.append(
            CaseloadRow(
                patient=patient,
                last_session=last,
                days_since=None if last is None else (today - last).days,
                scores=_scores(found.series),
                episode=episode,
                next_review=review,
                review_source=source,
                days_to_review=None if review is None else (review - today).days,
                alerts=len(found.alerts),  # open alerts only: reviewed ones stop counting
            )
        )
    # Logged after the work, in one batch, so the audit chain's head is not held while parsing.
    services.audit_patient_summaries(user, overview.OVERVIEW_AUDIT_TYPE, patients)
    return Caseload(rows, counted["total"], counted["clinicians"])


def _default_key(row: CaseloadRow) -> tuple[Any, ...]:
    last = row.last_session
    return (-row.alerts, last is None, last or date.min, row.patient.code.lower(), row.patient.pk)


def order(rows: list[CaseloadRow], sort: str | None) -> tuple[list[CaseloadRow], str]:
    """``rows`` in the order ``sort`` names, and that order's name as it will be linked.

    Anything not in :data:`SORTS` (with or without a leading ``-``) is the default order, never
    an error. Ties keep the code order, so the same caseload always lists the same way.
    """
    name = (sort or "").strip()
    column = name.removeprefix("-")
    if column not in SORTS:
        return sorted(rows, key=_default_key), DEFAULT_SORT
    chosen = SORTS[column]
    base = sorted(rows, key=lambda r: (r.patient.code.lower(), r.patient.pk))
    present = [r for r in base if chosen.key(r) is not None]
    missing = [r for r in base if chosen.key(r) is None]
    # sort() is stable in either direction, so equal values stay in code order.
    present.sort(key=chosen.key, reverse=chosen.descending != name.startswith("-"))
    return present + missing, name


def descending(sort: str) -> bool:
    """Whether ``sort`` (a valid name from :func:`order`) lists its values largest first."""
    column = sort.removeprefix("-")
    return SORTS[column].descending != sort.startswith("-")

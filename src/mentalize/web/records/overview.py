"""The patient overview: what the analyser and the questionnaires say over a whole treatment.

Per session: the mean patient mentalizing and arousal, the therapist's calibration and stance,
and how many risk flags the analysis raised. Per questionnaire: the series of scores, each
compared with the **first administration of that instrument in the record** (the baseline) by
the instrument engine's own reliable-change rule (:func:`mentalize.instruments.compare`), so
the clinic never re-implements it. Outcome events with their dates. And the alerts drawn from
all of these, worded as prompts for clinical review, not as findings about the patient.

Records are fetched through :mod:`.scoping` and every row read is written to the audit log,
like every other page. No clinical free text (transcript words, notes, risk words) enters the
overview: only numbers, dates, instrument and event names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentalize.learned.reading import POLARITIES
from mentalize.outputs.labels import RISK_SEVERITY_LABELS
from mentalize.web.audit.chain import Action, record
from mentalize.web.records import scoping, services
from mentalize.web.records.figures import finite_number, session_figures
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    AlertReview,
    OutcomeEvent,
    Patient,
    QuestionnaireAdministration,
    Session,
)

__all__ = [
    "ALERT_WINDOW_DAYS",
    "Alert",
    "OutcomePoint",
    "Overview",
    "ReviewedAlert",
    "ScorePoint",
    "ScoreSeries",
    "SessionPoint",
    "alerts",
    "build",
    "compute",
    "questionnaire_series",
    "review_alert",
    "summarise_session",
    "to_dict",
]

ALERT_WINDOW_DAYS = 30
"""Outcome events this recent (in days, today included) raise an alert."""

INSTRUMENT_ORDER = ("phq9", "gad7", "rfq8")
"""Chart and alert order: the instruments with a published change rule first."""

RISK_WORDING = {
    "ideation": "suicidal ideation",
    "self_harm": "self-harm",
    "harm_to_others": "harm to others",
}


@dataclass(frozen=True)
class SessionPoint:
    """One session's readings. ``None`` means not enough to judge, never zero."""

    id: int
    date: date
    mentalizing: float | None
    arousal: float | None
    calibration: float | None
    stance: float | None
    patient_turns: int
    risk_flags: int
    risk_kinds: tuple[tuple[str, int], ...] = ()
    risk_rungs: tuple[tuple[str, str], ...] = ()
    """Per kind, the highest rung flagged (empty for figures stored before rungs were read)."""
    hyper_share: float | None = None
    hypo_share: float | None = None
    leanings: tuple[tuple[str, str], ...] = ()
    """The trained reader's hyper/hypo balance and polarity leanings (empty for sessions read
    before the reader, or on markers alone)."""

    @property
    def leaning_words(self) -> str:
        return " · ".join(pole for _, pole in self.leanings)


@dataclass(frozen=True)
class ScorePoint:
    """One administration's score on one scale, and its change from the baseline."""

    id: int
    date: date
    value: float
    change: float | None
    """Raw change from the baseline; ``None`` for the baseline itself."""
    classification: str | None
    """recovered / improved / unchanged / deteriorated; ``None`` for the baseline, or when the
    instrument has no published change rule."""
    flags: int = 0
    """Critical items answered at or above their threshold (e.g. PHQ-9 item 9)."""


@dataclass(frozen=True)
class ScoreSeries:
    """One scale of one instrument over the treatment."""

    instrument: str
    short_title: str
    scale: str
    label: str
    minimum: float
    maximum: float
    points: tuple[ScorePoint, ...]
    change_available: bool
    direction: str | None = None
    criterion: float | None = None
    """Smallest raw change counted as reliable (the published threshold, or 1.96 x S_diff)."""
    cutoff: float | None = None
    cutoff_label: str | None = None
    change_note: str = ""
    """Why change cannot be classified, when it cannot."""

    @property
    def baseline(self) -> ScorePoint:
        return self.points[0]

    @property
    def latest(self) -> ScorePoint:
        return self.points[-1]


@dataclass(frozen=True)
class OutcomePoint:
    id: int
    date: date
    kind: str
    label: str


@dataclass(frozen=True)
class Alert:
    """One prompt for review, with the page that shows its source."""

    kind: str
    """``outcome``, ``questionnaire_flag``, ``risk_flags`` or ``deterioration``."""
    message: str
    url: str
    link_text: str
    date: date
    source_id: int = 0
    """Id of the row that raised it: the outcome event, the questionnaire administration (the
    latest one, for a critical item or a deterioration) or the session."""

    @property
    def key(self) -> str:
        """Stable across page views, and new for each newer row that raises the same kind of
        alert: what a review (:class:`~.models.AlertReview`) is filed against."""
        return f"{self.kind}:{self.source_id}"


@dataclass(frozen=True)
class ReviewedAlert:
    """One review, with its alert while the alert would still be raised (an outcome event that
    has aged out of the window, say, is no longer computed, but its review stays listed)."""

    review: AlertReview
    alert: Alert | None
    url: str

    @property
    def label(self) -> str:
        return str(AlertReview.Kind(self.review.kind).label)


@dataclass(frozen=True)
class Overview:
    patient_id: int
    today: date
    sessions: tuple[SessionPoint, ...]
    series: tuple[ScoreSeries, ...]
    outcomes: tuple[OutcomePoint, ...]
    alerts: tuple[Alert, ...] = field(default=())
    """The alerts still open: raised and not yet reviewed."""
    reviewed: tuple[ReviewedAlert, ...] = field(default=())
    """Every review of the patient's alerts, newest first (the history is kept)."""

    def dates(self) -> list[date]:
        """Every date the charts place, for one shared time axis."""
        return sorted(
            {s.date for s in self.sessions}
            | {p.date for x in self.series for p in x.points}
            | {o.date for o in self.outcomes}
        )


def summarise_session(session: Session) -> SessionPoint:
    """The session's readings from the figures stored with its analysis.

    A session analysed before the figures were stored (a restored old backup, say) has none, and
    they are drawn from its full analysis here instead (:func:`.figures.session_figures`).
    """
    if session.figures_json:
        found = json.loads(session.figures_json)
    else:
        found = session_figures(session.analysis_json)
    kinds = found["risk_kinds"]
    return SessionPoint(
        id=session.pk,
        date=session.date,
        mentalizing=found["mentalizing"],
        arousal=found["arousal"],
        calibration=found["calibration"],
        stance=found["stance"],
        patient_turns=found["patient_turns"],
        risk_flags=sum(kinds.values()),
        risk_kinds=tuple(sorted(kinds.items())),
        risk_rungs=tuple(sorted(found.get("risk_rungs", {}).items())),
        hyper_share=found.get("hyper_share"),
        hypo_share=found.get("hypo_share"),
        leanings=tuple(
            (polarity, found.get("leanings", {})[polarity])
            for polarity in POLARITIES
            if polarity in found.get("leanings", {})
        ),
    )


def questionnaire_series(
    administrations: list[QuestionnaireAdministration],
) -> tuple[ScoreSeries, ...]:
    """Each instrument's scores in date order, compared with its first administration.

    Instruments with published change parameters (PHQ-9, GAD-7) chart the scale those parameters
    describe; instruments without (RFQ-8) chart every scale, with the engine's reason why change
    cannot be classified.
    """
    from mentalize.instruments import compare, load

    by_instrument: dict[str, list[QuestionnaireAdministration]] = {}
    for entry in sorted(administrations, key=lambda a: (a.date, a.pk)):
        by_instrument.setdefault(entry.instrument, []).append(entry)
    order = sorted(
        by_instrument,
        key=lambda i: (INSTRUMENT_ORDER.index(i) if i in INSTRUMENT_ORDER else 99, i),
    )
    out: list[ScoreSeries] = []
    for instrument_id in order:
        entries = by_instrument[instrument_id]
        instrument = load(instrument_id)
        params = instrument.change
        results = [json.loads(entry.result) for entry in entries]
        scales = [instrument.scale(params.scale)] if params else list(instrument.scales)
        for scale in scales:
            points: list[ScorePoint] = []
            first: float | None = None
            criterion = None
            for entry, result in zip(entries, results, strict=True):
                value = finite_number(result.get("scores", {}).get(scale.id))
                if value is None:
                    continue
                flags = len(result.get("flags", []))
                if first is None:
                    first = value
                    points.append(ScorePoint(entry.pk, entry.date, value, None, None, flags))
                    continue
                change = compare(instrument, first, value, scale=scale.id)
                criterion = change.reliable_change
                points.append(
                    ScorePoint(
                        entry.pk, entry.date, value, change.change, change.classification, flags
                    )
                )
            if not points:
                continue
            if params is not None and criterion is None and first is not None:
                # one administration so far
                criterion = compare(instrument, first, first, scale=scale.id).reliable_change
            out.append(
                ScoreSeries(
                    instrument=instrument.id,
                    short_title=instrument.short_title,
                    scale=scale.id,
                    label=scale.label,
                    minimum=scale.minimum,
                    maximum=scale.maximum,
                    points=tuple(points),
                    change_available=params is not None,
                    direction=params.direction if params else None,
                    criterion=criterion,
                    cutoff=params.cutoff if params else None,
                    cutoff_label=params.cutoff_label if params else None,
                    change_note="" if params else " ".join(instrument.change_unavailable.split()),
                )
            )
    return tuple(out)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _fmt(value)


def _ago(when: date, today: date) -> str:
    days = (today - when).days
    if days == 0:
        return "today"
    if days < 0:
        return "dated in the future"
    return "yesterday" if days == 1 else f"{days} days ago"


def alerts(
    patient_id: int,
    sessions: tuple[SessionPoint, ...],
    series: tuple[ScoreSeries, ...],
    outcomes: tuple[OutcomePoint, ...],
    today: date,
) -> tuple[Alert, ...]:
    """Prompts for review, most urgent kind first and newest first within a kind:

    * outcome events dated within the last :data:`ALERT_WINDOW_DAYS` days;
    * a critical questionnaire item (such as PHQ-9 item 9) on the latest administration;
    * every session whose analysis flagged risk language, with how many flags;
    * reliable deterioration of the latest score from the baseline, where the instrument has a
      published change rule (PHQ-9, GAD-7; the RFQ-8 has none, so it never alerts).

    An alert disappears when its cause does: an event ages past the window, a later
    administration is no longer reliably worse or no longer flags. It also leaves the open
    alerts once a clinician has reviewed it (:func:`compute`); a newer row raises a new one.
    """
    out: list[Alert] = []
    since = today - timedelta(days=ALERT_WINDOW_DAYS)
    for o in sorted(outcomes, key=lambda o: (o.date, o.id), reverse=True):
        if o.date >= since:
            out.append(
                Alert(
                    "outcome",
                    f"{o.label} on {o.date:%Y-%m-%d} ({_ago(o.date, today)}).",
                    reverse("overview", args=[patient_id]) + "#events",
                    "See the time line",
                    o.date,
                    o.id,
                )
            )
    seen: set[str] = set()
    for x in series:
        if x.instrument in seen:
            continue
        seen.add(x.instrument)
        latest = x.latest
        if latest.flags:
            out.append(
                Alert(
                    "questionnaire_flag",
                    f"{x.short_title} of {latest.date:%Y-%m-%d}: a critical item was answered at "
                    "or above its threshold. Review the answers and ask about risk.",
                    reverse("questionnaire", args=[latest.id]),
                    f"Open the {x.short_title}",
                    latest.date,
                    latest.id,
                )
            )
    for s in sorted(sessions, key=lambda s: (s.date, s.id), reverse=True):
        if s.risk_flags:
            rungs = dict(s.risk_rungs)
            kinds = ", ".join(
                f"{RISK_WORDING.get(k, k.replace('_', ' '))} ×{n}"
                + (f", up to {RISK_SEVERITY_LABELS[rungs[k]]}" if k in rungs else "")
                for k, n in s.risk_kinds
            )
            out.append(
                Alert(
                    "risk_flags",
                    f"session of {s.date:%Y-%m-%d}, {s.risk_flags} "
                    f"{'flag' if s.risk_flags == 1 else 'flags'} ({kinds}).",
                    reverse("session", args=[s.id]),
                    "Open the session",
                    s.date,
                    s.id,
                )
            )
    for x in series:
        latest = x.latest
        if len(x.points) > 1 and latest.classification == "deteriorated":
            assert latest.change is not None and x.criterion is not None
            out.append(
                Alert(
                    "deterioration",
                    f"{x.label} {_fmt(x.baseline.value)} on {x.baseline.date:%Y-%m-%d} "
                    f"(first) → {_fmt(latest.value)} on {latest.date:%Y-%m-%d}, "
                    f"{_signed(latest.change)}: reliably worse by the published criterion "
                    f"({_fmt(x.criterion)} points). Worth exploring with the patient.",
                    reverse("questionnaire", args=[latest.id]),
                    f"Open the latest {x.short_title}",
                    latest.date,
                    latest.id,
                )
            )
    return tuple(out)


def _source_url(patient_id: int, kind: str, source_id: int) -> str:
    """The page of the row that raised an alert of ``kind`` (as :func:`alerts` links it)."""
    if kind == AlertReview.Kind.OUTCOME:
        return reverse("overview", args=[patient_id]) + "#events"
    if kind == AlertReview.Kind.RISK_FLAGS:
        return reverse("session", args=[source_id])
    return reverse("questionnaire", args=[source_id])


def compute(
    patient: Patient,
    sessions: list[Session],
    administrations: list[QuestionnaireAdministration],
    events: list[OutcomeEvent],
    today: date | None = None,
    reviews: list[AlertReview] | None = None,
) -> Overview:
    """The overview of rows already fetched (and audited) by the caller.

    ``reviews`` (the patient's :class:`~.models.AlertReview` rows) take their alerts out of the
    open ones, so a reviewed alert stops counting on the caseload, and are listed with them.
    """
    today = today or timezone.localdate()
    # A session still waiting for (or failed in) its analysis has no reading to chart yet.
    analysed = (summarise_session(s) for s in sessions if s.analysed)
    points = tuple(sorted(analysed, key=lambda p: (p.date, p.id)))
    series = questionnaire_series(administrations)
    outcomes = tuple(
        OutcomePoint(o.pk, o.date, o.kind, o.get_kind_display())
        for o in sorted(events, key=lambda o: (o.date, o.pk))
    )
    raised = alerts(patient.pk, points, series, outcomes, today)
    found = {a.key: a for a in raised}
    done = sorted(reviews or [], key=lambda r: (r.reviewed_at, r.pk), reverse=True)
    reviewed_keys = {r.key for r in done}
    return Overview(
        patient_id=patient.pk,
        today=today,
        sessions=points,
        series=series,
        outcomes=outcomes,
        alerts=tuple(a for a in raised if a.key not in reviewed_keys),
        reviewed=tuple(
            ReviewedAlert(r, found.get(r.key), _source_url(patient.pk, r.kind, r.source_id))
            for r in done
        ),
    )


def _rows(
    user: Any, patient: Patient, *, notes: bool = True
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """The rows an overview is computed from; ``notes=False`` leaves the reviews' encrypted
    notes unread (the caseload only counts)."""
    sessions = list(
        scoping.visible(user, Session).filter(patient=patient).defer(*SESSION_TEXT_FIELDS)
    )
    administrations = list(
        scoping.visible(user, QuestionnaireAdministration).filter(patient=patient)
    )
    # The overview shows kind, date and severity; the encrypted note stays unread.
    events = list(scoping.visible(user, OutcomeEvent).filter(patient=patient).defer("note"))
    reviews = scoping.visible(user, AlertReview).filter(patient=patient)
    reviews = reviews.select_related("reviewed_by") if notes else reviews.defer("note")
    return sessions, administrations, events, list(reviews)


def build(user: Any, pk: Any, today: date | None = None) -> tuple[Patient, Overview]:
    """The patient (404 unless ``user`` may read it) and its overview; one audit read entry per
    row the overview was computed from (the alert reviews, whose notes it shows, included)."""
    patient = scoping.get_for(user, Patient, pk)
    sessions, administrations, events, reviews = _rows(user, patient)
    services.audit_reads(user, [patient, *sessions, *administrations, *events, *reviews])
    return patient, compute(patient, sessions, administrations, events, today, reviews)


def review_alert(
    user: Any, patient: Patient, key: str, note: str, today: date | None = None
) -> AlertReview | None:
    """File ``user``'s review of the patient's open alert ``key``, with its audit entry.

    The caller has checked that ``user`` may write to ``patient`` (:func:`.scoping.get_for` with
    ``write=True``): only the treating clinician reviews; a supervisor reads the reviews. The
    alert is looked up among those open now, so a key that was made up, has cleared since the
    page was drawn, or was reviewed already (a second click, another tab) files nothing and
    answers ``None``; two requests at once meet the ``alert_review_once`` constraint instead,
    rolled back to a savepoint so the caller's transaction stays usable.
    """
    sessions, administrations, events, reviews = _rows(user, patient, notes=False)
    found = compute(patient, sessions, administrations, events, today, reviews)
    alert = next((a for a in found.alerts if a.key == key), None)
    if alert is None:
        return None
    try:
        with transaction.atomic():
            review = AlertReview.objects.create(
                patient=patient,
                kind=alert.kind,
                source_id=alert.source_id,
                alert_date=alert.date,
                note=note,
                reviewed_by=user,
            )
            record(user, Action.CREATE, review)
    except IntegrityError:
        if not AlertReview.objects.filter(
            patient=patient, kind=alert.kind, source_id=alert.source_id
        ).exists():
            raise
        return None
    return review


OVERVIEW_AUDIT_TYPE = "records.patient.alerts"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def to_dict(overview: Overview) -> dict[str, Any]:
    """JSON-ready form for ``GET /api/v1/patients/{id}/overview/``."""
    return {
        "patient": overview.patient_id,
        "today": overview.today.isoformat(),
        "baseline": "first administration of each instrument in the record",
        "sessions": [
            {
                "id": s.id,
                "date": s.date.isoformat(),
                "mentalizing": _round(s.mentalizing),
                "arousal": _round(s.arousal),
                "calibration": _round(s.calibration),
                "stance": _round(s.stance),
                "patient_turns": s.patient_turns,
                "risk_flags": s.risk_flags,
                "risk_kinds": dict(s.risk_kinds),
                "risk_rungs": dict(s.risk_rungs),
            }
            for s in overview.sessions
        ],
        "questionnaires": [
            {
                "instrument": x.instrument,
                "scale": x.scale,
                "label": x.label,
                "range": [x.minimum, x.maximum],
                "change_available": x.change_available,
                "direction": x.direction,
                "reliable_change_criterion": x.criterion,
                "cutoff": x.cutoff,
                "change_note": x.change_note or None,
                "points": [
                    {
                        "id": p.id,
                        "date": p.date.isoformat(),
                        "value": p.value,
                        "change_from_baseline": p.change,
                        "classification": p.classification,
                        "flags": p.flags,
                    }
                    for p in x.points
                ],
            }
            for x in overview.series
        ],
        "outcome_events": [
            {"id": o.id, "date": o.date.isoformat(), "kind": o.kind} for o in overview.outcomes
        ],
        "alerts": [
            {"kind": a.kind, "date": a.date.isoformat(), "message": a.message, "url": a.url}
            for a in overview.alerts
        ],
    }

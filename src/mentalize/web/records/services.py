"""What the clinic's pages and API do to records, as functions: store a session and queue its
analysis, add a crisis plan version, score a questionnaire. Each write and its audit entry commit
together or not at all, so a failed upload leaves nothing half-saved.

Views call these after :mod:`.scoping` has allowed the write; nothing here checks permissions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from mentalize.errors import InputError, MentalizeError

# The analyser's own decoder (BOMs, binary sniffing, no legacy-code-page guessing) and extension
# map, so an upload is read exactly as `mentalize analyze FILE` reads it, without ever writing
# the transcript to a temporary file.
from mentalize.transcript.readers import FORMAT_BY_EXTENSION, decode_text
from mentalize.web.audit.chain import Action, record, record_many, record_raw_many
from mentalize.web.records import crisis_plan
from mentalize.web.records.figures import figures_json
from mentalize.web.records.models import (
    ClinicianNote,
    CrisisPlanVersion,
    OutcomeEvent,
    Patient,
    PsychotherapyNote,
    QuestionnaireAdministration,
    Session,
    SupervisionComment,
    Treatment,
)

log = logging.getLogger("mentalize.web.records")


class UploadError(MentalizeError):
    """A transcript the clinic cannot store: the message is safe to show (no transcript text)."""


class DuplicatePatientCode(MentalizeError):
    """The patient code is already in the clinician's caseload (ignoring case): another request
    stored it between the form's check and this save."""


@dataclass(frozen=True)
class Analysed:
    transcript: str
    fmt: str
    turns: int
    analysis_json: str
    report_html: str
    figures_json: str

    def reading(self) -> dict[str, Any]:
        """The session columns the analysis writes, in one place for every path that stores
        one (fixtures and imports here, the worker in ``analysis/tasks.py``)."""
        return {
            "turns": self.turns,
            "analysis_json": self.analysis_json,
            "report_html": self.report_html,
            "figures_json": self.figures_json,
        }


def format_for(filename: str | None) -> str | None:
    """The format the analyser would pick from the extension, or ``None`` to sniff content."""
    if not filename or "." not in filename:
        return None
    return FORMAT_BY_EXTENSION.get("." + filename.rsplit(".", 1)[1].lower())


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded file as text, or :class:`UploadError` saying what is wrong."""
    if not data:
        raise UploadError("The file is empty. Choose a transcript with lines like 'T: ...'.")
    if len(data) > settings.MENTALIZE_MAX_UPLOAD_BYTES:
        raise UploadError(too_large_message())
    try:
        return decode_text(data, "upload")
    except InputError as exc:
        raise UploadError(_problem(exc)) from None


def too_large_message() -> str:
    limit = settings.MENTALIZE_MAX_UPLOAD_BYTES // (1024 * 1024)
    return f"The file is larger than the {limit} MiB limit; split the session or export it as text."


def too_many_turns_message(turns: int) -> str:
    """One line naming the count and the limit; nothing from the transcript itself."""
    limit = settings.MENTALIZE_MAX_TURNS
    return (
        f"The transcript has {turns:,} turns, more than the {limit:,}-turn limit for one "
        "upload; split the session into parts."
    )


def _problem(exc: InputError) -> str:
    where = f" (line {exc.line})" if exc.line is not None else ""
    return exc.problem[:1].upper() + exc.problem[1:] + where + "."


@dataclass(frozen=True)
class Checked:
    """A transcript that reads: stored at once, analysed later by the queue."""

    transcript: str
    fmt: str
    turns: int


def _as_text(text: str) -> str:
    if not text.strip():
        raise UploadError("The transcript is empty. Paste or upload lines like 'T: ...'.")
    if len(text.encode("utf-8")) > settings.MENTALIZE_MAX_UPLOAD_BYTES:
        raise UploadError(too_large_message())
    return text


def check_transcript(text: str, fmt: str | None) -> Checked:
    """Read the transcript's turns (fast: no analysis), so a file the analyser cannot read is
    refused in the upload's own response and nothing is stored, as before the queue.

    A transcript over ``MENTALIZE_MAX_TURNS`` is refused here too, before anything is written
    or queued: the analysis's time, memory and stored size grow with the turns, and the byte
    limit alone admits hundreds of thousands of one-word turns."""
    from mentalize.transcript.readers import parse_transcript
    from mentalize.transcript.roles import assign_roles

    try:
        parsed = parse_transcript(_as_text(text), "<text>", format=fmt)
    except InputError as exc:
        raise UploadError(_problem(exc)) from None
    if len(parsed.turns) > settings.MENTALIZE_MAX_TURNS:
        raise UploadError(too_many_turns_message(len(parsed.turns)))
    transcript = assign_roles(parsed)
    return Checked(transcript=text, fmt=fmt or "auto", turns=len(transcript.turns))


def analyse(text: str, fmt: str | None, label: str = "uploaded transcript") -> Analysed:
    """Run :func:`mentalize.analyze_text` on the uploaded text; render the ``--html`` report.

    ``label`` becomes the analysis's ``source`` (shown in the report's header) in place of the
    uploaded file's name, which may itself name the patient.
    """
    from mentalize.analysis.entrypoints import analyze_text
    from mentalize.outputs.schema import to_json
    from mentalize.report import render_html

    source = _as_text(text)
    # The worker's own check: a session stored before the turn limit (or under a higher one)
    # fails with the same one line instead of running for minutes.
    check_transcript(source, fmt)
    try:
        analysis = analyze_text(source, format=fmt, model=settings.MENTALIZE_ANALYSIS_MODEL)
    except InputError as exc:
        raise UploadError(_problem(exc)) from None
    analysis = dataclasses.replace(analysis, source=label)
    analysis_json = to_json(analysis)
    return Analysed(
        transcript=text,
        fmt=fmt or "auto",
        turns=len(analysis.turns),
        analysis_json=analysis_json,
        report_html=render_html(analysis),
        figures_json=figures_json(analysis_json),
    )


def queue_session(
    user: Any, patient: Patient, treatment: Treatment | None, on: date, checked: Checked
) -> Session:
    """Store the session (transcript encrypted), its audit entry and its queued analysis in one
    transaction, and return at once: the analysis follows from a worker."""
    from mentalize.web.analysis.queue import enqueue

    with transaction.atomic():
        session = _create_session(
            user,
            patient,
            treatment,
            on,
            source_format=checked.fmt,
            turns=checked.turns,
            transcript=checked.transcript,
            analysis_status=Session.AnalysisStatus.PENDING,
        )
        enqueue(session)
    log.info("session %s stored for patient %s, analysis queued", session.pk, patient.pk)
    return session


def add_session(
    user: Any, patient: Patient, treatment: Treatment | None, on: date, analysed: Analysed
) -> Session:
    """Store a session whose analysis has already run (imports, fixtures): no queue."""
    with transaction.atomic():
        session = _create_session(
            user,
            patient,
            treatment,
            on,
            source_format=analysed.fmt,
            transcript=analysed.transcript,
            analysis_status=Session.AnalysisStatus.DONE,
            **analysed.reading(),
        )
    log.info("session %s stored for patient %s (%s turns)", session.pk, patient.pk, session.turns)
    return session


def _create_session(
    user: Any, patient: Patient, treatment: Treatment | None, on: date, **fields: Any
) -> Session:
    """A new session row and its audit entry (inside the caller's transaction)."""
    session = Session.objects.create(
        patient=patient, treatment=treatment, date=on, created_by=user, **fields
    )
    record(user, Action.CREATE, session)
    return session


def retry_analysis(user: Any, session: Session) -> None:
    """Queue a failed analysis again; the clinician's request is audited as an update."""
    from mentalize.web.analysis.queue import retry

    with transaction.atomic():
        record(user, Action.UPDATE, session)
        retry(session)


def create(user: Any, model: type[Any], **fields: Any) -> Any:
    """Create one row and its audit entry together."""
    with transaction.atomic():
        obj = model.objects.create(**fields)
        record(user, Action.CREATE, obj)
    return obj


def create_patient(user: Any, cleaned: dict[str, Any]) -> Patient:
    """A new patient on ``user``'s caseload from a valid ``PatientForm``'s data (page and API).

    The form checks the code against the caseload, but two requests at once (``abc`` and
    ``ABC``) can both pass that check; the database's ``patient_code_unique_per_clinician``
    then refuses the second insert. That refusal is rolled back to a savepoint (so an enclosing
    transaction stays usable, and no audit entry is written) and raised as
    :class:`DuplicatePatientCode`; any other integrity error propagates unchanged."""
    code = cleaned["code"]
    try:
        return create(user, Patient, code=code, name=cleaned["name"] or None, clinician=user)
    except IntegrityError as exc:
        # The constraint's name is in the message on PostgreSQL and SQLite alike; the row check
        # covers a backend that words it otherwise.
        if not (
            "patient_code_unique_per_clinician" in str(exc)
            or Patient.objects.filter(clinician=user, code__iexact=code).exists()
        ):
            raise
        log.info("patient code taken concurrently in the caseload of user %s", user.pk)
        raise DuplicatePatientCode(
            "This code is already in use in your caseload; choose another."
        ) from exc


def save_patient(user: Any, form: Any) -> Patient | None:
    """The patient of a valid ``PatientForm`` (page and API), or ``None`` with the form's
    duplicate-code error added when the code was taken meanwhile (:func:`create_patient`): the
    view then answers exactly as for a duplicate found while validating (the form again, or a
    400 with ``fields.code``), never a 500."""
    try:
        return create_patient(user, form.cleaned_data)
    except DuplicatePatientCode:
        form.duplicate_code()
        return None


def add_note(user: Any, session: Session, text: str, *, restricted: bool) -> Any:
    model = PsychotherapyNote if restricted else ClinicianNote
    return create(user, model, patient=session.patient, session=session, text=text, author=user)


def add_crisis_plan_version(
    user: Any,
    treatment: Treatment,
    *,
    patient_can_do: str,
    professionals_do: str,
    information_for_others: str,
    crisis_description: str = "",
    contacts: Iterable[crisis_plan.Contact] = (),
    review_date: date | None = None,
) -> CrisisPlanVersion:
    """A new version numbered after the latest; the contacts are stored as one encrypted JSON
    value (:func:`.crisis_plan.contacts_json`).

    Two edits of one plan at once each become a version, one after the other: the treatment's
    row is locked first, so on PostgreSQL the second waits for the first to commit before it
    reads the latest number (without the lock both read the same one and the loser's save was a
    500). SQLite's write transactions are serialised already; the unique constraint stays as
    the backstop.
    """
    with transaction.atomic():
        Treatment.objects.select_for_update().filter(pk=treatment.pk).exists()
        latest = treatment.crisis_plan_versions.order_by("-version").first()
        version = CrisisPlanVersion.objects.create(
            patient=treatment.patient,
            treatment=treatment,
            version=(latest.version + 1) if latest else 1,
            crisis_description=crisis_description,
            patient_can_do=patient_can_do,
            professionals_do=professionals_do,
            information_for_others=information_for_others,
            contacts=crisis_plan.contacts_json(contacts),
            review_date=review_date,
            author=user,
        )
        record(user, Action.CREATE, version)
    return version


def add_questionnaire(
    user: Any,
    patient: Patient,
    treatment: Treatment | None,
    instrument_id: str,
    answers: list[int],
    on: date,
    *,
    entered_by: Any = None,
) -> QuestionnaireAdministration:
    """Score with the instrument engine and store answers and result (both encrypted).

    ``user`` is the audit actor; ``entered_by`` defaults to it (a patient's one-time link passes
    the clinician who made the link, since the link itself is no user)."""
    from mentalize.instruments import score

    result = score(instrument_id, answers)
    return create(
        user,
        QuestionnaireAdministration,
        patient=patient,
        treatment=treatment,
        instrument=result.instrument,
        instrument_version=result.version,
        date=on,
        answers=json.dumps(list(result.answers)),
        result=json.dumps(result.to_dict(), sort_keys=True),
        entered_by=entered_by or user,
    )


class OtherPatientsSession(MentalizeError):
    """An outcome event may link only a session of its own patient."""


def add_outcome(
    user: Any,
    patient: Patient,
    treatment: Treatment | None,
    kind: str,
    on: date,
    *,
    severity: str = "",
    session: Session | None = None,
    note: str = "",
) -> OutcomeEvent:
    """An outcome event and its audit entry. The form offers only the patient's own sessions;
    this refuses any other too, so no caller (page, API, import) can link one across patients.
    An empty note is stored as ``NULL``, like events recorded before notes existed."""
    if session is not None and session.patient_id != patient.pk:
        raise OtherPatientsSession("The session is not one of this patient's sessions.")
    return create(
        user,
        OutcomeEvent,
        patient=patient,
        treatment=treatment,
        kind=kind,
        date=on,
        severity=severity,
        session=session,
        note=note or None,
        recorded_by=user,
    )


def add_supervision_comment(
    user: Any, patient: Patient, text: str, session: Session | None = None
) -> SupervisionComment:
    """A supervisor's comment on ``patient`` (optionally about one of its sessions), with its
    audit entry in the same transaction. The caller has checked that ``user`` supervises the
    patient's clinician (:func:`mentalize.web.records.views.supervision.may_comment`). There is
    no function to edit or delete one: comments are append-only, so the record keeps them all."""
    return create(
        user, SupervisionComment, patient=patient, session=session, text=text, author=user
    )


def audit_reads(user: Any, objects: list[Any]) -> None:
    """One read entry per clinical row shown on a page, appended in one batch."""
    record_many(user, Action.READ, list(objects))


def audit_patient_summaries(user: Any, object_type: str, patients: list[Patient]) -> None:
    """One read entry of type ``object_type`` per patient (the caseload's summary of each
    patient's rows), appended in one batch: the queries do not grow with the caseload, as one
    :func:`~mentalize.web.audit.chain.record_raw` per patient did."""
    record_raw_many(user, Action.READ, [(object_type, str(p.pk), p.pk) for p in patients])

"""The clinical record. Every free-text field is an :class:`EncryptedTextField`.

Every model below Patient carries a ``patient`` foreign key, so the scoping module can decide
access for any row with one filter (``patient__in=visible_patients(user)``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from mentalize.web.fields import EncryptedTextField


class Patient(models.Model):
    """A patient on a clinician's caseload, known in the clinic by a pseudonymous code.

    Codes are unique within one clinician's caseload (ignoring case), not across the clinic:
    a clinic-wide rule would tell a clinician that a code they try is in someone else's
    caseload, which is the existence of a patient they may not see (docs/clinic.md).
    """

    code = models.CharField(
        max_length=32, help_text="Pseudonymous code, e.g. MBT-0142. No names here."
    )
    name = EncryptedTextField(null=True, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patients"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("code",)
        constraints = (
            models.UniqueConstraint(
                Lower("code"), "clinician", name="patient_code_unique_per_clinician"
            ),
        )

    def __str__(self) -> str:
        return self.code


class Treatment(models.Model):
    """One treatment episode (MBT typically runs 12-18 months)."""

    class Modality(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        GROUP = "group", "Group"
        COMBINED = "combined", "Combined (individual and group)"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        TWICE_WEEKLY = "twice_weekly", "Twice weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        ENDED_EARLY = "ended_early", "Ended early"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatments")
    modality = models.CharField(max_length=16, choices=Modality.choices)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    start = models.DateField()
    planned_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-start", "-pk")

    def __str__(self) -> str:
        return f"{self.get_modality_display()} from {self.start:%Y-%m-%d}"


class Session(models.Model):
    """One therapy session: the transcript and the analyser's reading of it, both encrypted.

    The transcript is stored when it is uploaded; the analysis follows from the task queue
    (:mod:`mentalize.web.analysis`), so ``analysis_json`` and ``report_html`` stay empty until
    ``analysis_status`` is ``done``. ``analysis_error`` is a one-line reason written by the
    clinic itself, never text from the transcript, so it is stored in the clear.
    """

    class AnalysisStatus(models.TextChoices):
        PENDING = "pending", "Waiting for the analyser"
        RUNNING = "running", "Being analysed"
        DONE = "done", "Analysed"
        FAILED = "failed", "Analysis failed"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sessions")
    treatment = models.ForeignKey(
        Treatment, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    date = models.DateField()
    source_format = models.CharField(max_length=8)
    turns = models.PositiveIntegerField()
    transcript = EncryptedTextField()
    # Empty until the analysis is done (BinaryField's implicit default, stored as "").
    analysis_json = EncryptedTextField(help_text="mentalize.session/1 JSON")
    report_html = EncryptedTextField(help_text="The report `mentalize analyze --html` writes")
    # Written with the analysis: the few numbers the overview and caseload chart (figures.py),
    # so they need not decrypt and parse every full analysis on each view.
    figures_json = EncryptedTextField(help_text="Overview figures drawn from the analysis")
    analysis_status = models.CharField(
        max_length=8, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    analysis_error = models.CharField(max_length=300, blank=True, default="")
    # The queued task (django_tasks_db's result id) that is to analyse this session; recovery
    # after a crash compares it with the queue to find analyses that no worker will finish.
    analysis_task_id = models.CharField(max_length=64, blank=True, default="")
    analysis_attempts = models.PositiveSmallIntegerField(default=0)
    analysed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-date", "-pk")
        indexes = (models.Index(fields=("analysis_status",), name="session_analysis_status"),)

    @property
    def analysed(self) -> bool:
        return self.analysis_status == self.AnalysisStatus.DONE

    @property
    def analysis_waiting(self) -> bool:
        """Queued or running: the page refreshes itself until the reading is there."""
        return self.analysis_status in (self.AnalysisStatus.PENDING, self.AnalysisStatus.RUNNING)


# A session's large encrypted columns. Listings and the overview need none of them (the overview's
# figures are stored apart), and decrypting them for every session of every patient was most of
# the caseload's time: such queries ``defer`` them.
SESSION_TEXT_FIELDS = ("transcript", "analysis_json", "report_html")


class ClinicianNote(models.Model):
    """A clinician's note on a session; supervisors may read it."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")


class PsychotherapyNote(models.Model):
    """Process notes kept apart from the record (as HIPAA's "psychotherapy notes" are): only the
    owning clinician reads them; supervisors and admins do not, and exports leave them out."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="psychotherapy_notes"
    )
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")


class CrisisPlanVersion(models.Model):
    """One version of a treatment's MBT crisis plan. Editing adds a version; none is overwritten,
    so the history shows who changed what, and when.

    The parts follow the MBT crisis plan's order (:mod:`.crisis_plan`): what happens in a crisis
    (triggers and early signs), what the patient can do, what others can do (``professionals_do``,
    named before the plan covered family and friends too), information for others, the people
    to contact with their numbers, and when the plan is next reviewed. ``crisis_description``,
    ``contacts`` and ``review_date`` came with migration 0007 and are NULL on versions written
    before it: those read as "not recorded", never as an empty answer someone gave.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="crisis_plan_versions"
    )
    version = models.PositiveIntegerField()
    crisis_description = EncryptedTextField(
        null=True, blank=True, help_text="What happens in a crisis: triggers and early signs"
    )
    patient_can_do = EncryptedTextField()
    professionals_do = EncryptedTextField(help_text="What others can do")
    information_for_others = EncryptedTextField()
    # Names and numbers of the people to call are as private as any note: a JSON list of
    # {"name", "role", "phone"} (crisis_plan.contacts_json), encrypted as one value.
    contacts = EncryptedTextField(null=True, blank=True, help_text="JSON list of contacts")
    review_date = models.DateField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-version",)
        constraints = (
            models.UniqueConstraint(fields=("treatment", "version"), name="crisis_plan_version"),
        )


class OutcomeEventQuerySet(models.QuerySet["OutcomeEvent"]):
    """Outcome events with their linked session's date at hand, but none of its encrypted text:
    every listing shows the session as a dated link, and decrypting a transcript per event to
    print a date was the cost the session listings already avoid (``SESSION_TEXT_FIELDS``)."""

    def with_session_date(self) -> OutcomeEventQuerySet:
        return self.select_related("session").defer(
            *(f"session__{name}" for name in (*SESSION_TEXT_FIELDS, "figures_json"))
        )


class OutcomeEventManager(models.Manager["OutcomeEvent"]):
    def get_queryset(self) -> OutcomeEventQuerySet:
        return OutcomeEventQuerySet(self.model, using=self._db).with_session_date()


class OutcomeEvent(models.Model):
    """A dated outcome that MBT trials count: self-harm, suicide attempts, hospitalisation.

    Since migration 0007 an event may carry a note (encrypted), a severity and a link to one of
    the same patient's sessions (checked in the form and again in ``services.add_outcome``).
    Events recorded before have none of them: severity ``""`` reads "not recorded".
    """

    class Kind(models.TextChoices):
        SELF_HARM = "self_harm", "Self-harm act"
        SUICIDE_ATTEMPT = "suicide_attempt", "Suicide attempt"
        HOSPITALISATION = "hospitalisation", "Hospitalisation"
        CRISIS_CONTACT = "crisis_contact", "Crisis contact"

    class Severity(models.TextChoices):
        """Graded by the care the event needed, which a clinician can tell from the record,
        rather than by an impression of intent."""

        LOW = "low", "Low: no medical care needed"
        MODERATE = "moderate", "Moderate: needed medical care"
        HIGH = "high", "High: needed urgent or hospital care"
        CRITICAL = "critical", "Critical: life-threatening"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="outcome_events")
    treatment = models.ForeignKey(
        Treatment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    date = models.DateField()
    severity = models.CharField(max_length=12, choices=Severity.choices, blank=True, default="")
    # A deleted session leaves the event in place: it is still a counted outcome.
    session = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcome_events",
    )
    note = EncryptedTextField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutcomeEventManager()

    class Meta:
        ordering = ("-date", "-pk")

    @property
    def severity_word(self) -> str:
        """The severity's first word ("High"), for listings; the form shows the whole label."""
        return self.get_severity_display().split(":", 1)[0] if self.severity else ""


class QuestionnaireAdministration(models.Model):
    """One questionnaire filled in, scored by :mod:`mentalize.instruments`.

    Answers and the score result are encrypted (an item such as PHQ-9's ninth is as sensitive as
    any note); the instrument id and date stay plain so administrations can be listed.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaires")
    treatment = models.ForeignKey(
        Treatment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=32)
    date = models.DateField()
    answers = EncryptedTextField(help_text="JSON list of item answers")
    result = EncryptedTextField(help_text="ScoreResult.to_dict() as JSON")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-date", "-pk")


class AlertReview(models.Model):
    """A clinician's review of one alert of the overview (:mod:`.overview`), with an optional note.

    Alerts are computed, not stored, so a review names its alert by a stable key: the alert's
    ``kind`` and the id of the row that raised it (the outcome event, the questionnaire
    administration, or the session). A newer row raises a new alert with a new key, which shows
    again until it is reviewed in turn. Reviews are append-only, never edited or deleted, so the
    record keeps who reviewed which alert, when and why; one review per alert (a second submit of
    the same form adds nothing). The note is clinical text and is encrypted like every other.
    """

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome event"
        QUESTIONNAIRE_FLAG = "questionnaire_flag", "Critical item"
        RISK_FLAGS = "risk_flags", "Risk language"
        DETERIORATION = "deterioration", "Reliable deterioration"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alert_reviews")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    source_id = models.PositiveIntegerField(
        help_text="Id of the row that raised the alert (event, administration or session)"
    )
    alert_date = models.DateField(help_text="The alert's own date (of the row that raised it)")
    note = EncryptedTextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-reviewed_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("patient", "kind", "source_id"), name="alert_review_once"
            ),
        )

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.source_id}"


class SupervisionComment(models.Model):
    """A supervisor's comment on a supervisee's patient, optionally about one session (issue 19).

    Supervision in MBT is where a clinician's own mentalizing of the patient is looked at, so the
    comment belongs in the record where the clinician sees it, not in e-mail. Only the treating
    clinician's supervisor writes one; the clinician and that supervisor read them (see
    :mod:`.services`, ``may_comment``). Comments are append-only, never edited or deleted, so the
    record keeps who said what, and when; the text is clinical and encrypted like every other.
    A deleted session leaves the comment in place (``SET_NULL``): it is still part of the history.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="supervision_comments"
    )
    session = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_comments",
    )
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")

"""Forms for the clinic's pages. Plain forms, not ModelForms: encrypted fields are not editable
model fields, and each form says exactly what a clinician may enter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from mentalize import instruments
from mentalize.transcript import formats
from mentalize.web.records import crisis_plan
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    OutcomeEvent,
    Patient,
    Session,
    Treatment,
)

# Every bundled questionnaire (instruments/data/*.toml): adding one there offers it here, in the
# API and in its OpenAPI enum, with no list to keep in step.
INSTRUMENTS: tuple[str, ...] = instruments.available()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> needs


DUPLICATE_CODE = "This code is already in use in your caseload; choose another."


class PatientForm(forms.Form):
    code = forms.RegexField(
        regex=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
        max_length=32,
        help_text="Pseudonymous code (letters, digits, - and _), e.g. MBT-0142.",
        error_messages={"invalid": "Use letters, digits, - and _ only (up to 32)."},
    )
    name = forms.CharField(required=False, max_length=200, help_text="Optional. Stored encrypted.")

    def __init__(self, *args: Any, clinician: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinician = clinician

    def clean_code(self) -> str:
        """Unique in the clinician's own caseload only: other caseloads are not consulted, so
        whether a code exists there cannot be learned by trying it (issue 18, finding 7)."""
        code = self.cleaned_data["code"]
        if Patient.objects.filter(clinician=self.clinician, code__iexact=code).exists():
            raise forms.ValidationError(DUPLICATE_CODE, code="duplicate")
        return code

    def duplicate_code(self) -> None:
        """The code was taken in the caseload after :meth:`clean_code` looked (two requests at
        once, ``abc`` and ``ABC``): the same error as a duplicate found while validating."""
        self.add_error("code", forms.ValidationError(DUPLICATE_CODE, code="duplicate"))


class TreatmentForm(forms.Form):
    modality = forms.ChoiceField(choices=Treatment.Modality.choices)
    frequency = forms.ChoiceField(choices=Treatment.Frequency.choices)
    start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(required=False, widget=DATE)
    status = forms.ChoiceField(choices=Treatment.Status.choices, initial=Treatment.Status.ACTIVE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The planned end is before the start.")
        return data


class _TreatmentChoice(forms.Form):
    """A form with an optional treatment episode of one patient."""

    treatment = forms.ModelChoiceField(
        queryset=Treatment.objects.none(), required=False, label="Treatment episode"
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["treatment"]
        field.queryset = patient.treatments.all()
        field.empty_label = "(no episode)"
        # With exactly one active episode, that is almost always the one meant: preselect it, so
        # a questionnaire or session is not filed under no episode by a missed select. With none
        # or several there is no safe guess, and the clinician chooses.
        active = list(patient.treatments.filter(status=Treatment.Status.ACTIVE)[:2])
        if len(active) == 1 and "treatment" not in self.initial:
            field.initial = active[0].pk


class SessionForm(_TreatmentChoice):
    date = forms.DateField(widget=DATE, initial=timezone.localdate)
    transcript_file = forms.FileField(
        required=False,
        label="Transcript file",
        help_text=f"{formats.file_types()}, UTF-8, up to 5 MiB.",
    )
    transcript_text = forms.CharField(
        required=False,
        label="…or paste the transcript",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        choices=[("", "Detect"), *((f.name, f.label) for f in formats.REGISTERED)],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The turn limit is a setting (MENTALIZE_MAX_TURNS): say it where the file is chosen.
        self.fields["transcript_file"].help_text = (
            f"{formats.file_types()}, UTF-8, up to 5 MiB and "
            f"{settings.MENTALIZE_MAX_TURNS:,} turns."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_file = bool(data.get("transcript_file"))
        has_text = bool((data.get("transcript_text") or "").strip())
        if has_file and has_text:
            raise forms.ValidationError("Upload a file or paste text, not both.")
        return data


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class AlertReviewForm(forms.Form):
    """Marks one open alert reviewed. The key is the alert's own (``kind:row id``, see
    :attr:`.overview.Alert.key`); which alerts are open is decided again on the server."""

    key = forms.RegexField(regex=r"^[a-z_]{1,24}:[0-9]{1,12}$", max_length=40)
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class _SessionChoice(forms.ModelChoiceField):
    """A session named by its date and length: a session has no other name a page may show."""

    def label_from_instance(self, obj: Session) -> str:
        return f"{obj.date:%Y-%m-%d} ({obj.turns} turns)"


class SupervisionCommentForm(forms.Form):
    """A supervisor's comment on a supervisee's patient, optionally about one of its sessions.

    Only that patient's sessions are offered (and accepted), loaded without their encrypted
    text: the choice needs the date and length only."""

    session = _SessionChoice(
        queryset=Session.objects.none(),
        required=False,
        label="About the session (optional)",
        empty_label="(the treatment in general)",
    )
    text = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = patient.sessions.defer(
            *SESSION_TEXT_FIELDS, "figures_json"
        )


def _plan_text(section: crisis_plan.Section, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=section.label,
        help_text=section.help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )


_SECTION = {s.field: s for s in crisis_plan.SECTIONS}
CONTACT_PARTS = ("name", "role", "phone")


class CrisisPlanForm(forms.Form):
    """The next version of a crisis plan, in the MBT plan's order (:mod:`.crisis_plan`).

    What the patient and others can do, and what others should know, are required, as they
    always were. What happens in a crisis, the contacts and the review date are optional: a
    first plan is often written before every number is agreed, and versions from before they
    existed must stay revisable. The page says so when a plan has no number to call.

    Contacts are fixed rows (``contact_<n>_name|role|phone``; no script adds rows): a row with
    anything in it needs a name and a number; an empty row is ignored.
    """

    crisis_description = _plan_text(_SECTION["crisis_description"], required=False)
    patient_can_do = _plan_text(_SECTION["patient_can_do"], required=True)
    professionals_do = _plan_text(_SECTION["professionals_do"], required=True)
    information_for_others = _plan_text(_SECTION["information_for_others"], required=True)
    review_date = forms.DateField(
        required=False,
        widget=DATE,
        label="Review date",
        help_text="When you and the patient will go through the plan together again.",
    )

    def __init__(self, *args: Any, rows: int = crisis_plan.CONTACT_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(1, rows + 1):
            for part, label, length in (
                ("name", "name or service", 100),
                ("role", "relationship or role", 100),
                ("phone", "phone number", 32),
            ):
                # The rows are a table under one heading per column, so each input carries
                # its full name for screen readers (and the browser tests) as aria-label.
                self.fields[f"contact_{n}_{part}"] = forms.CharField(
                    required=False,
                    max_length=length,
                    label=f"Contact {n}: {label}",
                    widget=forms.TextInput(
                        attrs={
                            "autocomplete": "off",
                            "aria-label": f"Contact {n}: {label}",
                            **({"inputmode": "tel"} if part == "phone" else {}),
                        }
                    ),
                )

    @staticmethod
    def initial_for(version: Any) -> dict[str, Any]:
        """The form's initial values from a stored version, for revising it."""
        plan = crisis_plan.plan_of(version)
        initial: dict[str, Any] = {s.field: plan[s.field] for s in crisis_plan.SECTIONS}
        initial["review_date"] = plan["review_date"]
        for n, contact in enumerate(plan["contacts"], start=1):
            for part in CONTACT_PARTS:
                initial[f"contact_{n}_{part}"] = getattr(contact, part)
        return initial

    def sections(self) -> list[forms.BoundField]:
        return [self[s.field] for s in crisis_plan.SECTIONS]

    def contact_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (n, [self[f"contact_{n}_{part}"] for part in CONTACT_PARTS])
            for n in range(1, self.rows + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        contacts: list[crisis_plan.Contact] = []
        for n in range(1, self.rows + 1):
            name, role, phone = (data.get(f"contact_{n}_{part}") or "" for part in CONTACT_PARTS)
            if not (name or role or phone):
                continue
            if not name:
                self.add_error(f"contact_{n}_name", f"Contact {n} needs a name or a service.")
            if not phone:
                self.add_error(f"contact_{n}_phone", f"Contact {n} needs a phone number.")
            elif problem := crisis_plan.phone_problem(phone):
                self.add_error(f"contact_{n}_phone", f"Contact {n}: {problem}")
            contacts.append(crisis_plan.Contact(name, role, phone))
        data["contacts"] = tuple(contacts)
        return data

    def plan(self) -> dict[str, Any]:
        """The valid submission as a version's content (the keywords of
        ``services.add_crisis_plan_version``, and :func:`.crisis_plan.plan_of`'s shape)."""
        data = self.cleaned_data
        return {
            **{s.field: data[s.field] for s in crisis_plan.SECTIONS},
            "contacts": data["contacts"],
            "review_date": data["review_date"],
        }


class OutcomeForm(_TreatmentChoice):
    """An outcome event; severity, a note and the session it came up in are optional.

    Only this patient's sessions are offered, and a session id of anyone else's is refused with
    the form's own error (the choice's queryset is the patient's), whatever the request says."""

    kind = forms.ChoiceField(choices=OutcomeEvent.Kind.choices)
    date = forms.DateField(widget=DATE)
    severity = forms.ChoiceField(
        choices=[("", "Not recorded"), *OutcomeEvent.Severity.choices],
        required=False,
        help_text="By the care the event needed.",
    )
    session = _SessionChoice(
        queryset=Session.objects.none(),
        required=False,
        label="Session it came up in (optional)",
        empty_label="(no session)",
        error_messages={"invalid_choice": "Choose one of this patient's own sessions."},
    )
    note = forms.CharField(
        required=False,
        label="Note (optional)",
        help_text="What happened, briefly. Stored encrypted.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, patient=patient, **kwargs)
        self.fields["session"].queryset = patient.sessions.defer(
            *SESSION_TEXT_FIELDS, "figures_json"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        session, treatment = data.get("session"), data.get("treatment")
        if session and treatment and session.treatment_id not in (None, treatment.pk):
            self.add_error("session", "That session belongs to another treatment episode.")
        elif session and treatment is None and session.treatment_id is not None:
            # An event linked to a session belongs to that session's episode: filed under none,
            # it would drop out of the episode's record and overview.
            data["treatment"] = session.treatment
        return data


def questionnaire_form(instrument: Any, patient: Patient, data: Any = None) -> forms.Form:
    """A form with one required radio group per item of ``instrument`` (from its data file)."""
    form = _TreatmentChoice(data, patient=patient)
    form.fields["date"] = forms.DateField(widget=DATE, initial=timezone.localdate)
    choices = [(str(o.value), f"{o.value} · {o.label}") for o in instrument.options]
    for item in instrument.items:
        form.fields[f"item_{item.number}"] = forms.TypedChoiceField(
            label=f"{item.number}. {item.text}",
            choices=choices,
            coerce=int,
            widget=forms.RadioSelect,
        )
    return form

"""Forms for the clinic's pages. Plain forms, not ModelForms: encrypted fields are not editable
model fields, and each form says exactly what a clinician may enter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from mentalize import instruments
from mentalize.transcript import formats
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


class CrisisPlanForm(forms.Form):
    patient_can_do = forms.CharField(
        label="What the patient can do",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    professionals_do = forms.CharField(
        label="What professionals should do",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    information_for_others = forms.CharField(
        label="Information for others (including what not to do)",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )


class OutcomeForm(_TreatmentChoice):
    kind = forms.ChoiceField(choices=OutcomeEvent.Kind.choices)
    date = forms.DateField(widget=DATE)


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

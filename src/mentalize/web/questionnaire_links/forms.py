"""The clinician's form to make a link, and the patient's form built from the instrument data."""

from __future__ import annotations

from typing import Any

from django import forms

from mentalize.web.records.forms import INSTRUMENTS
from mentalize.web.records.models import Patient, Treatment


class LinkForm(forms.Form):
    instrument = forms.ChoiceField(choices=[(i, i.upper()) for i in INSTRUMENTS])
    treatment = forms.ModelChoiceField(
        queryset=Treatment.objects.none(), required=False, label="Treatment episode"
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from mentalize.instruments import load

        self.fields["instrument"].choices = [(i, load(i).short_title) for i in INSTRUMENTS]
        field = self.fields["treatment"]
        field.queryset = patient.treatments.all()
        field.empty_label = "(no episode)"


def answers_form(instrument: Any, data: Any = None) -> forms.Form:
    """One required radio group per item, options and wording from the instrument's data file.

    The messages name the question by number, since the patient has no one to ask."""
    form = forms.Form(data)
    choices = [(str(o.value), o.label) for o in instrument.options]
    for item in instrument.items:
        form.fields[f"item_{item.number}"] = forms.TypedChoiceField(
            label=item.text,
            choices=choices,
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Please choose an answer to question {item.number}.",
                "invalid_choice": (
                    f"Question {item.number}: please choose one of the answers shown."
                ),
            },
        )
    return form


def answers(instrument: Any, form: forms.Form) -> list[int]:
    """The cleaned answers in item order."""
    return [form.cleaned_data[f"item_{item.number}"] for item in instrument.items]

"""Crisis plans, questionnaires and outcome events."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from mentalize.web.records import scoping, services
from mentalize.web.records.forms import (
    INSTRUMENTS,
    CrisisPlanForm,
    OutcomeForm,
    questionnaire_form,
)
from mentalize.web.records.models import Patient, QuestionnaireAdministration, Treatment

if TYPE_CHECKING:
    from mentalize.instruments.model import Scale


@login_required
@require_http_methods(["GET", "POST"])
def crisis_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The current plan, a form for the next version (owner only) and every earlier version."""
    treatment = scoping.get_for(request.user, Treatment, pk, write=request.method == "POST")
    versions = list(treatment.crisis_plan_versions.select_related("author"))
    current = versions[0] if versions else None
    initial = (
        {
            "patient_can_do": current.patient_can_do,
            "professionals_do": current.professionals_do,
            "information_for_others": current.information_for_others,
        }
        if current
        else None
    )
    form = CrisisPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if initial is not None and form.cleaned_data == initial:
            messages.info(request, "No changes; the plan stays at its current version.")
        else:
            services.add_crisis_plan_version(request.user, treatment, **form.cleaned_data)
            messages.success(request, "Crisis plan saved as a new version.")
        return redirect("crisis_plan", pk=treatment.pk)
    services.audit_reads(request.user, versions)
    return render(
        request,
        "clinic/crisis_plan.html",
        {
            "treatment": treatment,
            "patient": treatment.patient,
            "current": current,
            "history": versions[1:],
            "form": form,
            "can_write": scoping.can_write(request.user, treatment),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_add(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    from mentalize.instruments import load

    if instrument not in INSTRUMENTS:
        raise Http404("No such questionnaire.")
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    definition = load(instrument)
    form = questionnaire_form(definition, patient, request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = [form.cleaned_data[f"item_{item.number}"] for item in definition.items]
        entry = services.add_questionnaire(
            request.user,
            patient,
            form.cleaned_data["treatment"],
            instrument,
            answers,
            form.cleaned_data["date"],
        )
        return redirect("questionnaire", pk=entry.pk)
    return render(
        request,
        "clinic/questionnaire_form.html",
        {"form": form, "patient": patient, "instrument": definition},
    )


@login_required
@require_safe
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from mentalize.instruments import load

    entry = scoping.get_for(request.user, QuestionnaireAdministration, pk)
    definition = load(entry.instrument)
    scored = json.loads(entry.result)
    answers = json.loads(entry.answers)
    rows = [
        (item.number, item.text, answer, definition.option(answer).label)
        for item, answer in zip(definition.items, answers, strict=True)
    ]
    services.audit_reads(request.user, [entry])
    return render(
        request,
        "clinic/questionnaire.html",
        {
            "entry": entry,
            "patient": entry.patient,
            "instrument": definition,
            "scored": scored,
            "scales": [(s.label, _shown(scored["scores"].get(s.id), s)) for s in definition.scales],
            "rows": rows,
        },
    )


def _shown(value: float | None, scale: Scale) -> str:
    """A score with its scale's published number of decimals (RFQ means 1.00, not 1.0), as the
    interpretation text below it writes it."""
    return "—" if value is None else f"{value:.{scale.decimals}f}"


@login_required
@require_http_methods(["GET", "POST"])
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    form = OutcomeForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.add_outcome(request.user, patient, data["treatment"], data["kind"], data["date"])
        messages.success(request, "Outcome event recorded.")
        return redirect("patient", pk=patient.pk)
    return render(request, "clinic/outcome_form.html", {"form": form, "patient": patient})

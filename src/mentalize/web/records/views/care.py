"""Crisis plans (and the patient's printable copy), questionnaires and outcome events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from mentalize.web.records import crisis_plan as plans
from mentalize.web.records import scoping, services
from mentalize.web.records.figures import finite_number
from mentalize.web.records.forms import (
    INSTRUMENTS,
    CrisisPlanForm,
    OutcomeForm,
    questionnaire_form,
)
from mentalize.web.records.models import (
    CrisisPlanVersion,
    Patient,
    QuestionnaireAdministration,
    Treatment,
)

# The overview's words for a classification, so the two pages say the same.
from mentalize.web.records.views.overview import CLASSIFICATION_WORDS

if TYPE_CHECKING:
    from mentalize.instruments.model import Instrument, Scale


@login_required
@require_http_methods(["GET", "POST"])
def crisis_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The current plan with its review date, a form for the next version (owner only) and every
    earlier version with what changed from the one before it."""
    treatment = scoping.get_for(request.user, Treatment, pk, write=request.method == "POST")
    versions = list(treatment.crisis_plan_versions.select_related("author"))
    current = versions[0] if versions else None
    shown = _shown_versions(versions)
    form = CrisisPlanForm(
        request.POST or None,
        initial=CrisisPlanForm.initial_for(current) if current else None,
        rows=plans.contact_rows(shown[0].contacts if shown else ()),
    )
    if request.method == "POST" and form.is_valid():
        if current is not None and form.plan() == shown[0].plan:
            messages.info(request, "No changes; the plan stays at its current version.")
        else:
            services.add_crisis_plan_version(request.user, treatment, **form.plan())
            messages.success(request, "Crisis plan saved as a new version.")
        return redirect("crisis_plan", pk=treatment.pk)
    services.audit_reads(request.user, versions)
    return render(
        request,
        "clinic/crisis_plan.html",
        {
            "treatment": treatment,
            "patient": treatment.patient,
            "current": shown[0] if shown else None,
            "history": shown[1:],
            "form": form,
            "can_write": scoping.can_write(request.user, treatment),
        },
    )


@login_required
@require_safe
def crisis_plan_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The current plan as the patient's own copy: second-person headings, the patient's code
    (no name, no clinician's notes), whom to call and when the plan is reviewed, on a page that
    prints without the clinic's navigation. Reading it is audited like the plan page."""
    treatment = scoping.get_for(request.user, Treatment, pk)
    current = treatment.crisis_plan_versions.first()
    shown = _shown_versions([current]) if current else []
    if current is not None:
        services.audit_reads(request.user, [current])
    return render(
        request,
        "clinic/crisis_plan_print.html",
        {"treatment": treatment, "patient": treatment.patient, "plan": shown[0] if shown else None},
    )


@dataclass(frozen=True)
class _ShownVersion:
    """One version as the pages show it: its parts in the plan's order with both wordings, its
    contacts and review, and what it changed from the version before (``None`` for the first,
    or for the oldest one shown)."""

    row: CrisisPlanVersion
    plan: dict[str, Any]
    review: plans.Review
    changes: tuple[plans.SectionChange, ...] | None

    @property
    def contacts(self) -> tuple[plans.Contact, ...]:
        return tuple(self.plan["contacts"])

    @property
    def has_phone(self) -> bool:
        return any(c.phone for c in self.contacts)

    @property
    def sections(self) -> list[tuple[plans.Section, str]]:
        return [(s, self.plan[s.field]) for s in plans.SECTIONS]


def _shown_versions(versions: list[CrisisPlanVersion]) -> list[_ShownVersion]:
    """``versions`` newest first, each with its changes from the next older one in the list."""
    today = timezone.localdate()
    contents = [plans.plan_of(v) for v in versions]
    older: list[dict[str, Any] | None] = [*contents[1:], None][: len(contents)]
    return [
        _ShownVersion(
            row=v,
            plan=plan,
            review=plans.review(v.review_date, today),
            changes=None if before is None else plans.changes(before, plan),
        )
        for v, plan, before in zip(versions, contents, older, strict=True)
    ]


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
    flags = scored.get("flags", [])
    flagged = {flag["item"] for flag in flags}
    rows = [
        (item.number, item.text, answer, definition.option(answer).label, item.number in flagged)
        for item, answer in zip(definition.items, answers, strict=True)
    ]
    earlier = list(
        scoping.visible(request.user, QuestionnaireAdministration)
        .filter(patient=entry.patient, instrument=entry.instrument)
        .filter(Q(date__lt=entry.date) | Q(date=entry.date, pk__lt=entry.pk))
        .order_by("date", "pk")
    )
    # The previous administration, then the first when that is another one.
    baselines = earlier[-1:] + earlier[:1] if len(earlier) > 1 else earlier
    services.audit_reads(request.user, [entry, *baselines])
    return render(
        request,
        "clinic/questionnaire.html",
        {
            "entry": entry,
            "patient": entry.patient,
            "instrument": definition,
            "scored": scored,
            "flags": [_flag_text(flag) for flag in flags],
            "interpretation": _without_flags(scored.get("interpretation", ""), flags),
            "scales": [(s.label, _shown(scored["scores"].get(s.id), s)) for s in definition.scales],
            "rows": rows,
            "changes": _changes(definition, scored, baselines),
            "change_note": None if definition.change else definition.change_unavailable,
        },
    )


def _flag_text(flag: dict[str, Any]) -> str:
    """A flag's message, led by its item only where the message does not already name it (the
    instruments' messages do: "Item 9 (thoughts of ...) was endorsed"), so it is not said twice."""
    message = str(flag.get("message", ""))
    lead = f"Item {flag.get('item')}"
    return message if message.startswith(lead) else f"{lead}: {message}"


def _without_flags(interpretation: str, flags: list[dict[str, Any]]) -> str:
    """The engine's interpretation less its "FLAG (item N answered A): ..." sentences: the page
    shows each flag on its own just above, and the same words twice read as two flags."""
    for flag in flags:
        lead = f"FLAG (item {flag.get('item')} answered {flag.get('answer')}):"
        part = " ".join(f"{lead} {flag.get('message')}".split())
        interpretation = interpretation.replace(part + " ", "", 1).replace(part, "", 1)
    return interpretation.strip()


def _changes(
    definition: Instrument, scored: dict[str, Any], baselines: list[QuestionnaireAdministration]
) -> list[dict[str, Any]]:
    """Change from the previous administration of this instrument and, when that is not the
    first, from the first (the baseline the overview and its alerts compare with), by the
    instrument engine's reliable-change rule, in the overview's words."""
    from mentalize.instruments import compare

    params = definition.change
    scales = [definition.scale(params.scale)] if params else list(definition.scales)
    out: list[dict[str, Any]] = []
    for which, other in zip(("previous", "first"), baselines, strict=False):
        result = json.loads(other.result)
        for scale in scales:
            pre = finite_number(result.get("scores", {}).get(scale.id))
            post = finite_number(scored.get("scores", {}).get(scale.id))
            if pre is None or post is None:
                continue
            change = compare(definition, pre, post, scale=scale.id)
            out.append(
                {
                    "which": which,
                    "entry": other,
                    "label": scale.label,
                    "pre": _shown(pre, scale),
                    "change": ("+" if change.change > 0 else "") + _shown(change.change, scale),
                    "classification": change.classification,
                    "words": CLASSIFICATION_WORDS.get(change.classification, change.classification),
                    "criterion": change.reliable_change,
                }
            )
    return out


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
        services.add_outcome(
            request.user,
            patient,
            data["treatment"],
            data["kind"],
            data["date"],
            severity=data["severity"],
            session=data["session"],
            note=data["note"],
        )
        messages.success(request, "Outcome event recorded.")
        return redirect("patient", pk=patient.pk)
    return render(request, "clinic/outcome_form.html", {"form": form, "patient": patient})

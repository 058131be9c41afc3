"""The export page (a form reached from the patient page) and the API endpoint.

Both call :func:`download`, which collects the record through the scoping module, builds the file
in memory, writes the audit entries, and only then returns the file as an attachment.
The file name carries the patient's numeric id and the date, never the code or a name: names of
downloaded files end up in browser histories and folder listings.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from mentalize.web.api.auth import error, token_required
from mentalize.web.exports import fhir_bundle, tables
from mentalize.web.exports.record import FORMATS, audit_export, collect
from mentalize.web.records import scoping
from mentalize.web.records.models import Patient

log = logging.getLogger("mentalize.web.exports")

CONTENT_TYPES = {"fhir": "application/fhir+json", "csv": "application/zip"}
SUFFIXES = {"fhir": "fhir.json", "csv": "csv.zip"}
TRUE = {"1", "true", "yes", "on"}


def download(user: Any, pk: Any, fmt: str, *, psychotherapy_notes: bool) -> HttpResponse:
    """The export as an attachment; Http404 / PermissionDenied from the scoping module."""
    exported = collect(user, pk, psychotherapy_notes=psychotherapy_notes)
    if fmt == "fhir":
        # The bundle has no resource for alert reviews (fhir_bundle.py): they are not in the
        # file, so they are not audited as exported either; the CSV tables hold them.
        exported = dataclasses.replace(exported, alert_reviews=[])
    body = fhir_bundle.to_bytes(exported) if fmt == "fhir" else tables.to_zip(exported)
    audit_export(user, exported)
    log.info(
        "patient %s exported as %s by user %s (psychotherapy notes: %s)",
        exported.patient.pk,
        fmt,
        user.pk,
        "yes" if psychotherapy_notes else "no",
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"mentalize-patient-{exported.patient.pk}-{exported.exported_at:%Y%m%d}.{SUFFIXES[fmt]}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        choices=(("fhir", "FHIR R4 bundle (JSON)"), ("csv", "CSV tables (zip)")),
        initial="fhir",
        widget=forms.RadioSelect,
    )
    psychotherapy_notes = forms.BooleanField(
        required=False,
        label="Include psychotherapy notes",
        help_text="Left out unless ticked. Recorded in the audit log as a separate action.",
    )

    def __init__(self, *args: Any, may_include_restricted: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_include_restricted:
            del self.fields["psychotherapy_notes"]


@login_required
@require_http_methods(["GET", "POST"])
def patient_export(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the choice of format (and, for the owning clinician, psychotherapy notes).
    POST: the download. The page itself shows the patient's code only, so GET is not audited."""
    patient = scoping.get_for(request.user, Patient, pk)
    own = scoping.can_read_psychotherapy_notes(request.user, patient)
    form = ExportForm(request.POST or None, may_include_restricted=own)
    if request.method == "POST" and form.is_valid():
        return download(
            request.user,
            patient.pk,
            form.cleaned_data["format"],
            psychotherapy_notes=bool(form.cleaned_data.get("psychotherapy_notes")),
        )
    return render(request, "clinic/export.html", {"form": form, "patient": patient})


@token_required
@require_GET
def api_patient_export(request: HttpRequest, pk: int) -> HttpResponse:
    """``?format=fhir|csv`` and optional ``psychotherapy_notes=true`` (owning clinician only)."""
    fmt = request.GET.get("format", "")
    if fmt not in FORMATS:
        return error(400, "format must be fhir or csv")
    include = request.GET.get("psychotherapy_notes", "").strip().lower() in TRUE
    try:
        return download(request.user, pk, fmt, psychotherapy_notes=include)
    except Http404:
        return error(404, "not found")
    except PermissionDenied as exc:
        return error(403, str(exc) or "forbidden")

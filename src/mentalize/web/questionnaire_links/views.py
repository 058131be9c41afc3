"""Pages for one-time questionnaire links.

Clinician side (logged in, owner only, via :mod:`mentalize.web.records.scoping`): make a link,
see the open ones, revoke one, hand the machine over. Patient side (no login): ``/q/<token>/``
shows one questionnaire and takes one submission. Unknown, used, revoked and expired tokens all
get the same page with the same status, so a token cannot be probed for whether it ever existed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from mentalize.errors import InputError
from mentalize.web.questionnaire_links import services
from mentalize.web.questionnaire_links.forms import LinkForm, answers, answers_form
from mentalize.web.questionnaire_links.models import QuestionnaireLink
from mentalize.web.records import scoping
from mentalize.web.records import services as records
from mentalize.web.records.models import Patient

CLOSED_STATUS = 404


@login_required
@require_http_methods(["GET", "POST"])
def links(request: HttpRequest, pk: int) -> HttpResponse:
    """The open links of one patient and a form for a new one. A new link's address is shown
    on this response only (never stored, never in a redirect), so reloading cannot show it
    again."""
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    form = LinkForm(request.POST or None, patient=patient)
    created = None
    if request.method == "POST" and form.is_valid():
        link, token = services.create_link(
            request.user, patient, form.cleaned_data["instrument"], form.cleaned_data["treatment"]
        )
        created = {
            "link": link,
            "token": token,
            "url": request.build_absolute_uri(reverse("questionnaire_link_fill", args=[token])),
        }
        form = LinkForm(patient=patient)
    open_links = services.pending(patient)
    records.audit_reads(request.user, open_links)
    return render(
        request,
        "clinic/questionnaire_links.html",
        {
            "patient": patient,
            "form": form,
            "created": created,
            "open_links": open_links,
            "hours": int(services.lifetime().total_seconds() // 3600),
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = scoping.get_for(request.user, QuestionnaireLink, pk, write=True)
    if services.revoke(request.user, link):
        messages.success(request, "The link is revoked; it can no longer be used.")
    else:
        messages.info(request, "That link was already used, revoked or expired.")
    return redirect("questionnaire_links", pk=link.patient_id)


@login_required
@require_POST
def handover(request: HttpRequest) -> HttpResponse:
    """Log the clinician out, then open the patient's form in the same browser, so the patient
    cannot step back into the clinician's session. Only an open link's address is followed."""
    token = request.POST.get("token", "")
    link = services.find_open(token)
    if link is None or not scoping.can_write(request.user, link):
        raise Http404("No such link.")
    logout(request)
    return redirect("questionnaire_link_fill", token=token)


@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's form. No login; the token is the only key, and it opens this one form."""
    from mentalize.instruments import load

    link = services.find_open(token)
    if link is None:
        return _closed(request)
    instrument = load(link.instrument)
    form = answers_form(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit(link, answers(instrument, form))
            except services.LinkClosed:
                return _closed(request)
            except InputError as exc:
                form.add_error(None, f"Some answers could not be used: {exc.problem}.")
            else:
                return render(request, "selfreport/thanks.html")
    else:
        services.record_opened(link)
    return render(
        request,
        "selfreport/form.html",
        {
            "form": form,
            "instrument": instrument,
            "questions": [(i.number, form[f"item_{i.number}"]) for i in instrument.items],
        },
    )


def _closed(request: HttpRequest) -> HttpResponse:
    return render(request, "selfreport/closed.html", status=CLOSED_STATUS)

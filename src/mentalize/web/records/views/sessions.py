"""Sessions: upload or paste a transcript, read the report, add notes."""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mentalize.web.records import scoping, services
from mentalize.web.records.forms import NoteForm, SessionForm
from mentalize.web.records.models import SESSION_TEXT_FIELDS, Patient, PsychotherapyNote, Session
from mentalize.web.uploads import TOO_LARGE_ATTR


def _report_csp() -> str:
    """The report is a whole HTML page of escaped text, inline CSS and one fixed script (opening
    the collapsed transcript at a "Turn N" link). It runs in a sandbox without same-origin access
    (no cookies, no parent page), loads nothing, and may run that one script only, by its hash."""
    from mentalize.report.html import _SCRIPT

    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; "
        "sandbox allow-scripts"
    )


def _checked(form: SessionForm) -> services.Checked:
    """Read the upload (or pasted text) and check that it reads, or raise UploadError."""
    upload = form.cleaned_data.get("transcript_file")
    fmt = form.cleaned_data.get("format") or None
    if upload is not None:
        text = services.decode_upload(upload.read())
        fmt = fmt or services.format_for(upload.name)
    else:
        text = form.cleaned_data.get("transcript_text") or ""
        if not text.strip():
            raise services.UploadError("Choose a transcript file or paste the transcript text.")
    return services.check_transcript(text, fmt)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    form = SessionForm(request.POST or None, request.FILES or None, patient=patient)
    if request.method == "POST":
        valid = form.is_valid()
        if getattr(request, TOO_LARGE_ATTR, False):
            form.add_error(None, services.too_large_message())
        elif valid:
            try:
                checked = _checked(form)
            except services.UploadError as exc:
                form.add_error(None, str(exc))
            else:
                session = services.queue_session(
                    request.user,
                    patient,
                    form.cleaned_data["treatment"],
                    form.cleaned_data["date"],
                    checked,
                )
                messages.success(request, _stored_message(session))
                return redirect("session", pk=session.pk)
    return render(request, "clinic/session_form.html", {"form": form, "patient": patient})


def _stored_message(session: Session) -> str:
    if session.analysed:
        return f"Session analysed: {session.turns} turns."
    return f"Session stored: {session.turns} turns. The analysis is queued."


# How often the report frame of a session waiting for its analysis reloads itself.
REFRESH_SECONDS = 3


@login_required
@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The report is framed (session_report); the page itself shows none of the large columns.
    session = scoping.get_for(request.user, Session, pk, defer=SESSION_TEXT_FIELDS)
    patient = session.patient
    notes = list(session.notes.select_related("author"))
    own = scoping.can_read_psychotherapy_notes(request.user, patient)
    restricted = (
        list(scoping.visible(request.user, PsychotherapyNote).filter(session=session))
        if own
        else []
    )
    services.audit_reads(request.user, [session, *notes, *restricted])
    return render(
        request,
        "clinic/session.html",
        {
            "session": session,
            "patient": patient,
            "notes": notes,
            "restricted_notes": restricted,
            "can_write": scoping.can_write(request.user, session),
            "show_restricted": own,
            "note_form": NoteForm(),
        },
    )


@xframe_options_sameorigin
@login_required
@require_safe
def session_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored ``--html`` report, framed by the session page; until the analysis is done, a
    small status page that reloads itself and then shows the report."""
    session = scoping.get_for(
        request.user, Session, pk, defer=("transcript", "analysis_json", "figures_json")
    )
    if not session.analysed:
        # Only the frame reloads while it waits, so a note being typed on the page is kept.
        response = render(
            request,
            "clinic/session_pending.html",
            {"session": session, "refresh_seconds": REFRESH_SECONDS},
        )
        response.headers["Content-Security-Policy"] = PENDING_CSP
        return response
    services.audit_reads(request.user, [session])
    response = HttpResponse(session.report_html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = _report_csp()
    return response


# The status page shown in the report's frame while the analysis waits: no script, nothing
# loaded, framed by the clinic only. It is not sandboxed (the session page leaves the frame's
# sandbox attribute off while waiting), because a sandboxed document's own reload is
# cross-site and carries no session cookie; the report that replaces it is sandboxed by its CSP.
PENDING_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'none'"
)


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ("clinician", "psychotherapy"):
        raise Http404("No such note type.")
    session = scoping.get_for(request.user, Session, pk, write=True, defer=SESSION_TEXT_FIELDS)
    restricted = kind == "psychotherapy"
    if restricted and not scoping.can_read_psychotherapy_notes(request.user, session.patient):
        raise Http404("No such record.")
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_note(request.user, session, form.cleaned_data["text"], restricted=restricted)
        messages.success(request, "Note saved.")
    else:
        messages.error(request, "The note was empty or too long; nothing was saved.")
    return redirect("session", pk=session.pk)


@login_required
@require_POST
def analysis_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a failed analysis again (the transcript is already stored)."""
    session = scoping.get_for(request.user, Session, pk, write=True, defer=SESSION_TEXT_FIELDS)
    if session.analysis_status == Session.AnalysisStatus.FAILED:
        services.retry_analysis(request.user, session)
        messages.success(request, "The analysis is queued again.")
    return redirect("session", pk=session.pk)

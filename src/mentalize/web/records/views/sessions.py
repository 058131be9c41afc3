"""Sessions: upload or paste a transcript, read the report, add notes."""

from __future__ import annotations

import base64
import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
            "risk_turns": _risk_turns(session),
        },
    )


def _risk_turns(session: Session) -> list[dict[str, object]]:
    """The session's risk flags by kind (how many, up to which rung) for the top of its page,
    each kind with its flags' turns linked to those turns in the report's frame.

    The report lists them first too, but inside its frame they could sit below the fold of a
    small screen, and a flag must never need scrolling to be seen. They come from the small
    figures stored with the analysis: the session page decrypts no transcript, analysis or
    report (tests/web/test_overview.py). The figures keep each flag's turn, kind and rung but
    no words (records/figures.py), so the words are one click away, at the turn in the report.
    Figures stored before they held the turns (records migration 0008 redraws them) give the
    counts alone, and the page's link to the report's risk section.
    """
    if not session.analysed:
        return []
    from mentalize.outputs.labels import RISK_LABELS

    if session.figures_json:
        figures = json.loads(session.figures_json)
    else:  # an analysis stored before the figures were (an old backup)
        from mentalize.web.records.figures import session_figures

        figures = session_figures(session.analysis_json)
    rungs = figures.get("risk_rungs", {})
    flags = figures.get("risk_turns", [])
    return [
        {
            "label": RISK_LABELS.get(kind, kind.replace("_", " ")),
            "count": count,
            "rung": _rung_words(rungs[kind]) if kind in rungs else "",
            "turns": [_flag_link(session, flag) for flag in flags if flag.get("kind") == kind],
        }
        for kind, count in sorted(figures.get("risk_kinds", {}).items())
        if count
    ]


def _rung_words(rung: str, when: str = "") -> str:
    from mentalize.outputs.labels import RISK_SEVERITY_LABELS, RISK_TEMPORAL_LABELS

    words = RISK_SEVERITY_LABELS.get(rung, rung.replace("_", " "))
    return f"{words}, {RISK_TEMPORAL_LABELS[when]}" if when in RISK_TEMPORAL_LABELS else words


def _flag_link(session: Session, flag: dict[str, object]) -> dict[str, object]:
    """One flag as "Turn N" with its rung, linking to the turn's anchor (``turn-N``) in the
    report, which opens the collapsed transcript there (the report's own script)."""
    turn = int(str(flag["turn"]))
    return {
        "turn": turn,
        "rung": _rung_words(str(flag.get("rung", "")), str(flag.get("when", ""))),
        "url": f"{reverse('session_report', args=[session.pk])}#turn-{turn}",
    }


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


# A script the print copy of the report runs on load: it opens the browser's print dialog.
_PRINT_SCRIPT = "addEventListener('load',function(){print();});"


def _print_csp() -> str:
    """The report's own policy, plus the print script's hash and ``allow-modals``, the one
    sandbox flag that lets a sandboxed page open the print dialog (Chromium ignores print()
    without it). It grants no origin, cookie, navigation or network access, and the page is
    still only the report's escaped text and the two fixed scripts, so nothing in it can use the
    dialogs for anything else."""
    digest = base64.b64encode(hashlib.sha256(_PRINT_SCRIPT.encode("utf-8")).digest()).decode(
        "ascii"
    )
    return (
        _report_csp()
        .replace("script-src ", f"script-src 'sha256-{digest}' ")
        .replace("sandbox allow-scripts", "sandbox allow-scripts allow-modals")
    )


# What /sessions/<pk>/report/<how>/ serves besides the framed report.
REPORT_COPIES = ("download", "print")


@login_required
@require_safe
def session_report_copy(request: HttpRequest, pk: int, how: str) -> HttpResponse:
    """The stored report as a file to keep (``download``: served as an attachment) or as a full
    page that opens the print dialog (``print``; the report's own print stylesheet lays it out).

    Both are the same report as the frame, read under the same access rules and audited the
    same way, and both keep its sandboxing policy: a downloaded copy opened from the clinic's
    origin later still runs no script but the report's own.
    """
    if how not in REPORT_COPIES:
        raise Http404("No such copy of the report.")
    session = scoping.get_for(
        request.user, Session, pk, defer=("transcript", "analysis_json", "figures_json")
    )
    if not session.analysed:
        raise Http404("The report is not ready yet.")
    services.audit_reads(request.user, [session])
    html = session.report_html
    if how == "print":
        script = f"<script>{_PRINT_SCRIPT}</script>"
        at = html.rfind("</body>")
        html = html[:at] + script + html[at:] if at >= 0 else html + script
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = _print_csp() if how == "print" else _report_csp()
    if how == "download":
        name = f"mentalize-session-{session.date:%Y-%m-%d}-{session.pk}.html"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
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

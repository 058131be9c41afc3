"""The pages: unlock or create the journal, write and reflect, check a message, the journal's
entries, and the picture over time.

Plain HTML forms, no script. Reading an entry needs no key, so a journal that locked itself
while a long entry was being written still reflects it, and asks for the passphrase only to
save. The words to save travel back in the reflection page's form rather than sitting in server
memory, and are read again on saving, so what is stored matches what was shown.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from mentalize.reflect import wording
from mentalize.reflect.history import history, history_svg, sign_title
from mentalize.reflect.reading import Reflection, reflect
from mentalize.reflect.vault import Entry, Journal, VaultError, delete_all
from mentalize.reflect.web.app import MAX_SITUATION, MAX_TEXT, context
from mentalize.reflect.web.marks import runs

pages = Blueprint("reflect", __name__)

#: What the person types to delete everything.
DELETE_WORD = "delete"


@pages.app_context_processor
def page_state() -> dict[str, Any]:
    """Whether the journal is open (the header's links and Lock button) and exists at all, and
    the wording module (headings shared with the terminal)."""
    ctx = context()
    return {
        "unlocked": ctx.journal.get() is not None,
        "journal_exists": Journal.exists(ctx.folder),
        "wording": wording,
    }


def _open() -> Journal | None:
    return context().journal.get()


def _to_unlock() -> BaseResponse:
    """Where to go when a page needs the open journal and it is not."""
    if not Journal.exists(context().folder):
        return redirect(url_for("reflect.create"))
    return redirect(url_for("reflect.unlock"))


def _text(field: str = "text") -> tuple[str, str | None]:
    """The submitted text with the browser's CRLF made LF (so offsets match what is shown),
    and the problem with it, if any."""
    text = request.form.get(field, "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return text, wording.PAGE_EMPTY_TEXT
    if len(text) > MAX_TEXT:
        return "", wording.PAGE_TOO_LONG
    return text, None


def _situation() -> str:
    return " ".join(request.form.get("situation", "").split())[:MAX_SITUATION]


def _reflect(text: str, kind: str) -> Reflection:
    ctx = context()
    return reflect(text, kind, model=ctx.model, lines=ctx.lines)  # type: ignore[arg-type]


def _reading(text: str, reflection: Reflection, **more: Any) -> str:
    return render_template(
        "reflect/reading.html",
        text=text,
        reflection=reflection,
        runs=runs(text, reflection),
        grounding_title=wording.GROUNDING_TITLE,
        save_locked=wording.PAGE_SAVE_LOCKED,
        **more,
    )


# --------------------------------------------------------------------------------- the journal


@pages.get("/")
def home() -> BaseResponse:
    if _open() is None:
        return _to_unlock()
    return redirect(url_for("reflect.write"))


@pages.route("/create", methods=["GET", "POST"])
def create() -> BaseResponse | str:
    ctx = context()
    if Journal.exists(ctx.folder):
        return redirect(url_for("reflect.unlock"))
    error = None
    if request.method == "POST":
        first = request.form.get("passphrase", "")
        if first != request.form.get("again", ""):
            error = wording.PAGE_PASSPHRASES_DIFFER
        else:
            try:
                ctx.journal.unlock(Journal.create(ctx.folder, first, kdf=ctx.kdf))
            except VaultError as exc:
                error = str(exc)
            else:
                return redirect(url_for("reflect.write"))
    return render_template("reflect/create.html", error=error, note=wording.PAGE_CREATE)


@pages.route("/unlock", methods=["GET", "POST"])
def unlock() -> BaseResponse | str | tuple[str, int]:
    ctx = context()
    if not Journal.exists(ctx.folder):
        return redirect(url_for("reflect.create"))
    if ctx.journal.get() is not None:
        return redirect(url_for("reflect.write"))
    error = None
    if request.method == "POST":
        try:
            ctx.journal.unlock(Journal.open(ctx.folder, request.form.get("passphrase", "")))
        except VaultError as exc:
            error = wording.PAGE_WRONG_PASSPHRASE if "passphrase" in str(exc) else str(exc)
        else:
            return redirect(url_for("reflect.write"))
    page = render_template(
        "reflect/unlock.html",
        error=error,
        note=wording.PAGE_UNLOCK,
        idle=ctx.journal.locked_by_idle,
        idle_note=wording.PAGE_IDLE_LOCKED,
    )
    return (page, 401) if error else page


@pages.post("/lock")
def lock() -> BaseResponse:
    context().journal.lock()
    flash(wording.PAGE_LOCKED)
    return redirect(url_for("reflect.unlock"))


@pages.get("/write")
def write() -> BaseResponse | str:
    if _open() is None:
        return _to_unlock()
    return render_template(
        "reflect/write.html",
        note=wording.PAGE_WRITE,
        situation_help=wording.PAGE_SITUATION_HELP,
        text="",
        situation="",
        max_text=MAX_TEXT,
        max_situation=MAX_SITUATION,
    )


@pages.post("/reflect")
def reflect_entry() -> str | tuple[str, int]:
    text, problem = _text()
    situation = _situation()
    if problem:
        return render_template(
            "reflect/write.html",
            note=wording.PAGE_WRITE,
            error=problem,
            situation_help=wording.PAGE_SITUATION_HELP,
            text=text,
            situation=situation,
            max_text=MAX_TEXT,
            max_situation=MAX_SITUATION,
        ), 400
    return _reading(
        text, _reflect(text, "journal"), situation=situation, save=True, locked=_open() is None
    )


@pages.post("/save")
def save() -> BaseResponse | str | tuple[str, int]:
    ctx = context()
    text, problem = _text()
    if problem:
        return render_template(
            "reflect/plain.html", title="Not saved", message=problem, error=True, back=True
        ), 400
    situation = _situation()
    journal = ctx.journal.get()
    if journal is None:
        if not Journal.exists(ctx.folder):
            return _to_unlock()
        try:
            journal = Journal.open(ctx.folder, request.form.get("passphrase", ""))
        except VaultError:
            page = _reading(
                text,
                _reflect(text, "journal"),
                situation=situation,
                save=True,
                locked=True,
                error=wording.PAGE_WRONG_PASSPHRASE,
            )
            return page, 401
        ctx.journal.unlock(journal)
    reflection = _reflect(text, "journal")
    journal.save(Entry.of(text, situation, reflection))
    flash(wording.PAGE_SAVED)
    return redirect(url_for("reflect.journal_list"))


@pages.post("/discard")
def discard() -> BaseResponse:
    flash(wording.PAGE_NOT_SAVED)
    return redirect(url_for("reflect.write") if _open() else url_for("reflect.home"))


# --------------------------------------------------------------------------- the message check


@pages.route("/message", methods=["GET", "POST"])
def message() -> str | tuple[str, int]:
    """A draft message, read and never saved; works with the journal locked, or none at all."""
    if request.method == "GET":
        return render_template(
            "reflect/message.html", note=wording.PAGE_MESSAGE, text="", max_text=MAX_TEXT
        )
    text, problem = _text()
    if problem:
        return render_template(
            "reflect/message.html",
            note=wording.PAGE_MESSAGE,
            text=text,
            error=problem,
            max_text=MAX_TEXT,
        ), 400
    return _reading(text, _reflect(text, "message"), save=False)


# --------------------------------------------------------------------------- the saved entries


def _entry(entry_id: str) -> Entry:
    journal = _open()
    if journal is None:  # locked between the caller's check and here
        raise NotFound()
    try:
        return journal.get(entry_id)
    except VaultError:
        raise NotFound() from None


@pages.get("/journal")
def journal_list() -> BaseResponse | str:
    journal = _open()
    if journal is None:
        return _to_unlock()
    entries = list(reversed(journal.entries()))
    return render_template(
        "reflect/journal.html",
        entries=entries,
        when=_when,
        sign_title=sign_title,
        empty=wording.PAGE_NO_ENTRIES,
        export_note=wording.PAGE_EXPORT,
        delete_word=DELETE_WORD,
    )


@pages.get("/journal/<entry_id>")
def entry(entry_id: str) -> BaseResponse | str:
    if _open() is None:
        return _to_unlock()
    item = _entry(entry_id)
    return _reading(
        item.text,
        _reflect(item.text, item.kind),
        entry=item,
        when=_when,
        save=False,
        opened=wording.PAGE_OPENED,
    )


@pages.route("/journal/<entry_id>/delete", methods=["GET", "POST"])
def delete(entry_id: str) -> BaseResponse | str:
    journal = _open()
    if journal is None:
        return _to_unlock()
    item = _entry(entry_id)
    if request.method == "POST":
        journal.delete(item.id)
        flash(wording.PAGE_DELETED_ONE)
        return redirect(url_for("reflect.journal_list"))
    return render_template(
        "reflect/delete.html", entry=item, when=_when, note=wording.PAGE_DELETE_ONE
    )


@pages.post("/journal/export")
def export() -> BaseResponse:
    """Every entry, decrypted, as the same JSON document ``Journal.export`` writes, built in
    memory so the plain text never touches the disk on its way to the browser."""
    journal = _open()
    if journal is None:
        return _to_unlock()
    document = journal.export_document()
    name = f"reflect-journal-{datetime.now().strftime('%Y-%m-%d')}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@pages.route("/journal/delete-all", methods=["GET", "POST"])
def delete_everything() -> BaseResponse | str | tuple[str, int]:
    ctx = context()
    if ctx.journal.get() is None:
        return _to_unlock()
    error = None
    if request.method == "POST":
        if request.form.get("confirm", "").strip().lower() == DELETE_WORD:
            ctx.journal.lock()
            delete_all(ctx.folder)
            flash(wording.PAGE_DELETED_ALL)
            return redirect(url_for("reflect.create"))
        error = wording.PAGE_DELETE_ALL_TYPED
    page = render_template("reflect/delete_all.html", note=wording.PAGE_DELETE_ALL, error=error)
    return (page, 400) if error else page


@pages.get("/history")
def over_time() -> BaseResponse | str:
    journal = _open()
    if journal is None:
        return _to_unlock()
    data = history(journal.entries())
    return render_template(
        "reflect/history.html",
        data=data,
        svg=history_svg(data),
        sign_title=sign_title,
        caution=wording.CAUTION,
        empty=wording.PAGE_HISTORY_EMPTY,
    )


def _when(entry: Entry) -> str:
    """An entry's time in this machine's time zone (the person's own)."""
    try:
        return datetime.fromisoformat(entry.created).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return entry.created

"""Bad transcript files uploaded through the browser: each gets a clear message on the form it
came from, and nothing is saved (no session row, no audit entry for one), checked in the
server's database directly as well as on the patient page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import expect

LIMIT = 5 * 1024 * 1024  # MENTALIZE_MAX_UPLOAD_BYTES
SAMPLE = "T: Olá, como está? Não dormi.\nP: Não sei, é difícil.\n"

# name: (file name, bytes, words the message must contain)
BAD = {
    "binary": ("session.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02", "PDF"),
    "image": ("session.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    "empty": ("session.txt", b"", "empty"),
    "huge": ("session.txt", b"T: " + b"a" * LIMIT + b"\n", "larger than the 5 MiB limit"),
    "utf-16 without BOM": ("session.txt", SAMPLE.encode("utf-16-le"), "UTF-16"),
    "latin-1": ("session.txt", SAMPLE.encode("latin-1"), "not valid UTF-8"),
    "no speakers": ("session.txt", b"just some words without labels\n", "speaker"),
}
SESSION_CREATED = "object_type = 'records.session' AND action = 'create'"


@pytest.fixture(scope="module")
def patient(browser: Any, clinic: Clinic) -> Iterator[tuple[str, dict[str, Any]]]:
    """A patient of ines with no sessions, and a logged-in browser state to reuse."""
    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill("MBT-BAD")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MBT-BAD")
    url = page.url
    state = page.context.storage_state()
    page.context.close()
    yield url, state


@pytest.mark.parametrize("case", list(BAD))
def test_bad_upload_shows_a_message_and_saves_nothing(
    browser: Any,
    clinic: Clinic,
    patient: tuple[str, dict[str, Any]],
    shots: Callable[[Any, str], Path],
    tmp_path: Path,
    case: str,
) -> None:
    name, data, expected = BAD[case]
    upload = tmp_path / name  # from disk: Playwright hands the browser a path, not 5 MiB of JSON
    upload.write_bytes(data)
    url, state = patient
    sessions = clinic.count("records_session")
    created = clinic.count("audit_auditentry", SESSION_CREATED)
    page = new_page(browser, clinic, storage_state=state)
    page.goto(url + "sessions/new/")
    page.get_by_label("Date").fill("2026-03-01")
    page.get_by_label("Transcript file").set_input_files(upload)
    page.get_by_role("button", name="Analyse and save").click()

    error = page.locator("ul.errorlist")
    expect(error).to_contain_text(re.compile(re.escape(expected), re.IGNORECASE))
    expect(page.get_by_role("heading", name="New session")).to_be_visible()
    expect(page.get_by_label("Date")).to_have_value("2026-03-01")  # the form keeps its input
    shots(page, f"bad-upload-{case.replace(' ', '-')}")
    assert clinic.count("records_session") == sessions
    assert clinic.count("audit_auditentry", SESSION_CREATED) == created

    page.get_by_role("link", name="Cancel").click()
    sessions_card = page.locator("section", has=page.get_by_role("heading", name="Sessions"))
    expect(sessions_card).to_contain_text("No sessions yet.")
    page.context.close()

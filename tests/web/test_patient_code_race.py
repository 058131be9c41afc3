"""Two creates of one patient code at once (issue 18, finding 7 follow-up): ``abc`` and ``ABC``
both pass the form's caseload check, and the database's ``patient_code_unique_per_clinician``
refuses the second insert. That refusal must come back as the form's own duplicate error, not
a 500. The race is simulated by storing the conflicting row after the form has validated.

Runs on SQLite and, with ``MENTALIZE_TEST_DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import services
from mentalize.web.records.forms import DUPLICATE_CODE, PatientForm
from mentalize.web.records.models import Patient


def _valid_form(code: str, clinician: Any) -> PatientForm:
    form = PatientForm({"code": code, "name": ""}, clinician=clinician)
    assert form.is_valid(), form.errors
    return form


def _the_other_request_wins(code: str, clinician: Any) -> Patient:
    """The concurrent request's insert, landing between validation and save."""
    return services.create(clinician, Patient, code=code, clinician=clinician)


def test_a_code_taken_meanwhile_is_the_forms_duplicate_error(people: dict[str, Any]) -> None:
    owner = people["owner"]
    form = _valid_form("abc", owner)
    winner = _the_other_request_wins("ABC", owner)
    entries = AuditEntry.objects.count()

    assert services.save_patient(owner, form) is None
    assert form.errors["code"] == [DUPLICATE_CODE]
    assert form.has_error("code", "duplicate")
    assert list(Patient.objects.filter(clinician=owner)) == [winner]
    assert AuditEntry.objects.count() == entries  # nothing audited for the refused insert


def test_create_patient_raises_its_own_error_and_leaves_the_transaction_usable(
    people: dict[str, Any],
) -> None:
    owner = people["owner"]
    form = _valid_form("MBT-0100", owner)
    with transaction.atomic():  # a caller's transaction: the refusal is rolled back to a savepoint
        _the_other_request_wins("mbt-0100", owner)
        with pytest.raises(services.DuplicatePatientCode, match="already in use"):
            services.create_patient(owner, form.cleaned_data)
        assert Patient.objects.filter(clinician=owner).count() == 1  # still usable
    assert Patient.objects.get(clinician=owner).code == "mbt-0100"


def test_another_caseload_is_not_a_conflict(people: dict[str, Any]) -> None:
    form = _valid_form("abc", people["owner"])
    _the_other_request_wins("ABC", people["other"])
    patient = services.save_patient(people["owner"], form)
    assert patient is not None and patient.code == "abc" and not form.errors


def test_other_integrity_errors_are_not_hidden(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the code constraint becomes a form error; anything else is still a bug."""
    owner = people["owner"]
    form = _valid_form("MBT-0200", owner)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("NOT NULL constraint failed: records_patient.something")

    monkeypatch.setattr(services, "create", broken)
    with pytest.raises(IntegrityError, match="NOT NULL"):
        services.save_patient(owner, form)
    assert not form.errors


# -- through the page and the API ------------------------------------------------------------


@pytest.fixture
def racing(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The form's check passes, then the other request stores ``ABC`` before this one saves."""
    check = PatientForm.clean_code

    def clean_code(form: PatientForm) -> str:
        code = check(form)
        _the_other_request_wins(code.upper(), form.clinician)
        return code

    monkeypatch.setattr(PatientForm, "clean_code", clean_code)
    return people["owner"]


def test_the_page_shows_the_duplicate_error(client: Any, racing: Any) -> None:
    client.force_login(racing)
    response = client.post("/patients/new/", {"code": "abc", "name": ""})
    assert response.status_code == 200
    assert "already in use in your caseload" in response.content.decode()
    assert [p.code for p in Patient.objects.filter(clinician=racing)] == ["ABC"]


def test_the_api_answers_400_with_the_duplicate_error(client: Any, racing: Any) -> None:
    from mentalize.web.accounts.services import new_token

    response = client.post(
        "/api/v1/patients/",
        {"code": "abc"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {new_token('owner')}",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid patient", "fields": {"code": [DUPLICATE_CODE]}}
    assert [p.code for p in Patient.objects.filter(clinician=racing)] == ["ABC"]

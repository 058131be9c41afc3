"""A patient's record as a FHIR R4 ``Bundle`` of type ``collection`` (plain dicts).

Resources and why:

    Patient                  the pseudonymous code as identifier, in one system per clinician
                             (codes are unique per caseload, not per clinic: see
                             :func:`patient_code_system`); ``name.text`` only if stored
    EpisodeOfCare            one per treatment episode (modality and frequency in ``type``)
    Encounter                one per session (class AMB, finished)
    DocumentReference        the session's analysis: the ``mentalize.session/1`` JSON attached
                             whole (lossless: turn readings with their evidence, episodes,
                             calibration, risk flags; there are no standard codes for MBT readings,
                             so an Observation set would be local codes anyway and lose the
                             evidence). Notes are DocumentReferences too (LOINC 11506-3, progress
                             note, as plain text); psychotherapy notes, only when chosen, carry
                             the HL7 security label PSYTHPN
    Questionnaire            each instrument used, from ``mentalize.instruments.fhir``
    QuestionnaireResponse    each administration, from ``mentalize.instruments.fhir``
    Observation (survey)     one per score, LOINC-coded where the instrument has codes,
                             ``derivedFrom`` its QuestionnaireResponse, band as interpretation
    Observation (outcome)    one per outcome event. Not AdverseEvent: in R4 that resource is for
                             harm caused by care (a drug, a device, a study), while a self-harm
                             act or a hospitalisation here is a dated fact about the patient that
                             MBT trials count; an Observation with the event kind as code and the
                             date as ``effectiveDateTime`` says exactly that; its severity
                             as a component, its session as ``encounter``, its note as ``note``
    CarePlan                 each crisis plan version (the current one active, earlier revoked),
                             the MBT parts, the contacts and the review date as labelled notes
    Communication            each supervision comment: a message from the supervisor (sender)
                             to the treating clinician (recipient) about the patient (subject)
                             and, when it names one, about the session's Encounter (``about``),
                             its text as the payload. That is what R4 made Communication for
                             (information conveyed between people about a patient); a
                             DocumentReference would call it a document, which it is not

Alert reviews are left out of the bundle (they are in the CSV tables): the alert a review closes
is computed by the clinic, not stored, so there is no resource to point the review at, and none
of R4's resources says "a clinician looked at this prompt": ``Flag`` and ``DetectedIssue`` are
the warnings themselves (``DetectedIssue`` only for issues with clinical actions, such as drug
interactions), and ``Task`` is work asked for, not a record of a review.

References are ``urn:uuid:`` full URLs inside the bundle; the clinic's own row ids are kept as
identifiers, so two exports of the same patient can be matched. Codes the clinic makes up live
in stable ``urn:uuid:`` code systems (as ``mentalize.instruments.fhir`` does for answer codes).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mentalize.instruments import fhir as instrument_fhir
from mentalize.web.exports.record import PatientRecord
from mentalize.web.records import crisis_plan

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/mentalize/clinic")


def local_system(name: str) -> str:
    """A stable URI for one of the clinic's own code systems or identifier namespaces."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


PATIENT_CODE_SYSTEM = local_system("patient-code")  # + "/clinician/<id>": patient_code_system
ROW_ID_SYSTEM = local_system("row-id")  # + "/<model>": the clinic's database id of the row
MODALITY_SYSTEM = local_system("treatment-modality")
OUTCOME_SYSTEM = local_system("outcome-event")
OUTCOME_SEVERITY_SYSTEM = local_system("outcome-event-severity")
DOCUMENT_SYSTEM = local_system("document-type")
COMMUNICATION_SYSTEM = local_system("communication-category")
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PLANNED_END = local_system("extension/planned-end")

EPISODE_STATUS = {
    "planned": "planned",
    "active": "active",
    "paused": "onhold",
    "completed": "finished",
    "ended_early": "finished",  # the clinic's own status stays in EpisodeOfCare.type
}


def _instant(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def patient_code_system(clinician_id: int) -> str:
    """The identifier system of the patient codes in one clinician's caseload.

    A code is unique within one caseload only (ignoring case; ``records`` migration 0004), so two
    clinicians may each have an ``MBT-0001``. An identifier's ``system`` is the namespace in which
    its ``value`` is unique, and a FHIR receiver matches patients on system and value together:
    one system per caseload keeps the two apart, and leaves the value the code as the clinician
    knows it. Built like :data:`ROW_ID_SYSTEM`'s per-model systems."""
    return f"{PATIENT_CODE_SYSTEM}/clinician/{clinician_id}"


def _identifier(obj: Any) -> list[dict[str, str]]:
    return [{"system": f"{ROW_ID_SYSTEM}/{obj._meta.model_name}", "value": str(obj.pk)}]


def _text_attachment(text: str, title: str, created: datetime) -> dict[str, Any]:
    return {
        "contentType": "text/plain; charset=utf-8",
        "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        "title": title,
        "creation": _instant(created),
    }


class _Builder:
    def __init__(self, exported: PatientRecord) -> None:
        self.exported = exported
        self.entries: list[dict[str, Any]] = []
        self.urls: dict[tuple[str, int], str] = {}

    def add(self, resource: dict[str, Any], key: tuple[str, int] | None = None) -> str:
        rid = str(uuid.uuid4())
        url = f"urn:uuid:{rid}"
        body = {k: v for k, v in resource.items() if k != "resourceType"}
        self.entries.append(
            {
                "fullUrl": url,
                "resource": {"resourceType": resource["resourceType"], "id": rid, **body},
            }
        )
        if key is not None:
            self.urls[key] = url
        return url

    def ref(self, model: str, pk: int | None) -> dict[str, str] | None:
        url = self.urls.get((model, pk)) if pk is not None else None
        return {"reference": url} if url else None

    # -- resources -------------------------------------------------------------------------

    def patient(self) -> str:
        p = self.exported.patient
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "identifier": [
                {"use": "usual", "system": patient_code_system(p.clinician_id), "value": p.code},
                *_identifier(p),
            ],
        }
        if p.name:
            resource["name"] = [{"text": p.name}]
        return self.add(resource, ("patient", p.pk))

    def episodes(self, subject: dict[str, str]) -> None:
        for t in self.exported.treatments:
            resource: dict[str, Any] = {
                "resourceType": "EpisodeOfCare",
                "identifier": _identifier(t),
                "status": EPISODE_STATUS[t.status],
                "type": [
                    {
                        "coding": [
                            {
                                "system": MODALITY_SYSTEM,
                                "code": t.modality,
                                "display": t.get_modality_display(),
                            }
                        ],
                        "text": (
                            f"MBT, {t.get_modality_display().lower()}, "
                            f"{t.get_frequency_display().lower()}; "
                            f"status: {t.get_status_display().lower()}"
                        ),
                    }
                ],
                "patient": subject,
                "period": {"start": t.start.isoformat()},
            }
            if t.planned_end:
                resource["extension"] = [
                    {"url": PLANNED_END, "valueDate": t.planned_end.isoformat()}
                ]
            self.add(resource, ("treatment", t.pk))

    def encounters(self, subject: dict[str, str]) -> None:
        for s in self.exported.sessions:
            resource: dict[str, Any] = {
                "resourceType": "Encounter",
                "identifier": _identifier(s),
                "status": "finished",
                "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
                "type": [{"text": "MBT therapy session"}],
                "subject": subject,
                "participant": [{"individual": {"display": s.created_by.username}}],
                "period": {"start": s.date.isoformat(), "end": s.date.isoformat()},
            }
            episode = self.ref("treatment", s.treatment_id)
            if episode:
                resource["episodeOfCare"] = [episode]
            encounter = self.add(resource, ("session", s.pk))
            if not s.analysed:  # the analysis is still queued (or failed): nothing to attach
                continue
            self.add(
                {
                    "resourceType": "DocumentReference",
                    "identifier": _identifier(s),
                    "status": "current",
                    "type": {
                        "coding": [
                            {
                                "system": DOCUMENT_SYSTEM,
                                "code": "mentalize.session/1",
                                "display": "mentalize session analysis",
                            }
                        ]
                    },
                    "subject": subject,
                    "date": _instant(s.created_at),
                    "description": f"Analysis of the session of {s.date:%Y-%m-%d} "
                    f"({s.turns} turns), mentalize.session/1 JSON",
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/json",
                                "data": base64.b64encode(s.analysis_json.encode("utf-8")).decode(
                                    "ascii"
                                ),
                                "title": f"mentalize-session-{s.pk}.json",
                                "creation": _instant(s.created_at),
                            },
                            "format": {
                                "system": DOCUMENT_SYSTEM,
                                "code": "mentalize.session/1",
                            },
                        }
                    ],
                    "context": {"encounter": [{"reference": encounter}]},
                }
            )

    def notes(self, subject: dict[str, str]) -> None:
        groups: list[tuple[str, list[Any], bool]] = [
            ("clinician note", self.exported.clinician_notes, False)
        ]
        if self.exported.psychotherapy_notes is not None:
            groups.append(("psychotherapy note", self.exported.psychotherapy_notes, True))
        for label, notes, restricted in groups:
            for n in notes:
                resource: dict[str, Any] = {
                    "resourceType": "DocumentReference",
                    "identifier": _identifier(n),
                    "status": "current",
                    "type": {
                        "coding": [
                            {"system": LOINC, "code": "11506-3", "display": "Progress note"}
                        ],
                        "text": label,
                    },
                    "subject": subject,
                    "date": _instant(n.created_at),
                    "author": [{"display": n.author.username}],
                    "content": [{"attachment": _text_attachment(n.text, label, n.created_at)}],
                }
                if restricted:
                    resource["meta"] = {
                        "security": [
                            {
                                "system": ACT_CODE,
                                "code": "PSYTHPN",
                                "display": "psychotherapy note information sensitivity",
                            }
                        ]
                    }
                encounter = self.ref("session", n.session_id)
                if encounter:
                    resource["context"] = {"encounter": [encounter]}
                self.add(resource)

    def crisis_plans(self, subject: dict[str, str]) -> None:
        latest: dict[int, int] = {}
        for v in self.exported.crisis_plans:
            latest[v.treatment_id] = max(latest.get(v.treatment_id, 0), v.version)
        for v in self.exported.crisis_plans:
            # The plan's parts in the MBT plan's order; a part a version does not have (written
            # before it existed, or left empty) is left out rather than exported empty.
            parts = [(s.label, getattr(v, s.field) or "") for s in crisis_plan.SECTIONS]
            contacts = crisis_plan.contacts_from(v.contacts)
            parts.append(("Contacts", "; ".join(c.line() for c in contacts)))
            parts.append(("Review date", v.review_date.isoformat() if v.review_date else ""))
            resource: dict[str, Any] = {
                "resourceType": "CarePlan",
                "identifier": _identifier(v),
                "status": "active" if latest[v.treatment_id] == v.version else "revoked",
                "intent": "plan",
                "title": f"MBT crisis plan, version {v.version}",
                "subject": subject,
                "created": _instant(v.created_at),
                "author": {"display": v.author.username},
                "note": [
                    {
                        "authorString": v.author.username,
                        "time": _instant(v.created_at),
                        "text": f"{heading}: {text}",
                    }
                    for heading, text in parts
                    if text
                ],
            }
            episode = self.ref("treatment", v.treatment_id)
            if episode:
                resource["supportingInfo"] = [episode]
            self.add(resource)

    def questionnaires(self, subject: dict[str, str]) -> None:
        from mentalize.instruments import load
        from mentalize.instruments.model import ScoreResult

        seen: set[str] = set()
        for q in self.exported.questionnaires:
            instrument = load(q.instrument)
            if instrument.id not in seen:
                seen.add(instrument.id)
                self.add(instrument_fhir.questionnaire(instrument))
            stored = json.loads(q.result)
            # The stored answers and scores, not a re-scoring: the export shows what was recorded.
            result = ScoreResult(
                instrument=q.instrument,
                version=q.instrument_version,
                answers=tuple(json.loads(q.answers)),
                scores=stored["scores"],
                band=None,
                flags=(),
                interpretation="",
            )
            response = instrument_fhir.questionnaire_response(
                result, authored=q.date, subject=subject["reference"], instrument=instrument
            )
            response.pop("id", None)
            response["identifier"] = _identifier(q)[0]
            qr_url = self.add(response, ("questionnaire", q.pk))
            band = (stored.get("band") or {}).get("label")
            band_scale = (stored.get("band") or {}).get("scale")
            for scale in instrument.scales:
                value = stored["scores"].get(scale.id)
                if value is None:
                    continue
                coding = (
                    scale.code.to_fhir()
                    if scale.code is not None
                    else {
                        "system": instrument_fhir.canonical_url(instrument),
                        "code": instrument_fhir.score_link_id(instrument, scale),
                        "display": f"{instrument.title}: {scale.label}",
                    }
                )
                observation: dict[str, Any] = {
                    "resourceType": "Observation",
                    "identifier": _identifier(q),
                    "status": "final",
                    "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
                    "code": {"coding": [coding], "text": f"{instrument.title}: {scale.label}"},
                    "subject": subject,
                    "effectiveDateTime": q.date.isoformat(),
                    "derivedFrom": [{"reference": qr_url}],
                }
                if scale.integer_valued:
                    observation["valueInteger"] = int(value)
                else:
                    observation["valueQuantity"] = {"value": float(value)}
                if band and band_scale == scale.id:
                    observation["interpretation"] = [{"text": band}]
                self.add(observation)

    def outcomes(self, subject: dict[str, str]) -> None:
        for o in self.exported.outcomes:
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "identifier": _identifier(o),
                "status": "final",
                "category": [{"text": "MBT outcome event"}],
                "code": {
                    "coding": [
                        {"system": OUTCOME_SYSTEM, "code": o.kind, "display": o.get_kind_display()}
                    ],
                    "text": o.get_kind_display(),
                },
                "subject": subject,
                "effectiveDateTime": o.date.isoformat(),
            }
            if o.severity:
                resource["component"] = [
                    {
                        "code": {"text": "Severity"},
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": OUTCOME_SEVERITY_SYSTEM,
                                    "code": o.severity,
                                    "display": o.get_severity_display(),
                                }
                            ],
                            "text": o.get_severity_display(),
                        },
                    }
                ]
            encounter = self.ref("session", o.session_id)
            if encounter:
                resource["encounter"] = encounter
            if o.note:
                resource["note"] = [{"text": o.note}]
            self.add(resource)

    def supervision_comments(self, subject: dict[str, str]) -> None:
        clinician = self.exported.patient.clinician.username
        for c in self.exported.supervision_comments:
            resource: dict[str, Any] = {
                "resourceType": "Communication",
                "identifier": _identifier(c),
                "status": "completed",
                "category": [
                    {
                        "coding": [
                            {
                                "system": COMMUNICATION_SYSTEM,
                                "code": "supervision-comment",
                                "display": "Supervision comment",
                            }
                        ],
                        "text": "MBT supervision comment",
                    }
                ],
                "subject": subject,
                "sent": _instant(c.created_at),
                "sender": {"display": c.author.username},
                "recipient": [{"display": clinician}],
                "payload": [{"contentString": c.text}],
            }
            encounter = self.ref("session", c.session_id)
            if encounter:
                resource["about"] = [encounter]
            self.add(resource)


def bundle(exported: PatientRecord) -> dict[str, Any]:
    """The whole record as one FHIR R4 ``Bundle`` (type ``collection``)."""
    b = _Builder(exported)
    subject = {"reference": b.patient()}
    steps: tuple[Callable[[dict[str, str]], None], ...] = (
        b.episodes,
        b.encounters,
        b.notes,
        b.crisis_plans,
        b.questionnaires,
        b.outcomes,
        b.supervision_comments,
    )
    for step in steps:
        step(subject)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(exported.exported_at)},
        "type": "collection",
        "timestamp": _instant(exported.exported_at),
        "entry": b.entries,
    }


def to_bytes(exported: PatientRecord) -> bytes:
    return json.dumps(bundle(exported), ensure_ascii=False, indent=1).encode("utf-8")

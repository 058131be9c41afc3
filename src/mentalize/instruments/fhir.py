"""FHIR R4 export: a ``Questionnaire`` per instrument, a ``QuestionnaireResponse`` per
administration. Plain dicts, ready for ``json.dumps``; no FHIR library needed.

Conventions (see ``docs/instruments.md``):

* item ``linkId`` = ``<instrument>-<n>`` (``phq9-9``); scores are read-only items
  ``<instrument>-score-<scale>`` of type ``integer`` (sums) or ``decimal`` (means);
* every item is ``type: choice`` with ``answerOption.valueCoding``; each option carries the
  R4 ``ordinalValue`` extension with its raw answer value. PHQ-9 and GAD-7 use LOINC answer
  codes (``LA6568-5`` ...) and LOINC item codes; instruments without published codes use the
  answer value as the code in an instrument-specific code system;
* the canonical URL is ``<base_url>/Questionnaire/mentalize-<id>`` when a base URL is given,
  otherwise a stable ``urn:uuid:`` derived from the instrument id, so that responses always
  point at their questionnaire (``questionnaire = url|version``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from mentalize.instruments.model import Instrument, Scale, ScoreResult

__all__ = [
    "ORDINAL_VALUE",
    "answer_system",
    "canonical_url",
    "item_link_id",
    "questionnaire",
    "questionnaire_response",
    "score_link_id",
]

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/mentalize/")


def _base(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("base_url must be an absolute http(s) URL")
    return base


def resource_id(instrument: Instrument) -> str:
    return f"mentalize-{instrument.id}"


def canonical_url(instrument: Instrument, base_url: str | None = None) -> str:
    base = _base(base_url)
    if base is not None:
        return f"{base}/Questionnaire/{resource_id(instrument)}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'questionnaire/{instrument.id}')}"


def answer_system(instrument: Instrument, base_url: str | None = None) -> str:
    """The code system of an instrument's own answer codes (used where no LOINC code exists)."""
    base = _base(base_url)
    if base is not None:
        return f"{base}/CodeSystem/{resource_id(instrument)}-answers"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'answers/{instrument.id}')}"


def item_link_id(instrument: Instrument, number: int) -> str:
    return f"{instrument.id}-{number}"


def score_link_id(instrument: Instrument, scale: Scale) -> str:
    return f"{instrument.id}-score-{scale.id}"


def _score_type(scale: Scale) -> str:
    return "integer" if scale.integer_valued else "decimal"


def _coding(instrument: Instrument, value: int, base_url: str | None) -> dict[str, Any]:
    option = instrument.option(value)
    if option.code is not None:
        return {
            "system": option.code.system,
            "code": option.code.code,
            "display": option.label,
        }
    return {
        "system": answer_system(instrument, base_url),
        "code": str(option.value),
        "display": option.label,
    }


def questionnaire(instrument: Instrument, base_url: str | None = None) -> dict[str, Any]:
    """The instrument as a FHIR R4 ``Questionnaire`` resource."""
    citations = "; ".join(s.citation for s in instrument.cites)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": resource_id(instrument),
        "url": canonical_url(instrument, base_url),
        "version": instrument.version,
        "name": instrument.fhir_name,
        "title": instrument.title,
        "status": "active",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": "mentalize (open-source MBT toolkit); instrument authors as cited",
        "description": (
            f"{instrument.title}: {instrument.construct}. Source: {citations}. {instrument.limits}"
        ),
        "copyright": f"{instrument.attribution} {instrument.licence}",
    }
    if instrument.code is not None:
        resource["code"] = [instrument.code.to_fhir()]
    items: list[dict[str, Any]] = [
        {
            "linkId": f"{instrument.id}-instructions",
            "type": "display",
            "text": instrument.instructions,
        }
    ]
    for item in instrument.items:
        entry: dict[str, Any] = {"linkId": item_link_id(instrument, item.number)}
        if item.code is not None:
            entry["code"] = [item.code.to_fhir()]
        entry.update(
            {
                "prefix": f"{item.number}.",
                "text": item.text,
                "type": "choice",
                "required": True,
                "answerOption": [
                    {
                        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                        "valueCoding": _coding(instrument, option.value, base_url),
                    }
                    for option in instrument.options
                ],
            }
        )
        items.append(entry)
    for scale in instrument.scales:
        entry = {"linkId": score_link_id(instrument, scale)}
        if scale.code is not None:
            entry["code"] = [scale.code.to_fhir()]
        entry.update(
            {
                "text": f"{scale.label} (calculated by mentalize)",
                "type": _score_type(scale),
                "required": False,
                "readOnly": True,
            }
        )
        items.append(entry)
    resource["item"] = items
    return resource


def _datetime(value: datetime | date) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("authored must carry a time zone (FHIR dateTime with a time)")
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def questionnaire_response(
    result: ScoreResult,
    *,
    authored: datetime | date | None = None,
    subject: str | None = None,
    response_id: str | None = None,
    base_url: str | None = None,
    instrument: Instrument | None = None,
) -> dict[str, Any]:
    """One scored administration as a FHIR R4 ``QuestionnaireResponse`` (status completed).

    ``subject`` is a FHIR reference such as ``"Patient/123"``; ``authored`` a date or a
    time-zone-aware datetime. Both are left out when not given: the core never guesses them.
    """
    if instrument is None:
        from mentalize.instruments.loader import load

        instrument = load(result.instrument)
    if instrument.id != result.instrument:
        raise ValueError("result and instrument differ")
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if response_id is not None:
        resource["id"] = response_id
    resource["questionnaire"] = f"{canonical_url(instrument, base_url)}|{instrument.version}"
    resource["status"] = "completed"
    if subject is not None:
        if not subject.strip():
            raise ValueError("subject must be a non-empty FHIR reference")
        resource["subject"] = {"reference": subject}
    if authored is not None:
        resource["authored"] = _datetime(authored)
    items: list[dict[str, Any]] = []
    for item, answer in zip(instrument.items, result.answers, strict=True):
        items.append(
            {
                "linkId": item_link_id(instrument, item.number),
                "text": item.text,
                "answer": [{"valueCoding": _coding(instrument, answer, base_url)}],
            }
        )
    for scale in instrument.scales:
        value = result.scores[scale.id]
        score_answer: dict[str, int | float] = (
            {"valueInteger": int(value)}
            if _score_type(scale) == "integer"
            else {"valueDecimal": float(value)}
        )
        items.append(
            {
                "linkId": score_link_id(instrument, scale),
                "text": f"{scale.label} (calculated by mentalize)",
                "answer": [score_answer],
            }
        )
    resource["item"] = items
    return resource

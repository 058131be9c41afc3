"""The clinic's upload form and API document list the input formats from the one registry."""

from __future__ import annotations

from mentalize.transcript import formats
from mentalize.web.api.openapi import document
from mentalize.web.records.forms import SessionForm


def test_the_upload_form_offers_the_registry() -> None:
    choices = [value for value, _ in SessionForm.base_fields["format"].choices]
    assert choices == ["", *formats.FORMATS]
    assert formats.file_types() in SessionForm.base_fields["transcript_file"].help_text


def test_openapi_offers_the_registry() -> None:
    assert _find_enum(document(), "format") == list(formats.FORMATS)


def _find_enum(node: object, key: str) -> list[str]:
    if isinstance(node, dict):
        if key in node and isinstance(node[key], dict) and "enum" in node[key]:
            return list(node[key]["enum"])
        for value in node.values():
            found = _find_enum(value, key)
            if found:
                return found
    if isinstance(node, list):
        for value in node:
            found = _find_enum(value, key)
            if found:
                return found
    return []

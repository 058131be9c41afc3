"""``mentalize audit verify`` on a clinic that is still writing.

Found by the SIGKILL tests: after a restart the analysis workers append entries while the test
ran ``audit verify``, which then reported "the chain ends at entry N but the head says N+1" on an
intact chain, because it read the head only after walking the entries. These pin the fix (head
read before and after the walk) and that it still catches what the old check caught.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from mentalize.web.audit import chain
from mentalize.web.audit.models import AuditEntry, AuditHead


def test_an_append_during_verify_is_not_a_break(
    chart: dict[str, Any], people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_head = chain._head

    def head_with_an_append_first() -> tuple[int, str]:
        calls.append(1)
        if len(calls) == 2:  # after the walk, before the final look: another worker appends
            chain.record_raw(people["owner"], "read", object_type="test.thing", object_id="x")
        return real_head()

    monkeypatch.setattr(chain, "_head", head_with_an_append_first)
    before = AuditEntry.objects.count()
    result = chain.verify()
    assert result.ok, result.problem
    assert result.checked == before and AuditEntry.objects.count() == before + 1
    monkeypatch.undo()
    assert chain.verify().ok and chain.verify().checked == before + 1


def test_a_row_added_without_moving_the_head_is_still_a_break(chart: dict[str, Any]) -> None:
    """A forged entry that chains correctly but that no append made (the head never moved)."""
    last = AuditEntry.objects.order_by("-seq").first()
    fields = {
        "seq": last.seq + 1,
        "at": timezone.now(),
        "actor_id": None,
        "actor": "forger",
        "action": "read",
        "object_type": "records.patient",
        "object_id": "1",
        "patient_id": 1,
        "prev_hash": last.hash,
    }
    AuditEntry(**fields, hash=chain.entry_hash(**fields)).save()
    result = chain.verify()
    assert not result.ok and "head" in result.problem


def test_a_rewritten_head_is_still_a_break(chart: dict[str, Any]) -> None:
    AuditHead.objects.filter(pk=1).update(hash="f" * 64)
    result = chain.verify()
    assert not result.ok and "head" in result.problem

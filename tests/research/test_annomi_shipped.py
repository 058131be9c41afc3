"""How the shipped analyser's interventions are scored against AnnoMI's four behaviours."""

from __future__ import annotations

import pytest

from mentalize.research.annomi_shipped import MBT_TO_ANNOMI, behaviour_by_form


def test_a_clarification_that_asks_is_a_question() -> None:
    assert behaviour_by_form("clarification", "So what happened after you left?") == "question"


def test_a_clarification_that_restates_is_a_reflection() -> None:
    text = "So you left early, and then the argument started at home."
    assert behaviour_by_form("clarification", text) == "reflection"


@pytest.mark.parametrize("intervention", sorted(set(MBT_TO_ANNOMI) - {"clarification"}))
def test_other_interventions_keep_the_map_whatever_their_form(intervention: str) -> None:
    for text in ("Is that right?", "That is right."):
        assert behaviour_by_form(intervention, text) == MBT_TO_ANNOMI[intervention]


def test_no_intervention_is_other() -> None:
    assert behaviour_by_form(None, "Mm?") == "other"

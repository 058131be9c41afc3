"""The MBT reader at run time: the ``mbt_*`` heads read the codebook's labels from one turn.

Trained by :mod:`mentalize.research.training.reader` on the project's annotated corpus
(``docs/datasheet.md``); what each head scored on the corpus's dev split is in
``heads/reader.md``. A head reads the turn's embedding and marker features and, where that
scored better, the previous turn's embedding, so a reading depends on the turn and the one
before it in its conversation, never on the other turns in a batch.

Why evidence comes from the markers
    A linear head's decision is a sum, so the part each marker feature added to the chosen
    value is exact: the markers that pushed the reading towards what it chose are shown as its
    evidence (the words they matched), and a reading no marker supported says so rather than
    borrowing words that did not decide it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mentalize.learned.features import FEATURE_MARKERS
from mentalize.learned.heads import LinearHead
from mentalize.learned.reading import NEUTRAL_VALENCE, NOT_APPLICABLE, POLARITIES, MBTReading
from mentalize.models.encoder import EMBEDDING_DIM

__all__ = ["NOT_APPLICABLE", "POLARITIES", "MBTReading", "ReaderHeads"]

EMBEDDING_WIDTH = EMBEDDING_DIM
_PATIENT_HEADS = (
    "mode",
    "rf_level",
    *POLARITIES,
    "arousal",
    "valence",
    "certainty_about_minds",
    "strain",
)
_THERAPIST_HEADS = ("intervention", "level", "repair", "stance")
RAISED_NUMBERS = ("rf_level", "arousal", "certainty_about_minds")
"""Numbered patient readings whose evidence is the markers that raised them."""
_EVIDENCE_FLOOR = 0.05
"""Smallest share of the marker features' whole push (either way) that one marker must add
towards the chosen value to count as evidence for it."""


class ReaderHeads:
    """The ``mbt_*`` heads, each told which columns it reads."""

    def __init__(self, heads: dict[str, LinearHead]) -> None:
        self.patient = {n: heads[f"mbt_{n}"] for n in _PATIENT_HEADS}
        self.therapist = {n: heads[f"mbt_{n}"] for n in _THERAPIST_HEADS}

    @staticmethod
    def available(heads: dict[str, LinearHead]) -> bool:
        return all(f"mbt_{n}" in heads for n in (*_PATIENT_HEADS, *_THERAPIST_HEADS))

    def read(self, own: np.ndarray, previous: np.ndarray, roles: Sequence[str]) -> list[MBTReading]:
        """One reading per row: ``own`` holds each turn's embedding and marker features,
        ``previous`` the embedding of the turn before it (zeros where there is none)."""
        context = np.hstack([own, previous])
        out: list[MBTReading] = [MBTReading()] * len(roles)
        for role, heads, build in (
            ("patient", self.patient, _patient),
            ("therapist", self.therapist, _therapist),
        ):
            rows = [i for i, r in enumerate(roles) if r == role]
            if not rows:
                continue
            values = {
                name: _outputs(head, own[rows], context[rows]) for name, head in heads.items()
            }
            for k, i in enumerate(rows):
                out[i] = build({n: v[k] for n, v in values.items()}, heads, own[i], context[i])
        return out


def _inputs(head: LinearHead, own: np.ndarray, context: np.ndarray) -> np.ndarray:
    return context if head.meta.get("inputs") == "context" else own


def _outputs(head: LinearHead, own: np.ndarray, context: np.ndarray) -> np.ndarray:
    X = _inputs(head, own, context)
    return head.predict_proba(X) if head.kind == "classifier" else head.predict(X)


def _scaled(head: LinearHead, value: float) -> float:
    low, high = float(head.meta["low"]), float(head.meta["high"])
    return round(min(high, max(low, value)), 2)


def _choice(head: LinearHead, proba: np.ndarray) -> tuple[str, float]:
    best = int(np.argmax(proba))
    return head.classes[best], round(float(proba[best]), 3)


def _agreeing_markers(
    head: LinearHead,
    value: str | None,
    own: np.ndarray,
    context: np.ndarray,
    direction: float = 1.0,
) -> tuple[str, ...]:
    """Marker kinds whose feature raised ``value``'s logit above the other classes' mean; for a
    regressor (``value`` None), those that moved the number in ``direction`` (+1 raised it, a
    rung up the rf_level scale say; -1 lowered it, towards negative valence)."""
    x = _inputs(head, own[None, :], context[None, :])[0]
    z = (x - head.mean) / head.scale
    coef = head.coef
    if head.kind == "regressor" or value is None:
        push = direction * coef[0]
    elif coef.shape[0] == 1:  # binary: one row of log-odds for the second class
        sign = 1.0 if head.classes.index(value) == 1 else -1.0
        push = sign * coef[0]
    else:
        chosen = head.classes.index(value)
        push = coef[chosen] - np.delete(coef, chosen, axis=0).mean(axis=0)
    start, end = EMBEDDING_WIDTH, EMBEDDING_WIDTH + len(FEATURE_MARKERS)
    parts = push[start:end] * z[start:end]
    total = float(np.abs(parts).sum()) or 1.0
    return tuple(
        name
        for name, part, count in zip(FEATURE_MARKERS, parts, x[start:end], strict=True)
        if count > 0 and part >= _EVIDENCE_FLOOR * total
    )


def _patient(
    v: dict[str, np.ndarray], heads: dict[str, LinearHead], own: np.ndarray, context: np.ndarray
) -> MBTReading:
    mode, mode_p = _choice(heads["mode"], v["mode"])
    strain, strain_p = _choice(heads["strain"], v["strain"])
    minimal = mode == "minimal"
    poles = {
        name: NOT_APPLICABLE if minimal else _choice(heads[name], v[name])[0] for name in POLARITIES
    }

    def number(name: str) -> float | None:
        return None if minimal else _scaled(heads[name], float(v[name]))

    evidence = [("mode", _agreeing_markers(heads["mode"], mode, own, context))]
    evidence += [
        (name, _agreeing_markers(heads[name], pole, own, context))
        for name, pole in poles.items()
        if pole != NOT_APPLICABLE
    ]
    if strain != "none":
        evidence.append(("strain", _agreeing_markers(heads["strain"], strain, own, context)))
    valence = number("valence")
    if not minimal:
        evidence += [
            (name, _agreeing_markers(heads[name], None, own, context)) for name in RAISED_NUMBERS
        ]
    if valence is not None:
        toward = -1.0 if valence < NEUTRAL_VALENCE else 1.0
        evidence.append(
            ("valence", _agreeing_markers(heads["valence"], None, own, context, toward))
        )
    return MBTReading(
        mode=mode,
        mode_p=mode_p,
        rf_level=number("rf_level"),
        arousal=number("arousal"),
        valence=valence,
        certainty_about_minds=number("certainty_about_minds"),
        strain=strain,
        strain_p=strain_p,
        evidence=tuple(evidence),
        self_other=poles["self_other"],
        cognitive_affective=poles["cognitive_affective"],
        internal_external=poles["internal_external"],
        automatic_controlled=poles["automatic_controlled"],
    )


def _therapist(
    v: dict[str, np.ndarray], heads: dict[str, LinearHead], own: np.ndarray, context: np.ndarray
) -> MBTReading:
    intervention, _ = _choice(heads["intervention"], v["intervention"])
    repair_p = float(v["repair"][list(heads["repair"].classes).index("yes")])
    stance, _ = _choice(heads["stance"], v["stance"])
    other = intervention == "other"
    repair = repair_p >= 0.5
    shown_stance = None if other or stance == NOT_APPLICABLE else stance
    evidence = [
        ("intervention", _agreeing_markers(heads["intervention"], intervention, own, context))
    ]
    if not other:
        evidence.append(("mbt_level", _agreeing_markers(heads["level"], None, own, context)))
    if shown_stance is not None:
        evidence.append(("stance", _agreeing_markers(heads["stance"], stance, own, context)))
    if repair:
        evidence.append(("repair", _agreeing_markers(heads["repair"], "yes", own, context)))
    return MBTReading(
        intervention=intervention,
        mbt_level=None if other else _scaled(heads["level"], float(v["level"])),
        repair=repair,
        repair_p=round(repair_p, 3),
        stance=shown_stance,
        evidence=tuple(evidence),
    )

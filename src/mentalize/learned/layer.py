"""The learned layer at run time: embed each turn once, let every head read that embedding.

Loaded lazily on the first analysis that wants it and kept for the process, so a batch of
sessions pays the model load once and ``import mentalize`` pays nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from mentalize.errors import ModelError
from mentalize.language import MarkerSet
from mentalize.learned.affect_scale import AffectScale
from mentalize.learned.features import marker_features
from mentalize.learned.heads import LinearHead, heads_fingerprint, load_heads, manifest_checksums
from mentalize.learned.reader import ReaderHeads
from mentalize.learned.reading import MBTReading
from mentalize.learned.risk_reader import HEAD_NAME as RISK_READER_HEAD
from mentalize.learned.risk_reader import RiskReader


@dataclass(frozen=True, slots=True)
class LearnedTurn:
    """What the heads read in one text, already on the marker 0-1 scales."""

    arousal: float
    certainty: float
    behaviour: str
    risk: str = "none"
    """The risk reader's kind (``none`` under its threshold or where its gates are closed); the
    session rules use it only where the risk words found nothing
    (:func:`mentalize.analysis.turns.analyze_turn`)."""
    risk_p: float = 0.0
    """The risk reader's probability that the turn discloses risk of any kind."""
    risk_span: tuple[int, int] | None = None
    """The sentence that read most as risk, as the evidence for a learned flag."""
    reading: MBTReading | None = None
    """The MBT reader's labels for the turn (:mod:`mentalize.learned.reader`), where the turn's
    role is known (patient or therapist)."""


class LearnedLayer:
    """The encoder plus the shipped heads, checked against each other at load."""

    def __init__(self) -> None:
        from mentalize.models.encoder import MODEL_ID, load_encoder

        self.encoder = load_encoder()
        heads = load_heads(MODEL_ID)
        # The heads were fitted on the exact encoder's vectors; the fast variant approximates
        # that space (docs/encoder.md), and its own id is what the results record.
        self.model_id = f"{self.encoder.model_id}+heads:{heads_fingerprint()}"
        self.behaviour = heads["therapist_behaviour"]
        self.arousal = heads["arousal"]
        self.certainty = heads["certainty"]
        self.arousal_scale = AffectScale(
            low=float(self.arousal.meta["low"]), high=float(self.arousal.meta["high"])
        )
        self.certainty_centre = float(self.certainty.meta["median"])
        risk_head = heads.get(RISK_READER_HEAD)
        if risk_head is None:
            raise ModelError(f"learned heads: {RISK_READER_HEAD}.npz missing; reinstall")
        self.risk_reader = RiskReader(risk_head)
        """The fine-tuned risk reader (:mod:`mentalize.learned.risk_reader`): its own encoder,
        run only on the turns its gates let through."""
        self.rupture = _on_these_readers(heads.get("rupture"))
        """The rupture head reads the reader's outputs of a session, not the embedding
        (:mod:`mentalize.analysis.rupture_features`); the session logic feeds it."""
        self.collapse = _on_these_readers(heads.get("collapse"))
        """The collapse head, likewise on the reader's outputs
        (:mod:`mentalize.analysis.collapse_features`)."""
        self.certainty_spread = float(self.certainty.meta["spread"]) or 1.0
        self.reader = ReaderHeads(heads) if ReaderHeads.available(heads) else None

    def read(
        self,
        markers: Sequence[MarkerSet],
        roles: Sequence[str] | None = None,
        before: str = "",
        conversation: bool = True,
    ) -> list[LearnedTurn]:
        """Read a run of consecutive turns. With ``roles``, the MBT reader reads each patient
        and therapist turn too, seeing the turn before it: the previous turn in the run, or
        ``before`` (the turn before the run, '' at the start of a conversation). Independent texts
        (``conversation=False``) are read with no turn before them."""
        if not markers:
            return []
        vectors = self.encoder.encode([m.text for m in markers])
        extra = np.asarray([marker_features(m) for m in markers], dtype=np.float32)
        X = np.hstack([vectors, extra])
        readings: list[MBTReading | None] = [None] * len(markers)
        if roles is not None and self.reader is not None:
            readings = list(self._readings(vectors, X, roles, before, conversation))
        arousal = self.arousal.predict(X)
        certainty = self.certainty.predict(X)
        behaviour = self.behaviour.predict(X)
        skip = [r == "therapist" for r in roles] if roles is not None else [False] * len(X)
        risks = self.risk_reader.read(markers, skip)
        return [
            LearnedTurn(
                arousal=self.arousal_scale(float(a)),
                certainty=0.5
                + 0.5 * math.tanh((float(c) - self.certainty_centre) / self.certainty_spread),
                behaviour=str(b),
                risk=r[0],
                risk_p=r[1],
                risk_span=r[2],
                reading=reading,
            )
            for a, c, b, r, reading in zip(
                arousal, certainty, behaviour, risks, readings, strict=True
            )
        ]

    def _readings(
        self,
        vectors: np.ndarray,
        X: np.ndarray,
        roles: Sequence[str],
        before: str,
        conversation: bool,
    ) -> list[MBTReading | None]:
        assert self.reader is not None
        previous = np.zeros_like(vectors)
        if conversation:
            previous[1:] = vectors[:-1]
        if conversation and before.strip():
            previous[0] = self.encoder.encode([before])[0]
        found = self.reader.read(X, previous, roles)
        return [
            r if role in ("patient", "therapist") else None
            for r, role in zip(found, roles, strict=True)
        ]


def learned_available() -> bool:
    """True when the models extra is installed (the heads ship with the package)."""
    from mentalize.models import models_available

    return models_available()


def _on_these_readers(head: LinearHead | None) -> LinearHead | None:
    """A head over the reader's outputs (rupture, collapse) only where it was trained on the
    shipped reader heads' outputs (their checksums in its metadata); after the reader is
    retrained, until that head is too, its reading falls back to the rules."""
    if head is None:
        return None
    trained_on = head.meta.get("reader_heads")
    shipped = manifest_checksums()
    if not isinstance(trained_on, dict) or any(
        shipped.get(name) != checksum for name, checksum in trained_on.items()
    ):
        return None
    return head


@cache
def learned_layer() -> LearnedLayer:
    return LearnedLayer()

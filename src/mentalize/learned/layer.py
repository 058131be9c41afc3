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

from mentalize.language import MarkerSet
from mentalize.learned.combine import AffectScale
from mentalize.learned.features import marker_features
from mentalize.learned.heads import heads_fingerprint, load_heads

LEARNED_ESTIMATES = ("arousal", "certainty", "intervention")
"""Per-turn fields the learned layer contributes to; the rest are always marker-based."""


@dataclass(frozen=True, slots=True)
class LearnedTurn:
    """What the heads read in one text, already on the marker 0-1 scales."""

    arousal: float
    certainty: float
    behaviour: str


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
        self.certainty_spread = float(self.certainty.meta["spread"]) or 1.0

    def read(self, markers: Sequence[MarkerSet]) -> list[LearnedTurn]:
        if not markers:
            return []
        vectors = self.encoder.encode([m.text for m in markers])
        extra = np.asarray([marker_features(m) for m in markers], dtype=np.float32)
        X = np.hstack([vectors, extra])
        arousal = self.arousal.predict(X)
        certainty = self.certainty.predict(X)
        behaviour = self.behaviour.predict(X)
        return [
            LearnedTurn(
                arousal=self.arousal_scale(float(a)),
                certainty=0.5
                + 0.5 * math.tanh((float(c) - self.certainty_centre) / self.certainty_spread),
                behaviour=str(b),
            )
            for a, c, b in zip(arousal, certainty, behaviour, strict=True)
        ]


def learned_available() -> bool:
    """True when the models extra is installed (the heads ship with the package)."""
    from mentalize.models import models_available

    return models_available()


@cache
def learned_layer() -> LearnedLayer:
    return LearnedLayer()

"""How a head's raw arousal score is put on the markers' 0-1 scale.

It lives with the heads (the layer applies it, training fits it) rather than with the analysis
that combines the two readings, so the learned layer never imports the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AffectScale"]


@dataclass(frozen=True, slots=True)
class AffectScale:
    """Maps a head's raw score onto the marker 0-1 scale: ``low`` (the training median) maps to
    0 and ``high`` (the training 99th percentile) to ``top``, so a neutral sentence adds nothing
    to the marker reading and only clearly raised ones do."""

    low: float
    high: float
    top: float = 0.8

    def __call__(self, score: float) -> float:
        if self.high <= self.low:
            return 0.0
        return min(1.0, max(0.0, (score - self.low) / (self.high - self.low) * self.top))

"""The fine-tuned risk reader at run time: does a turn the risk words missed still disclose risk?

Why a second encoder
    The shared sentence encoder was built for topic similarity: "which beam in the loft would
    take my weight" and "the loft beam needs replacing" lie close in it, and a linear head on it
    could not tell them apart without a gate of words near risk that a quarter of written risk
    never passes. This reader is all-MiniLM-L6-v2 fine-tuned on the project's risk probes and
    everyday talk (:mod:`mentalize.research.training.risk_reader`, model card
    ``heads/risk_reader.md``), shipped as int8 ONNX in this package and run by the same
    :class:`~mentalize.models.encoder.SentenceEncoder` code with the same tokenizer.

Where it speaks
    Only on a turn where the risk rules found no risk words at all (they keep the final say
    wherever they found words: a denial, someone else's risk, an idiom) and the speaker speaks of
    themselves; with the ``cue`` gate, only where a word near risk is present too. Only those
    turns are encoded, so the cost falls on the turns that need it. A flag rests on the sentence
    that reads most as risk, which must itself reach the sentence threshold.

The ONNX file's sha256 is in the heads manifest and is checked before onnxruntime sees a byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np

from mentalize.errors import ModelError
from mentalize.language import MarkerSet
from mentalize.language.risk.cues import has_risk_cue, sentence_spans, speaks_of_self
from mentalize.language.text import TextView
from mentalize.learned.heads import MANIFEST, LinearHead, heads_folder

ONNX_FILE = "risk_reader.onnx"
HEAD_NAME = "risk_reader"

GATES = ("cue", "none")
"""``cue``: only where a word near risk is present; ``none``: no gate beyond the rules' and the
speaker's (the training script's cross-validation chose, and the head's metadata records it)."""

RiskRead = tuple[str, float, tuple[int, int] | None]
"""(kind or ``none``, P(risk), the evidence sentence's span)."""


def _verified_model() -> tuple[bytes, str]:
    folder = heads_folder()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        expected = str(manifest["models"][ONNX_FILE])
        data = (folder / ONNX_FILE).read_bytes()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"risk reader {folder / ONNX_FILE}: missing ({exc}); reinstall") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(f"risk reader {folder / ONNX_FILE}: checksum mismatch; reinstall")
    return data, expected


class RiskReader:
    """The fine-tuned encoder and its linear head, with the thresholds and gate they shipped
    with (the head's metadata)."""

    def __init__(self, head: LinearHead) -> None:
        from mentalize.models.encoder import SentenceEncoder

        data, checksum = _verified_model()
        try:
            self.threshold = float(head.meta["threshold"])
            self.sentence_threshold = float(head.meta["sentence_threshold"])
            self.gate = str(head.meta["gate"])
            max_tokens = int(head.meta["max_tokens"])
            self._none = list(head.classes).index("none")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"risk reader head {HEAD_NAME}.npz: bad metadata ({exc})") from None
        if self.gate not in GATES or head.coef.shape != (len(head.classes), 384):
            raise ModelError(f"risk reader head {HEAD_NAME}.npz: unknown gate or wrong shape")
        self.head = head
        self.encoder = SentenceEncoder.from_model_bytes(
            data, f"risk-reader/sha256:{checksum[:12]}", name=ONNX_FILE, max_tokens=max_tokens
        )

    def may_read(self, found: MarkerSet) -> bool:
        """The gates: no risk words found, the speaker speaks of themselves, and (``cue`` gate)
        a word near risk."""
        if found.risk or not speaks_of_self(found.text, None):
            return False
        return self.gate != "cue" or has_risk_cue(TextView(found.text))

    def _p(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.head.predict_proba(self.encoder.encode(texts))
        return np.asarray(proba, dtype=np.float64)

    def read(self, markers: Sequence[MarkerSet], skip: Sequence[bool]) -> list[RiskRead]:
        """One reading per text; texts ``skip`` marks (therapist turns) and texts the gates
        close are not encoded and read ``none``."""
        out: list[RiskRead] = [("none", 0.0, None)] * len(markers)
        rows = [
            i
            for i, (found, skipped) in enumerate(zip(markers, skip, strict=True))
            if not skipped and self.may_read(found)
        ]
        if not rows:
            return out
        texts = [markers[i].text for i in rows]
        proba = self._p(texts)
        for i, row, cut in zip(rows, proba, self.encoder.cut(texts), strict=True):
            text = markers[i].text
            if cut:
                # A turn longer than the reader reads is read by its sentences: risk said late
                # in a long turn must not fall past the cut.
                row, span, span_p = self._by_sentences(text)
                risk_p = span_p
            else:
                risk_p = float(1.0 - row[self._none])
                if risk_p < self.threshold:
                    out[i] = ("none", risk_p, None)
                    continue
                span, span_p = self._sentence(text, risk_p)
            if risk_p < self.threshold:
                out[i] = ("none", risk_p, None)
                continue
            if span_p < self.sentence_threshold or not speaks_of_self(text, span):
                out[i] = ("none", risk_p, None)  # no sentence of the speaker's carries it
                continue
            scores = row.copy()
            scores[self._none] = -1.0
            out[i] = (str(self.head.classes[int(scores.argmax())]), risk_p, span)
        return out

    def _by_sentences(self, text: str) -> tuple[np.ndarray, tuple[int, int], float]:
        """A long turn's most risk-like sentence: its class probabilities, span and P(risk)."""
        bounds = sentence_spans(text)
        proba = self._p([text[a:b] for a, b in bounds])
        p = 1.0 - proba[:, self._none]
        best = int(p.argmax())
        return proba[best], bounds[best], float(p[best])

    def _sentence(self, text: str, risk_p: float) -> tuple[tuple[int, int], float]:
        """The sentence that reads most as risk, each read on its own, and its P(risk)."""
        bounds = sentence_spans(text)
        if len(bounds) < 2:
            return bounds[0], risk_p
        p = 1.0 - self._p([text[a:b] for a, b in bounds])[:, self._none]
        best = int(p.argmax())
        return bounds[best], float(p[best])

"""The fine-tuned risk reader at run time: does a turn the risk words missed still disclose risk?

Why a second encoder
    The shared sentence encoder was built for topic similarity: "which beam in the loft would
    take my weight" and "the loft beam needs replacing" lie close in it, and a linear head on it
    could not tell them apart. This reader is all-MiniLM-L6-v2 fine-tuned on the project's risk
    probes and everyday talk (:mod:`mentalize.research.training.risk_reader`, model card
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
import re
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

_WORD = re.compile(r"\S+")

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
        """The gates: the rules flagged nothing, the speaker speaks of themselves, and (``cue``
        gate) a word near risk."""
        if any(r.flagged for r in found.risk) or not speaks_of_self(found.text, None):
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
            ruled = _ruled_spans(markers[i])
            if cut:
                out[i] = self._read_long(text, ruled)
                continue
            out[i] = self._read_short(text, row, _pieces(text, 0, len(text)), ruled, {})
        return out

    def _read_short(
        self,
        text: str,
        row: np.ndarray,
        pieces: list[tuple[int, int]],
        ruled: Sequence[tuple[int, int]],
        known: dict[tuple[int, int], float],
    ) -> RiskRead:
        """The part of ``text`` that ``row`` (its class probabilities) was read from, made of
        ``pieces``, read as one turn: over the threshold, with a sentence of the speaker's that
        itself reaches the sentence threshold to rest on. ``known``: P(risk) of spans of
        ``text`` already read, shared by the windows of a long turn."""
        risk_p = float(1.0 - row[self._none])
        if risk_p < self.threshold:
            return ("none", risk_p, None)
        known[(pieces[0][0], pieces[-1][1])] = risk_p
        span = self._evidence(text, pieces, ruled, known)
        if span is None:
            return ("none", risk_p, None)  # no run of the speaker's sentences carries it
        scores = row.copy()
        scores[self._none] = -1.0
        return (str(self.head.classes[int(scores.argmax())]), risk_p, span)

    def _evidence(
        self,
        text: str,
        pieces: list[tuple[int, int]],
        ruled: Sequence[tuple[int, int]],
        known: dict[tuple[int, int], float],
    ) -> tuple[int, int] | None:
        """The shortest run of at most :data:`EVIDENCE_SENTENCES` consecutive sentences that
        itself reaches the sentence threshold and holds the speaker's first person, the
        strongest of its length: risk told across sentences ("I scratch. My legs mostly. Until
        it bleeds.") rests on the run that tells it, not on a sentence that says nothing alone.
        A run holding words the rules read (``ruled``: a denial, someone else's risk, an idiom)
        is theirs, never the reader's."""
        for length in range(1, min(EVIDENCE_SENTENCES, len(pieces)) + 1):
            runs = [
                (pieces[i][0], pieces[i + length - 1][1]) for i in range(len(pieces) - length + 1)
            ]
            missing = [run for run in runs if run not in known]
            if missing:
                read = 1.0 - self._p([text[a:b] for a, b in missing])[:, self._none]
                known.update(zip(missing, (float(x) for x in read), strict=True))
            p = np.asarray([known[run] for run in runs])
            for best in np.argsort(-p, kind="stable"):
                if p[best] < self.sentence_threshold:
                    break
                a, b = runs[best]
                if speaks_of_self(text, (a, b)) and not any(x < b and a < y for x, y in ruled):
                    return a, b
        return None

    def _read_long(self, text: str, ruled: Sequence[tuple[int, int]]) -> RiskRead:
        """A turn longer than the reader reads, read as windows of consecutive sentences that
        fit, one starting at each sentence, each as a short turn: risk said late in a long turn,
        or in a run-on transcript line with no full stops, must not fall past the cut, nor be
        drowned by the story before it. The strongest flag wins."""
        windows = _windows(text)
        windows += [
            (a, b, [(a, b)]) for _, _, pieces in windows if len(pieces) > 1 for a, b in pieces
        ]
        proba = self._p([text[a:b] for a, b, _ in windows])
        known = {
            (a, b): float(1.0 - row[self._none])
            for (a, b, _), row in zip(windows, proba, strict=True)
        }
        found: RiskRead = ("none", 0.0, None)
        for (_, _, pieces), row in zip(windows, proba, strict=True):
            read = self._read_short(text, row, pieces, ruled, known)
            if read[0] != "none" and (found[0] == "none" or read[1] > found[1]):
                found = read
            elif found[0] == "none" and read[1] > found[1]:
                found = ("none", read[1], None)
        return found


def _ruled_spans(found: MarkerSet) -> list[tuple[int, int]]:
    """Where the rules read risk words they did not flag: the reader's flag may not rest there."""
    return [(span.start, span.end) for r in found.risk for span in r.evidence]


EVIDENCE_SENTENCES = 3
"""The longest run of sentences a flag may rest on."""
WINDOW_WORDS = 80
"""Words per window of a long turn: about 110 WordPiece tokens of ordinary English, inside the
reader's 128."""


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` (offsets in ``text``), a sentence longer than
    :data:`WINDOW_WORDS` words cut into runs of that many words."""
    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text[start:end]):
        words = [m.span() for m in _WORD.finditer(text, start + a, start + b)]
        for k in range(0, len(words), WINDOW_WORDS):
            chunk = words[k : k + WINDOW_WORDS]
            out.append((chunk[0][0], chunk[-1][1]))
    return out or [(start, end)]


def _windows(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """One window per piece (:func:`_pieces`): that piece and the ones after it, up to
    :data:`WINDOW_WORDS` words in all: (start, end, the pieces inside)."""
    pieces = _pieces(text, 0, len(text))
    counts = [len(_WORD.findall(text, a, b)) for a, b in pieces]
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for first in range(len(pieces)):
        last, total = first, counts[first]
        while last + 1 < len(pieces) and total + counts[last + 1] <= WINDOW_WORDS:
            last += 1
            total += counts[last]
        inside = pieces[first : last + 1]
        windows.append((inside[0][0], inside[-1][1], inside))
    return windows

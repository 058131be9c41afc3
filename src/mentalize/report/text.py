"""Words and escaping for the report: plain-language labels, number formats, highlighted text.

Everything a clinician reads passes through here, so that labels are worded once and every piece
of transcript text is HTML-escaped on the way out (patients' words may contain markup).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from html import escape

from mentalize.analysis.results import Evidence
from mentalize.language.markers import highlight_of
from mentalize.outputs.labels import (
    INTERVENTION_LABELS,
    MODE_LABELS,
    MODE_SHORT,
    RESPONSE_LABELS,
    RISK_LABELS,
    RISK_SEVERITY_LABELS,
    RISK_TEMPORAL_LABELS,
    risk_rung,
)

__all__ = [
    "INTERVENTION_LABELS",
    "MODE_LABELS",
    "MODE_SHORT",
    "RESPONSE_LABELS",
    "RISK_LABELS",
    "RISK_SEVERITY_LABELS",
    "RISK_TEMPORAL_LABELS",
    "e",
    "find_words",
    "fmt",
    "highlight",
    "humanize",
    "label",
    "marker_family",
    "name",
    "plural",
    "risk_rung",
    "role_note",
    "source_name",
    "timestamp",
    "turn_label",
    "turn_range",
]


def e(value: object) -> str:
    """Escape anything for HTML text and attribute values (quotes included)."""
    return escape(str(value), quote=True)


def humanize(name: str) -> str:
    """``teleological_proof`` -> ``Teleological proof``: free marker names made readable."""
    text = re.sub(r"[_\-]+", " ", str(name)).strip()
    return text[:1].upper() + text[1:] if text else "Unnamed"


def label(table: dict[str, str], value: str | None, none: str = "—") -> str:
    """Look a value up in a label table; unknown values still read as words, never crash."""
    if value is None:
        return none
    return table.get(value, humanize(value))


def fmt(value: float | None, none: str = "—") -> str:
    """Two decimals for every score in the report; None/NaN shown, never hidden as 0."""
    if value is None:
        return none
    try:
        number = float(value)
    except (TypeError, ValueError):
        return none
    if not math.isfinite(number):
        return "n/a"
    return f"{number:.2f}"


def name(speaker: str, limit: int = 40) -> str:
    """An escaped speaker name, shortened with an ellipsis past ``limit`` characters and the full
    name kept as a tooltip, so one very long label cannot swamp the layout."""
    speaker = str(speaker)
    if len(speaker) <= limit:
        return e(speaker)
    return f'<span title="{e(speaker)}">{e(speaker[: limit - 1].rstrip())}…</span>'


def role_note(speaker: str, role: str) -> str:
    """The role, escaped, unless the speaker label already says it ("Patient" is a patient)."""
    if not role or str(speaker).strip().lower() == str(role).lower():
        return ""
    return e(role)


def plural(n: int, word: str) -> str:
    """``1 turn``, ``2 turns``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def source_name(source: str) -> str:
    """The file name without its directories: the path may name a clinic or a patient folder."""
    text = str(source or "").rstrip("/\\")
    return text.replace("\\", "/").rsplit("/", 1)[-1] or "(unnamed source)"


def turn_range(start: int, end: int) -> str:
    """1-based "turns 13–19", or "turn 13" when the range is a single turn."""
    lo, hi = sorted((start, end))
    return f"turn {lo + 1}" if lo == hi else f"turns {lo + 1}–{hi + 1}"


def turn_label(index: int) -> str:
    """Clinicians count turns from 1; the analysis counts from 0. Convert in one place."""
    return f"Turn {index + 1}"


def timestamp(seconds: float | None) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``; empty when the transcript has no times."""
    if seconds is None:
        return ""
    try:
        total = float(seconds)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(total) or total < 0:
        return ""
    whole = int(total)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def marker_family(markers: Iterable[str]) -> str:
    """The highlight colour of words that fired ``markers``: each marker's declared reading
    (:attr:`mentalize.language.markers.MarkerSpec.highlight`, from its family unless the marker
    says otherwise), the strongest winning, so a word that is risk and anything else reads as
    risk. The marker's own name is always in the tooltip."""
    return highlight_of(markers)


def _segments(length: int, spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, tuple]]:
    """Cut ``[0, length)`` at every span boundary; each piece lists the markers covering it.

    Cutting rather than nesting means overlapping spans can never produce crossed tags.
    """
    cuts = {0, length}
    for start, end, _ in spans:
        cuts.add(start)
        cuts.add(end)
    points = sorted(cuts)
    starts: dict[int, list[str]] = {}
    ends: dict[int, list[str]] = {}
    for start, end, marker in spans:
        starts.setdefault(start, []).append(marker)
        ends.setdefault(end, []).append(marker)
    active: dict[str, int] = {}
    pieces: list[tuple[int, int, tuple]] = []
    for a, b in itertools.pairwise(points):
        for marker in ends.get(a, ()):
            active[marker] -= 1
            if not active[marker]:
                del active[marker]
        for marker in starts.get(a, ()):
            active[marker] = active.get(marker, 0) + 1
        covering = tuple(sorted(active))
        if pieces and pieces[-1][2] == covering and pieces[-1][1] == a:
            pieces[-1] = (pieces[-1][0], b, covering)
        else:
            pieces.append((a, b, covering))
    return pieces


def highlight(
    text: str,
    evidence: Iterable[Evidence] = (),
    extra: Iterable[tuple[int, int, str]] = (),
) -> str:
    """Escaped ``text`` with every span given wrapped in ``<mark>`` naming its markers.

    The caller chooses the spans: the report passes only those that decided a reading
    (:func:`mentalize.report.evidence.deciding_evidence`), not every marker hit in the turn.
    Offsets out of range are clipped and empty spans dropped: evidence comes from code we do not
    control, and a bad offset must cost a highlight, not the report.
    """
    text = "" if text is None else str(text)
    length = len(text)
    spans: list[tuple[int, int, str]] = []
    for item in evidence:
        spans.append((item.start, item.end, str(item.marker)))
    spans.extend(extra)
    clean: list[tuple[int, int, str]] = []
    for start, end, marker in spans:
        try:
            a, b = max(0, min(int(start), length)), max(0, min(int(end), length))
        except (TypeError, ValueError):
            continue
        if a < b:
            clean.append((a, b, marker))
    if not clean:
        return e(text)
    out: list[str] = []
    for a, b, markers in _segments(length, clean):
        piece = e(text[a:b])
        if markers:
            names = ", ".join(humanize(m) for m in markers)
            family = marker_family(markers)
            out.append(f'<mark class="mk-{family}" title="{e(names)}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def find_words(text: str, words: Iterable[str]) -> list[tuple[int, int, str]]:
    """Spans where each trigger word occurs in ``text`` (case-insensitive), for risk highlights."""
    spans: list[tuple[int, int, str]] = []
    for word in words:
        needle = str(word).strip()
        if not needle:
            continue
        # A regex on the original text keeps offsets right where lower() would change lengths.
        for match in re.finditer(re.escape(needle), text or "", flags=re.IGNORECASE):
            spans.append((match.start(), match.end(), "risk"))
    return spans

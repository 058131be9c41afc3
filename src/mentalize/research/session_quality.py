"""Session-level readings against AnnoMI's expert quality ratings (``mentalize evaluate``).

AnnoMI's 93 motivational-interviewing sessions carry an expert rating of MI quality (83 high,
10 low: ``annomi/session_quality.csv``). MI is not MBT, but a well-conducted MI session is
calm, curious and non-directive, so a sound stance reading should rank high-quality sessions
above low-quality ones, and a calibration reading should not rank them the other way. The
sessions are calm talk about behaviour change, so breakdown episodes found there are mostly
spurious: the count per 20 sessions is the check. Part of AnnoMI is in the corpus's train split
(the reader saw those turns, never their ratings), so these are development figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from mentalize.analysis.session import ModelChoice, analyze_transcript
from mentalize.research import datasets as ds
from mentalize.research.marker_evaluations import evaluation
from mentalize.research.rows import RowKind, ValidationRow, project_row

QUALITY_FILE = "session_quality.csv"


@dataclass(frozen=True)
class SessionReading:
    transcript: int
    quality: str
    episodes: int
    ruptures: int
    calibration: float | None
    stance: float | None


def _quality(root: Path) -> dict[int, str]:
    path = root / "annomi" / QUALITY_FILE
    if not path.is_file():
        raise ds.DatasetMissing("annomi", path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[int, str] = {}
    for line, row in enumerate(rows, start=2):
        quality = (row.get("mi_quality") or "").strip()
        if quality not in ("high", "low") or not (row.get("transcript_id") or "").isdigit():
            raise ds.DatasetError(str(path), "expected transcript_id,mi_quality (high/low)", line)
        out[int(row["transcript_id"])] = quality
    return out


def annomi_sessions(root: Path, model: ModelChoice) -> list[SessionReading]:
    """Every rated AnnoMI transcript analysed whole (one annotator's copy of each utterance)."""
    from mentalize.research.corpus.units import annomi_sessions as sessions

    quality = _quality(root)
    readings = []
    for session in sessions(str(root)):
        tid = session.transcript_id
        if tid not in quality:
            continue
        analysis = analyze_transcript(session.transcript, model=model)
        readings.append(
            SessionReading(
                transcript=tid,
                quality=quality[tid],
                episodes=len(analysis.episodes),
                ruptures=len(analysis.session.ruptures),
                calibration=analysis.session.calibration,
                stance=analysis.session.stance,
            )
        )
    return readings


def quality_auc(readings: list[SessionReading], attribute: str) -> tuple[float | None, int]:
    """P(a high-quality session scores above a low-quality one), ties counted half."""
    scored = [(r.quality, getattr(r, attribute)) for r in readings]
    high = [v for q, v in scored if q == "high" and v is not None]
    low = [v for q, v in scored if q == "low" and v is not None]
    if not high or not low:
        return None, len(high) + len(low)
    wins = sum((h > lo) + 0.5 * (h == lo) for h in high for lo in low)
    return wins / (len(high) * len(low)), len(high) + len(low)


_row = project_row("annomi")


@evaluation(
    "annomi_sessions",
    datasets=("annomi",),
    title="AnnoMI sessions by expert quality (calibration, stance, spurious episodes)",
)
def evaluate_annomi_sessions(root: Path) -> list[ValidationRow]:
    """Calibration and stance AUC, high vs low MI quality; episodes in calm MI sessions."""
    ours = annomi_sessions(root, "auto")
    markers = annomi_sessions(root, "markers")
    note = "development figure; whole sessions, default model"
    rows: list[ValidationRow] = []
    for attribute, target in (("calibration", 0.75), ("stance", 0.85)):
        construct = f"session {attribute}, high vs low MI quality"
        value, n = quality_auc(ours, attribute)
        rows.append(_row(construct, "AUC", value, n, "ours", note))
        base, n_base = quality_auc(markers, attribute)
        rows.append(_row(construct, "AUC", base, n_base, "baseline", "markers alone"))
        rows.append(_row(construct, "AUC", target, n, "target", anchor=f"target ≥ {target:.2f}"))
    construct = "breakdown episodes in calm MI sessions"
    runs: tuple[tuple[list[SessionReading], RowKind, str], ...] = (
        (ours, "ours", note),
        (markers, "baseline", "markers alone"),
    )
    for found, kind, why in runs:
        per_20 = 20 * sum(r.episodes for r in found) / len(found) if found else None
        rows.append(_row(construct, "episodes per 20 sessions", per_20, len(found), kind, why))
    rows.append(
        _row(construct, "episodes per 20 sessions", 1.0, len(ours), "target", anchor="target ≤ 1")
    )
    return rows

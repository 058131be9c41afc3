"""Episodes and ruptures against the coded written sessions (codebook section 3).

The written sessions were coded for collapse episodes and ruptures by two blind machine passes and
adjudicated (``research/corpus/session_records.py``). Each session is analysed whole, as a user
would, and its episodes and ruptures are matched to the coded ones:

- an episode is found when a detected episode of the same patient shares a turn with it; a
  detected episode is right when it shares a turn with a coded one;
- a rupture is found when a detected rupture turn falls in its stretch or one turn either side
  (the held-out sets' tolerance); a detected rupture is right when it falls so near a coded one.

The dev split's authors shaped the rupture words and rules; their figures are development
figures. The test split's authors are scored once, when the reader is final
(``python -m mentalize.research.written_session_evaluations test``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mentalize.analysis.results import Episode, SessionAnalysis
from mentalize.analysis.session import ModelChoice, analyze_transcript
from mentalize.research.corpus.session_records import SessionRecord, final_records
from mentalize.research.corpus.units import fixed_splits, written_sessions
from mentalize.research.datasets import DATASETS, DatasetMissing
from mentalize.research.marker_evaluations import evaluation
from mentalize.research.rows import ValidationRow, print_rows, project_row
from mentalize.transcript import Transcript
from mentalize.transcript.readers import read_transcript
from mentalize.transcript.roles import assign_roles

RUPTURE_TOLERANCE = 1
_row = project_row("mbt_corpus")


@dataclass
class SessionCounts:
    """Counts over sessions for one split and model."""

    sessions: int = 0
    coded_episodes: int = 0
    episodes_found: int = 0
    detected_episodes: int = 0
    detected_episodes_right: int = 0
    coded_ruptures: int = 0
    ruptures_found: int = 0
    detected_ruptures: int = 0
    detected_ruptures_right: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def episode_recall(self) -> float | None:
        return self._share(self.episodes_found, self.coded_episodes)

    @property
    def episode_precision(self) -> float | None:
        return self._share(self.detected_episodes_right, self.detected_episodes)

    @property
    def rupture_recall(self) -> float | None:
        return self._share(self.ruptures_found, self.coded_ruptures)

    @property
    def rupture_precision(self) -> float | None:
        return self._share(self.detected_ruptures_right, self.detected_ruptures)


def _same_patient(record: SessionRecord, speaker: str) -> bool:
    return record.speaker is None or record.speaker == speaker


def add_session(
    counts: SessionCounts, analysis: SessionAnalysis, coded: Sequence[SessionRecord]
) -> None:
    """Score one analysed session against its coded records (turns 1-based in the records)."""
    counts.sessions += 1
    add_episodes(counts, analysis.episodes, coded)
    ruptures = [r for r in coded if r.kind == "rupture"]
    add_ruptures(counts, [(r.turn + 1, r.speaker) for r in analysis.session.ruptures], ruptures)


def add_episodes(
    counts: SessionCounts, detected: Sequence[Episode], coded: Sequence[SessionRecord]
) -> None:
    """Score detected episodes against the coded ones: a coded episode is found when a
    detected episode of the same patient shares a turn with it, and the other way round."""
    episodes = [r for r in coded if r.kind == "episode"]
    found = [
        SessionRecord("episode", e.start_turn + 1, e.end_turn + 1, speaker=e.speaker)
        for e in detected
    ]
    counts.coded_episodes += len(episodes)
    counts.episodes_found += sum(any(r.overlaps(f) for f in found) for r in episodes)
    counts.detected_episodes += len(found)
    counts.detected_episodes_right += sum(any(f.overlaps(r) for r in episodes) for f in found)


def add_ruptures(
    counts: SessionCounts, near: Sequence[tuple[int, str]], ruptures: Sequence[SessionRecord]
) -> None:
    """Score detected rupture turns (1-based, with the patient) against coded ruptures: a coded
    one is found when a detection falls in its stretch or one turn either side."""

    def close(record: SessionRecord, turn: int, who: str) -> bool:
        lo, hi = record.first - RUPTURE_TOLERANCE, record.last + RUPTURE_TOLERANCE
        return lo <= turn <= hi and _same_patient(record, who)

    counts.coded_ruptures += len(ruptures)
    counts.ruptures_found += sum(any(close(r, t, w) for t, w in near) for r in ruptures)
    counts.detected_ruptures += len(near)
    counts.detected_ruptures_right += sum(any(close(r, t, w) for r in ruptures) for t, w in near)


def coded_written_sessions(split: str) -> Iterator[tuple[Transcript, tuple[SessionRecord, ...]]]:
    """Each coded written session of ``split``'s authors, roles assigned, with its records: what
    the evaluation scores and the rupture head trains on."""
    splits = fixed_splits()
    for path in written_sessions():
        author = path.parent.name
        if splits.get(f"written:{author}") != split:
            continue
        coded = final_records(author, path.stem)
        if coded is None:
            continue
        yield assign_roles(read_transcript(path, format="jsonl")), coded


def score_split(split: str, model: ModelChoice) -> SessionCounts:
    """Every coded written session of ``split``'s authors, analysed whole with ``model``."""
    counts = SessionCounts()
    for transcript, coded in coded_written_sessions(split):
        add_session(counts, analyze_transcript(transcript, model=model), coded)
    return counts


def rows_for(split: str, note: str) -> list[ValidationRow]:
    ours, markers = score_split(split, "auto"), score_split(split, "markers")
    rows: list[ValidationRow] = []
    for construct, metric, attribute, n_attr, target in (
        ("collapse episodes (coded)", "recall", "episode_recall", "coded_episodes", 0.60),
        ("collapse episodes (coded)", "precision", "episode_precision", "detected_episodes", 0.80),
        ("ruptures (coded)", "recall", "rupture_recall", "coded_ruptures", 0.60),
        ("ruptures (coded)", "precision", "rupture_precision", "detected_ruptures", None),
    ):
        name = f"written sessions, {split} split: {construct}"
        rows.append(
            _row(name, metric, getattr(ours, attribute), getattr(ours, n_attr), "ours", note)
        )
        rows.append(
            _row(
                name,
                metric,
                getattr(markers, attribute),
                getattr(markers, n_attr),
                "baseline",
                "markers alone",
            )
        )
        if target is not None:
            rows.append(
                _row(
                    name,
                    metric,
                    target,
                    getattr(ours, n_attr),
                    "target",
                    anchor=f"target ≥ {target:.2f}",
                )
            )
    return rows


@evaluation(
    "written_sessions",
    datasets=("mbt_corpus",),
    title="Written sessions' coded episodes and ruptures, dev split",
)
def evaluate_written_sessions(root: Path) -> list[ValidationRow]:
    """Episode and rupture recall and precision on the dev authors' coded sessions.

    The sessions and their codes ship in the repository, but the run is skipped with the rest of
    the corpus when the corpus's AnnoMI half is absent, so that a run without datasets writes no
    partial table."""
    folder = root / DATASETS["mbt_corpus"].folder
    if not folder.is_dir():
        raise DatasetMissing("mbt_corpus", folder)
    return rows_for("dev", "dev split, development figure (rupture words shaped on it)")


if __name__ == "__main__":
    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    print_rows(rows_for(split, f"{split} split"))

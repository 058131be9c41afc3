"""Train the collapse head: does this patient turn lie inside a collapse episode, given what the
reader read?

Run: ``python -m mentalize.research.training.collapse`` from the repository (needs the ``models``
and ``research`` extras). It reads only the corpus's ``train`` split:

- the written sessions of the train authors, analysed whole, against their coded episodes
  (``data/corpus/labels/written/sessions/final``, codebook 3.1: an episode is a stretch of
  patient turns where mentalizing is lost, loud or quiet);
- AnnoMI's train-split transcripts, analysed whole, as calm talk: motivational interviewing about
  behaviour change, where every client turn counts as outside an episode.

The head is a logistic regression over
:data:`mentalize.analysis.collapse_features.COLLAPSE_FEATURES` (the reader's mode, level,
arousal, valence, certainty and strain, the turn's own estimates and length, the same patient's
turns either side, the therapist's demand before it). It is fitted on the train split; ``C``, the
threshold at which a turn counts as quiet collapse and the level at which an episode is kept are
chosen on the **dev** split (the dev authors' coded sessions and AnnoMI's dev transcripts),
scored through :func:`mentalize.analysis.episodes.find_episodes` as the evaluation scores it.
Why dev and not cross-validation on train: the reader heads were trained on the train split's
turns, so their outputs there are in-sample (see the rupture head's note). The chosen setting
is the highest written-dev recall whose precision reaches :data:`MIN_PRECISION` and whose
episodes in AnnoMI's calm sessions (dev and train, never test) stay within
:data:`MAX_EXTRA_CALM` per 20 sessions of the rules alone; the dev figures are development
figures and the test split stays unread. The head reads the reader's outputs, so it is
retrained whenever the reader heads are. Seeded; the same data and heads give the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mentalize.analysis.collapse_features import (
    COLLAPSE_FEATURES,
    collapse_features,
    read_collapse,
)
from mentalize.analysis.episodes import find_episodes
from mentalize.analysis.results import Series, TurnAnalysis
from mentalize.learned.heads import LinearHead
from mentalize.research.corpus.session_records import SessionRecord
from mentalize.research.training.fit import fit_session_head
from mentalize.research.training.sessions import (
    annomi_of_split,
    read_with_reader,
    save_head,
    session_counts,
    training_main,
)
from mentalize.research.written_session_evaluations import (
    SessionCounts,
    add_episodes,
    coded_written_sessions,
)

SCRIPT = "train_collapse"
C_GRID = (0.03, 0.1, 0.3, 1.0)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
KEEP_LEVELS = (0.0, 0.3, 0.4, 0.5, 0.6)
"""0.0 keeps every episode the rules and the head find (the head only adds)."""
MIN_PRECISION = 0.80
"""The issue's target for episode precision on written sessions."""
MAX_EXTRA_CALM = 0.5
"""Episodes per 20 calm AnnoMI sessions the head may add to what the rules alone find (the
target is at most one per 20 in all; the rules alone find about 1.3)."""
READER_HEADS = (
    "mbt_mode",
    "mbt_rf_level",
    "mbt_arousal",
    "mbt_valence",
    "mbt_certainty_about_minds",
    "mbt_strain",
)
"""The reader heads whose outputs the features read: the collapse head records their checksums
and is refused at load once any of them changes."""


@dataclass(frozen=True)
class CodedSession:
    """One analysed session, what the episode logic reads, and its coded episodes (1-based)."""

    source: str
    """``written`` or ``annomi``."""
    turns: tuple[TurnAnalysis, ...]
    series: tuple[Series, ...]
    intensities: dict[int, float]
    rigidity: dict[int, float]
    episodes: tuple[SessionRecord, ...]


def _analysed(
    source: str,
    turns_in: Sequence[object],
    roles: Sequence[str],
    coded: tuple[SessionRecord, ...],
) -> CodedSession:
    from mentalize.analysis.series import patient_series
    from mentalize.analysis.session import patient_rigidity, therapist_demands

    turns, markers = read_with_reader(turns_in, roles, SCRIPT)
    intensities, _ = therapist_demands(turns, markers)
    return CodedSession(
        source,
        tuple(turns),
        patient_series(turns),
        intensities,
        patient_rigidity(turns, markers),
        tuple(r for r in coded if r.kind == "episode"),
    )


def written(split: str) -> list[CodedSession]:
    out = []
    for transcript, coded in coded_written_sessions(split):
        roles = [transcript.role_of(t.speaker) for t in transcript.turns]
        out.append(_analysed("written", transcript.turns, roles, coded))
    return out


def annomi(split: str, datasets: str | None) -> list[CodedSession]:
    return [
        _analysed("annomi", t.turns, [t.role_of(x.speaker) for x in t.turns], ())
        for t in (session.transcript for session in annomi_of_split(split, datasets))
    ]


def _rows(session: CodedSession) -> tuple[list[list[float]], list[str]]:
    X: list[list[float]] = []
    y: list[str] = []
    for i, turn in enumerate(session.turns):
        features = collapse_features(session.turns, session.intensities, i)
        if features is None:
            continue
        inside = any(r.covers(i + 1, turn.speaker) for r in session.episodes)
        X.append(features)
        y.append("collapse" if inside else "none")
    return X, y


def _stack(sessions: Sequence[CodedSession]) -> tuple[np.ndarray, list[str]]:
    rows = [_rows(s) for s in sessions]
    X = np.asarray([x for r in rows for x in r[0]], dtype=np.float64)
    return X, [label for r in rows for label in r[1]]


def fit_collapse_head(
    X: np.ndarray, y: Sequence[str], C: float, threshold: float, keep: float
) -> LinearHead:
    return fit_session_head(
        X,
        y,
        name="collapse",
        C=C,
        meta={"threshold": threshold, "keep": keep, "features": list(COLLAPSE_FEATURES)},
        reader_heads=READER_HEADS,
    )


def score(
    dev: Sequence[CodedSession], head: LinearHead | None, threshold: float, keep: float
) -> dict[str, float]:
    """Written-dev recall and precision and AnnoMI-dev episodes per 20 sessions, rules and
    head together as users get them (``head`` None: the rules alone)."""
    counts = SessionCounts()
    calm_sessions = calm_episodes = 0
    setting = (
        None
        if head is None
        else replace(head, meta={**head.meta, "threshold": threshold, "keep": keep})
    )
    for s in dev:
        reading = read_collapse(setting, s.turns, s.intensities)
        found = find_episodes(s.turns, s.series, s.intensities, s.rigidity, reading)
        if s.source == "written":
            add_episodes(counts, found, s.episodes)
        else:
            calm_sessions += 1
            calm_episodes += len(found)
    return {
        "written_recall": round(counts.episode_recall or 0.0, 3),
        "written_precision": round(counts.episode_precision or 0.0, 3),
        "written_detected": counts.detected_episodes,
        "calm_per_20": round(20 * calm_episodes / calm_sessions, 2) if calm_sessions else 0.0,
    }


def choose(
    train: Sequence[CodedSession], dev: Sequence[CodedSession]
) -> tuple[float, float, float, list[dict[str, float]]]:
    """(C, threshold, keep, every run, the rules alone first)."""
    X, y = _stack(train)
    # Calm talk is checked on every AnnoMI transcript outside the test split: the dev ones, and
    # the train ones the head saw as calm (a linear head still fires on some of them).
    dev = [*dev, *(s for s in train if s.source == "annomi")]
    rules = {"C": 0.0, "threshold": 1.0, "keep": 0.0, **score(dev, None, 1.0, 0.0)}
    runs: list[dict[str, float]] = []
    for C in C_GRID:
        fitted = fit_collapse_head(X, y, C, 0.5, 0.0)
        for threshold in THRESHOLDS:
            for keep in KEEP_LEVELS:
                runs.append(
                    {
                        "C": C,
                        "threshold": threshold,
                        "keep": keep,
                        **score(dev, fitted, threshold, keep),
                    }
                )
    allowed = [
        r
        for r in runs
        if r["written_precision"] >= MIN_PRECISION
        and r["calm_per_20"] <= rules["calm_per_20"] + MAX_EXTRA_CALM
    ]
    chosen = max(
        allowed,
        key=lambda r: (r["written_recall"], r["written_precision"], -r["calm_per_20"]),
        default=None,
    )
    if chosen is None:
        raise SystemExit("train_collapse: no setting reaches the precision within the calm bound")
    return chosen["C"], chosen["threshold"], chosen["keep"], [rules, *runs]


def train_collapse(datasets: str | None, out: Path) -> dict[str, object]:
    train = written("train") + annomi("train", datasets)
    dev = written("dev") + annomi("dev", datasets)
    C, threshold, keep, runs = choose(train, dev)
    X, y = _stack(train)
    save_head(out, fit_collapse_head(X, y, C, threshold, keep))
    return {
        "chosen": {"C": C, "threshold": threshold, "keep": keep},
        "runs": runs,
        "sessions": session_counts(train, dev),
        "turns": len(y),
        "collapse_turns": sum(label == "collapse" for label in y),
    }


def main(argv: Sequence[str] | None = None) -> int:
    return training_main(__doc__ or "", SCRIPT, train_collapse, argv)


if __name__ == "__main__":
    raise SystemExit(main())

"""Whole sessions read with the shipped reader, for the heads that read its outputs (rupture,
collapse): one way to read a session, the AnnoMI transcripts of a corpus split, and the saving
and command line both training scripts share, so that the two heads are trained alike.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mentalize.errors import MentalizeError
from mentalize.learned.heads import heads_folder
from mentalize.research.training.fit import update_manifest

if TYPE_CHECKING:
    from mentalize.analysis.results import TurnAnalysis
    from mentalize.language import MarkerSet
    from mentalize.learned.heads import LinearHead
    from mentalize.research.corpus.units import AnnoMISession


class FromSource(Protocol):
    @property
    def source(self) -> str:
        """``written`` or ``annomi``."""
        ...


def read_with_reader(
    turns_in: Sequence[object], roles: Sequence[str], script: str
) -> tuple[list[TurnAnalysis], list[MarkerSet]]:
    """The turns as the analyser reads them with the learned layer (replies to a safety
    question read with it), and their markers."""
    from mentalize.analysis.risk import read_replies
    from mentalize.analysis.session import read_turns

    turns, markers, model_id = read_turns(turns_in, roles, model="learned")  # type: ignore[arg-type]
    if model_id is None:  # pragma: no cover - model="learned" raises instead
        raise SystemExit(f"{script}: the learned layer is needed")
    return read_replies(turns), markers


def annomi_of_split(split: str, datasets: str | None) -> Iterator[AnnoMISession]:
    """AnnoMI's transcripts in the corpus's ``split`` (train, dev or test)."""
    from mentalize.research.corpus.units import annomi_sessions, fixed_splits

    splits = fixed_splits()
    for session in annomi_sessions(datasets):
        if splits.get(f"annomi:{session.transcript_id}") == split:
            yield session


def session_counts(train: Sequence[FromSource], dev: Sequence[FromSource]) -> dict[str, int]:
    return {
        f"{split}_{source}": sum(s.source == source for s in sessions)
        for split, sessions in (("train", train), ("dev", dev))
        for source in ("written", "annomi")
    }


def save_head(out: Path, head: LinearHead) -> None:
    """``head`` as ``<name>.npz`` in ``out``, its checksum in the manifest."""
    from mentalize.models.encoder import MODEL_ID

    out.mkdir(parents=True, exist_ok=True)
    head.save(out / f"{head.name}.npz")
    update_manifest(out, {head.name: head}, MODEL_ID)


def training_main(
    doc: str,
    script: str,
    train: Callable[[str | None, Path], dict[str, object]],
    argv: Sequence[str] | None,
) -> int:
    """``--data`` and ``--out``, the figures as JSON, a bad dataset as one line and exit 2."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", type=Path, default=heads_folder())
    args = parser.parse_args(argv)
    try:
        figures = train(args.data, args.out)
    except MentalizeError as exc:
        print(f"{script}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures, indent=2))
    return 0

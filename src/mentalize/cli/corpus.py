"""``mentalize corpus``: the MBT-annotated corpus (issue 16): batches to code, and its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentalize.cli.common import EXIT_INTERNAL, fail
from mentalize.errors import MentalizeError, MissingExtra

corpus_app = typer.Typer(
    help="The MBT-annotated corpus: annotation batches and agreement figures.",
    no_args_is_help=True,
)

DEFAULT_LABELS = Path("data/corpus/labels")


@corpus_app.command("stats")
def stats(
    labels: Annotated[
        Path, typer.Option("--labels", help="Label folder (<source>/pass-*/*.jsonl).")
    ] = DEFAULT_LABELS,
    written: Annotated[
        Path,
        typer.Option("--written", help="Written sessions (<author>/sNN.jsonl and manifest.jsonl)."),
    ] = Path("data/corpus/written"),
    risk: Annotated[
        Path,
        typer.Option("--risk", help="Risk detail of flagged turns (<source>/pass-*/*.jsonl)."),
    ] = Path("data/corpus/risk"),
) -> None:
    """Agreement per label, adjudication and counts per split, for every source.

    Then what the written sessions are (their authors' manifests) and the risk detail of flagged
    turns.
    """
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise fail(str(MissingExtra("research", "agreement figures")), EXIT_INTERNAL) from None
    from mentalize.research.corpus.stats import (
        corpus_report,
        intent_contrast,
        written_composition,
    )
    from mentalize.research.corpus.units import SPLITS_FILE, fixed_splits

    if not labels.is_dir():
        raise fail(f"{labels}: no such folder; expected <source>/pass-*/*.jsonl label files")
    try:
        splits = fixed_splits() if SPLITS_FILE.is_file() else {}
        typer.echo(corpus_report(labels, splits), nl=False)
        if written.is_dir():
            typer.echo(written_composition(written, splits), nl=False)
            if (labels / "written").is_dir():
                typer.echo(intent_contrast(written, labels / "written"), nl=False)
        if risk.is_dir():
            from mentalize.research.corpus.risk_detail import risk_report

            typer.echo(risk_report(risk), nl=False)
    except MentalizeError as exc:
        raise fail(str(exc)) from None


@corpus_app.command("batches")
def batches(
    out: Annotated[Path, typer.Option("--out", help="Folder for the batch files.")],
    transcripts: Annotated[
        str | None,
        typer.Option("--transcripts", help="AnnoMI transcript ids, e.g. 0,1,2 or 0-9."),
    ] = None,
    written: Annotated[
        str | None,
        typer.Option(
            "--written", help="Written sessions: authors or author:session, e.g. a01,a02:s03."
        ),
    ] = None,
    size: Annotated[int, typer.Option("--size", min=10, help="Units per batch.")] = 120,
    data: Annotated[
        Path | None, typer.Option("--data", help="Datasets folder (default: ../shared/datasets).")
    ] = None,
) -> None:
    """Write annotation batches (id, role, context, text) outside the repository.

    Give AnnoMI transcripts (--transcripts) or written sessions (--written), one of the two.
    """
    from mentalize.research.corpus.batches import write_batches
    from mentalize.research.corpus.units import annomi_units, written_units

    if (transcripts is None) == (written is None):
        raise fail("give one of --transcripts (AnnoMI ids) or --written (a01,a02:s03)")
    try:
        if transcripts is not None:
            wanted = _ids(transcripts)
            units = [
                u
                for u in annomi_units(str(data) if data else None)
                if int(u.group.split(":")[1]) in wanted
            ]
            prefix, asked = "annomi", f"--transcripts {transcripts}"
        else:
            assert written is not None
            chosen = _sessions(written)
            units = [u for u in written_units() if _chosen(u.id, chosen)]
            prefix, asked = "written", f"--written {written}"
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    if not units:
        raise fail(f"{asked[:60]}: no unit matches; see data/corpus/written or the AnnoMI ids")
    paths = write_batches(units, out, size, prefix=prefix)
    typer.echo(f"{len(units)} units in {len(paths)} batches under {out}")


def _sessions(spec: str) -> set[str]:
    """``a01,a02:s03`` -> {"a01", "a02:s03"}."""
    chosen = {part.strip() for part in spec.split(",") if part.strip()}
    for part in chosen:
        author, _, session = part.partition(":")
        if not author or ":" in session:
            raise fail(f"--written: '{part[:20]}' is not an author or author:session like a01:s03")
    return chosen


def _chosen(unit_id: str, chosen: set[str]) -> bool:
    _, author, session, _ = unit_id.split(":")
    return author in chosen or f"{author}:{session}" in chosen


def _ids(spec: str) -> set[int]:
    ids: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                ids.update(range(low, high + 1))
            elif part:
                ids.add(int(part))
        except ValueError:
            raise fail(f"--transcripts: '{part[:20]}' is not an id or a range like 0-9") from None
    return ids


@corpus_app.command("disputes")
def disputes(
    out: Annotated[Path, typer.Option("--out", help="Folder for the third-pass batch files.")],
    labels: Annotated[
        Path,
        typer.Option(
            "--labels", help="Label folder of one source, annomi or written (with pass-a, pass-b)."
        ),
    ] = DEFAULT_LABELS / "annomi",
    size: Annotated[int, typer.Option("--size", min=10, help="Units per batch.")] = 200,
    data: Annotated[
        Path | None, typer.Option("--data", help="Datasets folder (default: ../shared/datasets).")
    ] = None,
) -> None:
    """Write the units still awaiting a third pass (codebook section 5) as batches.

    The source is the label folder's name (annomi or written).
    """
    from mentalize.research.corpus.adjudicate import adjudicate, awaiting_third_pass
    from mentalize.research.corpus.batches import read_passes, write_batches
    from mentalize.research.corpus.units import units_of

    try:
        passes = read_passes(labels)
        if "pass-a" not in passes or "pass-b" not in passes:
            raise fail(f"{labels}: expected pass-a and pass-b folders of label files")
        final = adjudicate(passes["pass-a"], passes["pass-b"], passes.get("pass-c"))
        waiting = awaiting_third_pass(final)
        units = [u for u in units_of(labels.name, str(data) if data else None) if u.id in waiting]
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    if not units:
        typer.echo("no unit is awaiting a third pass")
        return
    paths = write_batches(units, out, size, prefix=f"{labels.name}-third")
    typer.echo(f"{len(units)} units awaiting a third pass, in {len(paths)} batches under {out}")

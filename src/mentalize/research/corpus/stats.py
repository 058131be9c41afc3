"""The corpus in figures: units coded per pass, agreement per label, how disagreements were
settled, and label counts per split (``mentalize corpus stats``; the datasheet quotes it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from mentalize.research.corpus.adjudicate import adjudicate
from mentalize.research.corpus.agreement import agreement
from mentalize.research.corpus.batches import read_passes
from mentalize.research.corpus.labels import LABELS, combination_problems
from mentalize.research.corpus.manifest import SETTINGS, THERAPISTS, read_manifest
from mentalize.research.corpus.units import split_of

__all__ = ["corpus_report", "group_of", "intent_contrast", "written_composition"]

NON_MENTALIZING = ("psychic_equivalence", "teleological", "pretend", "hypermentalizing")

NOTE = (
    "Machine-assisted annotation: independent language-model passes working from "
    "docs/codebook.md alone, not ratings by certified Reflective Functioning coders."
)


def group_of(unit_id: str) -> str:
    """``annomi:12:40`` -> ``annomi:12``; a written session ``written:AUTHOR:S:T`` -> its author."""
    parts = unit_id.split(":")
    return ":".join(parts[:2])


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def corpus_report(labels_root: Path, splits: dict[str, str] | None = None) -> str:
    """A markdown report of every source under ``labels_root`` (``<source>/pass-*/``); a unit's
    split is its group's in ``splits`` (the committed file), else the hash rule."""
    splits = {} if splits is None else splits
    lines = ["# MBT corpus: figures", "", NOTE, ""]
    for source in sorted(p for p in labels_root.iterdir() if p.is_dir()):
        passes = read_passes(source)
        lines += [f"## {source.name}", ""]
        for name, records in passes.items():
            broken = sum(1 for r in records.values() if combination_problems(r))
            lines.append(
                f"- {name}: {len(records)} units coded, {broken} breaking a combination check "
                "(codebook 4.4)"
            )
        if "pass-a" not in passes or "pass-b" not in passes:
            lines += ["", "(two passes are needed for agreement)", ""]
            continue
        a, b = passes["pass-a"], passes["pass-b"]
        both = set(a) & set(b)
        lines += [
            f"- coded by both passes: {len(both)}",
            "",
            "| label | units | exact | kappa (weighted for scales) | ICC(2,1) |",
            "|---|---|---|---|---|",
        ]
        for row in agreement(a, b):
            lines.append(
                f"| {row.label} | {row.n} | {_fmt(row.raw)} | {_fmt(row.kappa)} | {_fmt(row.icc)} |"
            )
        final = adjudicate(a, b, passes.get("pass-c"))
        rules = Counter(rule for f in final.values() for rule in f["rules"].values())
        lines += [
            "",
            "Adjudication (label decisions): "
            + ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items())),
            "",
            "| label | split | counts |",
            "|---|---|---|",
        ]
        for label in LABELS:
            per_split: dict[str, Counter[str]] = {}
            for unit_id, record in final.items():
                if label.name in record and record[label.name] is not None:
                    group = group_of(unit_id)
                    split = splits.get(group) or split_of(group)
                    per_split.setdefault(split, Counter())[str(record[label.name])] += 1
            for split in ("train", "dev", "test"):
                if split in per_split:
                    counts = ", ".join(f"{v} {n}" for v, n in sorted(per_split[split].items()))
                    lines.append(f"| {label.name} | {split} | {counts} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def written_composition(root: Path, splits: dict[str, str] | None = None) -> str:
    """What the written sessions are, from their authors' manifests: sessions and turns per
    author and split, per setting and per therapist attunement."""
    splits = {} if splits is None else splits
    authors = sorted(p for p in root.iterdir() if p.is_dir() and (p / "manifest.jsonl").exists())
    entries = [entry for folder in authors for entry in read_manifest(folder)]
    lines = [
        "## written sessions: composition (authors' manifests)",
        "",
        f"{len(entries)} sessions, {sum(e.turns for e in entries)} turns, {len(authors)} authors",
        "",
        "| author | split | sessions | turns | settings |",
        "|---|---|---|---|---|",
    ]
    for folder in authors:
        mine = [e for e in entries if e.author == folder.name]
        group = f"written:{folder.name}"
        settings = Counter(e.setting for e in mine)
        lines.append(
            f"| {folder.name} | {splits.get(group) or split_of(group)} | {len(mine)} | "
            f"{sum(e.turns for e in mine)} | "
            + ", ".join(f"{k} {settings[k]}" for k in SETTINGS if settings[k])
            + " |"
        )
    settings = Counter(e.setting for e in entries)
    therapists = Counter(e.therapist for e in entries)
    lines += [
        "",
        "Settings: " + ", ".join(f"{k} {settings[k]}" for k in SETTINGS),
        "",
        "Therapist (author's intent): " + ", ".join(f"{k} {therapists[k]}" for k in THERAPISTS),
        "",
        f"Stretches the authors meant as collapse, rupture, repair or risk: "
        f"{sum(len(e.intent) for e in entries)}",
        "",
    ]
    return "\n".join(lines) + "\n"


def _share(records: list[dict[str, object]], key: str, values: tuple[str, ...]) -> str:
    if not records:
        return "—"
    return f"{sum(1 for r in records if r.get(key) in values) / len(records):.0%}"


def intent_contrast(root: Path, labels: Path) -> str:
    """The adjudicated labels of written turns inside the stretches their author meant as
    collapse, rupture, repair or risk, against the turns outside them. The annotators never saw
    the manifests, so this is a check of the labels against an independent source (the author's
    intent), though not against clinical truth."""
    passes = read_passes(labels)
    if "pass-a" not in passes or "pass-b" not in passes:
        return ""
    final = adjudicate(passes["pass-a"], passes["pass-b"], passes.get("pass-c"))
    inside: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if (p / "manifest.jsonl").exists()):
        for entry in read_manifest(folder):
            for stretch in entry.intent:
                for turn in range(stretch.first_turn, stretch.last_turn + 1):
                    inside.add(f"written:{entry.author}:{entry.session}:{turn}")
    lines = [
        "## written sessions: labels against the authors' intent",
        "",
        "Annotators never saw the manifests. Shares of adjudicated turns:",
        "",
        "| turns | role | n | non-mentalizing mode | strain | risk flagged | repair |",
        "|---|---|---|---|---|---|---|",
    ]
    for where, keep in (("inside intended stretches", True), ("outside", False)):
        for role in ("patient", "therapist"):
            rows = [r for u, r in final.items() if (u in inside) == keep and r.get("role") == role]
            patient = role == "patient"
            lines.append(
                f"| {where} | {role} | {len(rows)} | "
                f"{_share(rows, 'mode', NON_MENTALIZING) if patient else '—'} | "
                f"{_share(rows, 'strain', ('withdrawal', 'confrontation')) if patient else '—'} | "
                f"{_share(rows, 'risk_present', ('yes',))} | "
                f"{'—' if patient else _share(rows, 'repair', ('yes',))} |"
            )
    return "\n".join(lines) + "\n\n"

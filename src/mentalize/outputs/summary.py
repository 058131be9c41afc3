"""The short terminal summary: risk flags first, then episodes, calibration, stance, next step.

Every score is printed with its band in words (:data:`mentalize.outputs.labels.BANDS`, the table
the HTML report reads), and in a group every finding names the member it is about.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from mentalize.analysis.results import SessionAnalysis
from mentalize.outputs.labels import band, for_member, risk_rung, spectrum_label

RISK_WORDS = {
    "ideation": "suicidal ideation language",
    "self_harm": "self-harm language",
    "harm_to_others": "harm-to-others language",
}
RESPONSE_WORDS = {
    "stepped_down": "stepped down",
    "pushed_on": "pushed on",
    "mixed": "mixed",
    None: "no therapist response in transcript",
}


def _score(value: float | None, scale: str) -> str:
    """ "0.75 — mostly matched"; a missing value says why there is none."""
    if value is None:
        return "n/a (too few therapist turns)"
    word = band(scale, value)
    return f"{value:.2f} — {word}" if word else f"{value:.2f}"


def print_summary(
    analysis: SessionAnalysis,
    json_out: Path | None = None,
    html_out: Path | None = None,
    console: Console | None = None,
) -> None:
    console = console or Console()
    s = analysis.session
    roles = ", ".join(f"{name} ({role})" for name, role in analysis.speakers.items())
    console.print(f"[bold]{analysis.source}[/bold]: {len(analysis.turns)} turns; {roles}")

    if s.risk_flags:
        lines = [
            f"turn {f.turn + 1} ({f.speaker}): {RISK_WORDS[f.risk]} "
            f"({risk_rung(f.severity, f.temporal)}): "
            + ", ".join(f'"{w}"' for w in f.words)
            + (f" [{f.reason}]" if f.reason else "")
            for f in s.risk_flags
        ]
        lines.extend(
            f"turn {d.turn + 1} ({d.speaker}): denied {RISK_WORDS[d.risk]}: "
            + ", ".join(f'"{w}"' for w in d.words)
            + " (a denial does not clear an earlier disclosure)"
            for d in s.risk_denials
        )
        lines.append("Review in context and follow your service's risk protocol.")
        console.print(Panel(escape("\n".join(lines)), title="RISK LANGUAGE", border_style="red"))
    else:
        console.print(
            "No risk language found (this does not rule out risk: the reader finds about seven "
            "in ten risk statements on text written blind to it)."
        )
        for d in s.risk_denials:
            console.print(
                escape(
                    f"turn {d.turn + 1} ({d.speaker}): denied {RISK_WORDS[d.risk]}: "
                    + ", ".join(f'"{w}"' for w in d.words)
                )
            )

    if analysis.episodes:
        table = Table(title="Breakdown episodes", title_justify="left")
        for column in ("turns", "speaker", "peak arousal", "modes", "therapist"):
            table.add_column(column)
        for e in analysis.episodes:
            table.add_row(
                f"{e.start_turn + 1}-{e.end_turn + 1}",
                e.speaker,
                _score(e.peak_arousal, "arousal"),
                ", ".join(m.replace("_", " ") for m in e.modes),
                RESPONSE_WORDS[e.therapist_response],
            )
        console.print(table)
    else:
        console.print(
            "No breakdown episode marked (the analyser misses many, quiet ones most: "
            "read the transcript too)."
        )

    repaired = {r.rupture_turn for r in s.repairs}
    patients = [t.speaker for t in analysis.turns if t.role == "patient"]
    group = len(set(patients)) > 1
    ruptures = (
        ", ".join(
            f"turn {r.turn + 1}{f', {r.speaker}' if group else ''} "
            f"({'repaired' if r.turn in repaired else 'not repaired'})"
            for r in s.ruptures
        )
        or "none"
    )
    console.print(
        escape(
            f"Calibration to arousal: {_score(s.calibration, 'calibration')}   "
            f"MBT stance: {_score(s.stance, 'stance')}"
        )
    )
    used = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.intervention_counts.items() if v)
    console.print(f"Interventions: {used or 'none'}")
    console.print(f"Ruptures: {escape(ruptures)}")
    on_their_own = [r.turn + 1 for r in s.repairs if r.rupture_turn is None]
    if on_their_own:
        turns = ", ".join(str(t) for t in on_their_own)
        console.print(f"Repairs on their own (the therapist owned a misstep): turn {turns}")
    r = analysis.recommendation
    if analysis.has_therapist_turn:  # no therapist, no therapist's move
        at_risk = [f.speaker for f in s.risk_flags if f.temporal != "past"]
        reason = for_member(r.reason, patients, at_risk)
        name = spectrum_label(r.level) if 1 <= r.level <= 4 else r.label
        console.print(escape(f"What might fit next: level {r.level} of 4, {name}. {reason}"))
    for label, path in (("JSON", json_out), ("HTML report", html_out)):
        if path is not None:
            console.print(f"{label} written to {path}")
    if analysis.model is None:
        console.print(
            "[dim]Marker-only reading: arousal, certainty and interventions come from the "
            "lexical markers alone (install mentalize[models] to add the learned layer).[/dim]"
        )
    console.print(
        "[dim]Screening estimates from language markers and a sentence model, to support "
        "clinical judgement; not a diagnosis.[/dim]"
        if analysis.model
        else "[dim]Screening estimates from language markers to support clinical judgement; "
        "not a diagnosis.[/dim]"
    )

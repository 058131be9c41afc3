"""The therapist's side of the session (stance, calibration, interventions, rupture and repair)
and the recommendation of what might fit next on the MBT spectrum.
"""

from __future__ import annotations

from mentalize.analysis.results import INTERVENTIONS, SessionAnalysis
from mentalize.outputs.labels import SPECTRUM_LABELS, for_member
from mentalize.report.bands import banded
from mentalize.report.palette import INTERVENTION_COLOURS, REPAIR_COLOUR, RUPTURE_COLOUR
from mentalize.report.text import INTERVENTION_LABELS, e, label, name, turn_label
from mentalize.report.turns import turn_link

LEVELS: tuple[str, ...] = tuple(SPECTRUM_LABELS[level] for level in sorted(SPECTRUM_LABELS))
"""The ladder's tiles, from the one table of spectrum names the heading above them reads too."""

__all__ = ["LEVELS", "profile", "recommendation"]


def _meter(name: str, scale: str, value: float | None, what: str) -> str:
    if value is None:
        shown = '<span class="muted">not enough therapist turns</span>'
        bar = ""
    else:
        width = max(0.0, min(1.0, float(value))) * 100 if value == value else 0.0
        shown = f"<strong>{banded(scale, value)}</strong>"
        bar = f'<span class="meter"><span style="width:{width:.0f}%"></span></span>'
    return (
        f'<div class="score"><div class="score-h"><span>{name}</span>{shown}</div>{bar}'
        f'<p class="explain">{what}</p></div>'
    )


def profile(analysis: SessionAnalysis) -> str:
    """Therapist stance, calibration, the mix of interventions, and rupture/repair; for a
    transcript with no therapist turn, one line saying so (a row of empty meters and zero bars
    would read as a therapist who did nothing)."""
    if not analysis.has_therapist_turn:
        return (
            '<section id="therapist"><h2>Therapist profile</h2><p class="muted">No therapist '
            "turns in this transcript, so there is no therapist profile: stance, calibration, "
            "interventions and ruptures are all read from what a therapist says.</p></section>"
        )
    s = analysis.session
    stance = _meter(
        "Stance",
        "stance",
        s.stance,
        "How closely therapist turns keep the MBT stance: not-knowing, curious, validating, "
        "non-directive (0–1).",
    )
    calibration = _meter(
        "Calibration",
        "calibration",
        s.calibration,
        "How well intervention intensity followed patient arousal: high arousal → validation "
        "and support, moderate → clarification and exploration, low → challenge and relational "
        "work (0–1).",
    )
    counts = {k: int(v) for k, v in s.intervention_counts.items() if v}
    order = [*INTERVENTIONS, *sorted(set(counts) - set(INTERVENTIONS))]
    top = max(counts.values(), default=0)
    total = sum(counts.values())
    rows = "".join(
        f'<div class="bar"><span class="bar-l">{e(label(INTERVENTION_LABELS, k))}</span>'
        f'<span class="bar-t"><span style="width:{counts.get(k, 0) / top * 100 if top else 0:.1f}%;'
        f'background:{INTERVENTION_COLOURS.get(k, "#c9c9c9")}"></span></span>'
        f'<span class="bar-n">{counts.get(k, 0)}'
        f"<small>{counts.get(k, 0) / total * 100 if total else 0:.0f}%</small></span></div>"
        for k in order
    )
    repaired: dict[int | None, list[int]] = {}
    for rep in s.repairs:
        repaired.setdefault(rep.rupture_turn, []).append(rep.turn)
    items = []
    for r in s.ruptures:
        fixes = repaired.pop(r.turn, [])
        fix = (
            "repaired at " + ", ".join(turn_link(t) for t in sorted(fixes))
            if fixes
            else '<span class="warn-text">not repaired in transcript</span>'
        )
        items.append(
            f'<li><span style="color:{RUPTURE_COLOUR}">▲</span> Rupture at '
            f"{turn_link(r.turn)} · {name(r.speaker)} · {e(r.kind)}: {fix}</li>"
        )
    for rupture_turn, fixes in repaired.items():
        what = (
            "the therapist owned a misstep before any strain showed"
            if rupture_turn is None
            else f"of strain at {turn_label(rupture_turn).lower()}"
        )
        for t in fixes:
            items.append(
                f'<li><span style="color:{REPAIR_COLOUR}">●</span> Repair at {turn_link(t)}'
                f" ({what})</li>"
            )
    rel = (
        f'<ul class="plain">{"".join(items)}</ul>'
        if items
        else '<p class="muted">No rupture detected in the transcript.</p>'
    )
    return (
        '<section id="therapist"><h2>Therapist profile</h2><div class="grid2">'
        f'<div>{stance}{calibration}</div><div><h3 class="mini">Interventions ({total} '
        f'readable therapist turns)</h3><div class="bars">{rows}</div></div></div>'
        f'<h3 class="mini">Ruptures and repairs</h3>{rel}</section>'
    )


def recommendation(analysis: SessionAnalysis) -> str:
    """Where on the MBT spectrum the next intervention might sit, and why.

    Nothing for a transcript without a therapist turn (a patient's writing, a Reflect entry):
    a suggestion for a therapist's next move reads as if someone had been in the room.
    """
    if not analysis.has_therapist_turn:
        return ""
    rec = analysis.recommendation
    title = SPECTRUM_LABELS.get(rec.level) or rec.label
    patients = [t.speaker for t in analysis.turns if t.role == "patient"]
    at_risk = [f.speaker for f in analysis.session.risk_flags if f.temporal != "past"]
    reason = for_member(rec.reason, patients, at_risk)
    steps = "".join(
        f'<li class="{"on" if i == rec.level else ""}"><span>{i}</span>{e(text)}</li>'
        for i, text in enumerate(LEVELS, start=1)
    )
    return (
        '<section id="next"><h2>What might fit next</h2>'
        f'<p class="rec"><strong>Level {e(rec.level)} of 4: {e(title)}</strong></p>'
        f'<p>{e(reason)}</p><ol class="ladder">{steps}</ol>'
        '<p class="caption">The MBT spectrum runs from least to most demanding for the patient; '
        "intensity should follow arousal. A suggestion for reflection, not an instruction."
        "</p></section>"
    )

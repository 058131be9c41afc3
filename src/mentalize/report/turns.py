"""One turn as a clinician reads it: number, speaker, role, time, highlighted words and chips.

The same rendering serves the risk box, the episode cards and the full transcript so that a turn
looks identical wherever it is quoted.
"""

from __future__ import annotations

from collections.abc import Iterable

from mentalize.analysis.results import SessionAnalysis, TurnAnalysis
from mentalize.learned.reading import NEUTRAL_VALENCE, MBTReading
from mentalize.outputs.labels import STRAIN_LABELS
from mentalize.report.bands import band, banded
from mentalize.report.evidence import deciding_evidence
from mentalize.report.palette import INTERVENTION_COLOURS
from mentalize.report.text import (
    INTERVENTION_LABELS,
    MODE_LABELS,
    MODE_SHORT,
    RISK_LABELS,
    e,
    find_words,
    fmt,
    highlight,
    label,
    name,
    risk_rung,
    role_note,
    timestamp,
    turn_label,
)

__all__ = [
    "THERAPIST",
    "anchor",
    "chips",
    "intervention_css",
    "mode_chip",
    "strain_target",
    "transcript_row",
    "turn_block",
    "turn_link",
]


THERAPIST = "the therapist"
"""Whom the trained reader's strain labels name (:data:`mentalize.outputs.labels.STRAIN_LABELS`)."""


def strain_target(analysis: SessionAnalysis) -> str | None:
    """Whom a patient's strain can be aimed at in this transcript, for its chip: the therapist in
    a one-to-one session; the therapist or the group where several patients speak (a member
    confronting another member is read as strain too); nobody where no therapist speaks, where
    "confronting the therapist" would contradict the transcript, so no strain chip is shown."""
    if not analysis.has_therapist_turn:
        return None
    patients = {t.speaker for t in analysis.turns if t.role == "patient"}
    return "the therapist or the group" if len(patients) > 1 else THERAPIST


def strain_label(strain: str, towards: str) -> str:
    """ "confronting the therapist", or "confronting the therapist or the group" in a group."""
    words = STRAIN_LABELS[strain]
    if towards != THERAPIST and words.endswith(THERAPIST):
        return words.removesuffix(THERAPIST) + towards
    return words


def anchor(index: int) -> str:
    """The id of a turn in the full transcript; every other mention links here."""
    return f"turn-{index + 1}"


def turn_link(index: int) -> str:
    """ "Turn N" linking to that turn in the full transcript."""
    return f'<a href="#{anchor(index)}">{turn_label(index)}</a>'


def other_moves(turn: TurnAnalysis) -> str:
    """The turn's moves besides its named intervention, as words ("" when there are none)."""
    return ", ".join(
        label(INTERVENTION_LABELS, m).lower() for m in turn.moves if m != turn.intervention
    )


def risk_chip(turn: TurnAnalysis) -> str:
    """The risk label of a flagged turn with its rung and time ("…: wish to be dead, now")."""
    lead = turn.risk_lead
    rung = f": {risk_rung(lead.severity, lead.temporal)}" if lead is not None else ""
    return f'<span class="c rk">{e(label(RISK_LABELS, turn.risk))}{e(rung)}</span>'


def reader_note(turn: TurnAnalysis) -> str:
    """How the trained reader came to a turn's mode or intervention: its confidence where it has
    one, and the markers that pushed towards the value, or that none did (the reading then rests
    on the turn as a whole). Empty where the reading is not the reader's."""
    reading = turn.reading
    if reading is None:
        return ""
    if turn.role == "patient" and reading.mode == turn.mode:
        what, confidence = "mode", f", confidence {reading.mode_p or 0:.2f}"
    elif turn.role == "therapist" and reading.intervention == turn.intervention:
        what, confidence = "intervention", ""
    else:
        return ""
    agreed = reading.evidence_for(what)
    words = (
        ", ".join(a.replace("_", " ") for a in agreed)
        if agreed
        else "none; read from the whole turn"
    )
    level = ""
    if turn.role == "patient" and reading.rf_level is not None:
        level = _scale_note(reading, "rf_level", "mentalizing level", reading.rf_level, 4, "raised")
    if turn.role == "patient" and reading.valence is not None:
        moved = "lowered" if reading.valence < NEUTRAL_VALENCE else "raised"
        level += _scale_note(reading, "valence", "valence", reading.valence, 5, moved)
    if turn.role == "therapist" and reading.mbt_level is not None:
        level = _scale_note(reading, "mbt_level", "spectrum level", reading.mbt_level, 4, "raised")
    return f" · trained reader{confidence}; markers that agreed: {words}{level}"


def _scale_note(
    reading: MBTReading, name: str, shown: str, value: float, top: int, moved: str
) -> str:
    """ "; valence 1.8 of 5, lowered by: affective, absolutist": a number and the markers that
    moved it, or the number alone where none did."""
    by = ", ".join(a.replace("_", " ") for a in reading.evidence_for(name))
    return f"; {shown} {value:.1f} of {top}" + (f", {moved} by: {by}" if by else "")


def mode_chip(mode: str) -> str:
    """ "mode: psychic equivalence": named as a mode, in the chips' own lower case, so the
    mentalizing *mode* is not read as the mentalizing *score* in the chip beside it."""
    return f"mode: {label(MODE_SHORT, mode).lower()}"


def chips(turn: TurnAnalysis, strain_to: str | None = THERAPIST) -> str:
    """Small readings beside a turn: arousal/mentalizing/mode for patients, the intervention
    for therapists. Backchannels say so instead of showing numbers nobody should read. A strain
    chip names ``strain_to`` (:func:`strain_target`) and is left out where that is ``None``."""
    if turn.minimal:
        return '<span class="c cm">backchannel</span>'
    out: list[str] = []
    flagged = turn.risk not in (None, "none")
    if flagged:
        out.append(risk_chip(turn))
    if turn.role == "patient":
        out.append(f'<span class="c">arousal {banded("arousal", turn.arousal)}</span>')
        out.append(f'<span class="c">mentalizing {banded("mentalizing", turn.mentalizing)}</span>')
        # No mode badge beside a risk flag: a green "Mentalizing" there reads as reassurance.
        if turn.mode and not flagged:
            kind = "ok" if turn.mode == "mentalizing" else "md"
            why = f"{label(MODE_LABELS, turn.mode)}{reader_note(turn)}"
            out.append(f'<span class="c {kind}" title="{e(why)}">{e(mode_chip(turn.mode))}</span>')
        strain = turn.reading.strain if turn.reading is not None else None
        if strain in STRAIN_LABELS and strain_to is not None:
            out.append(f'<span class="c md">{e(strain_label(strain or "", strain_to))}</span>')
    elif turn.role == "therapist" and turn.intervention:
        colour = INTERVENTION_COLOURS.get(turn.intervention, INTERVENTION_COLOURS["other"])
        why = reader_note(turn).removeprefix(" · ")
        title = f' title="{e(why)}"' if why else ""
        out.append(
            f'<span class="c"{title}><i class="sw" style="background:{colour}"></i>'
            f"{e(label(INTERVENTION_LABELS, turn.intervention))}</span>"
        )
        also = other_moves(turn)
        if also:
            out.append(
                f'<span class="c cm" title="other moves in this turn, sentence by sentence">'
                f"also: {e(also)}</span>"
            )
    return "".join(out)


def turn_block(
    turn: TurnAnalysis,
    role: str,
    *,
    extra: Iterable[tuple[int, int, str]] = (),
    evidence: bool = True,
    note: str = "",
    css: str = "",
    strain_to: str | None = THERAPIST,
) -> str:
    """A quoted turn in the risk box or an episode card; its number links to the full
    transcript, which alone carries turn ids so that they stay unique. Only the words that
    decided its readings are marked (:mod:`mentalize.report.evidence`), with ``extra`` spans."""
    role_class = {"patient": "p", "therapist": "t"}.get(role, "o")
    when = timestamp(turn.start)
    when_html = f'<span class="ts">{when}</span>' if when else ""
    note_html = f'<span class="tag">{e(note)}</span>' if note else ""
    text = highlight(turn.text, deciding_evidence(turn) if evidence else (), extra)
    return (
        f'<div class="u {role_class} {css}"><div class="h">'
        f'<a class="tn" href="#{anchor(turn.index)}">{turn_label(turn.index)}</a>'
        f'<b class="sp">{name(turn.speaker)}</b><i class="rl">{role_note(turn.speaker, role)}</i>'
        f'{when_html}{note_html}<span class="cs">{chips(turn, strain_to)}</span>'
        f'</div><p class="x">{text}</p></div>'
    )


def transcript_row(turn: TurnAnalysis, role: str, risk_words: Iterable[str] = ()) -> str:
    """One row of the full transcript table: columns instead of repeated chip labels, so a
    10,000-turn session stays a few megabytes and the numbers line up for scanning. A row a risk
    flag quotes is flagged like a flagged turn: no mode shown, so no mode evidence marked."""
    role_class = {"patient": "p", "therapist": "t"}.get(role, "o")
    when = timestamp(turn.start)
    number = f"{turn.index + 1}" + (f"<small>{when}</small>" if when else "")
    flagged = turn.risk not in (None, "none") or bool(risk_words)
    text = highlight(
        turn.text, deciding_evidence(turn, flagged=flagged), find_words(turn.text, risk_words)
    )
    if turn.minimal:
        cells = '<td></td><td></td><td class="cm">backchannel</td>'
    elif role == "patient":
        kind = "ok" if turn.mode == "mentalizing" else "md" if turn.mode else ""
        mode = e(label(MODE_SHORT, turn.mode, none="")) if not flagged else "—"
        why = reader_note(turn).removeprefix(" · ") if not flagged else ""
        title = f' title="{e(why)}"' if why else ""
        cells = (
            f'<td class="n" title="{e(band("arousal", turn.arousal))}">{fmt(turn.arousal)}</td>'
            f'<td class="n" title="{e(band("mentalizing", turn.mentalizing))}">'
            f'{fmt(turn.mentalizing)}</td><td class="{kind}"{title}>{mode}</td>'
        )
    elif turn.intervention:
        key = turn.intervention if turn.intervention in INTERVENTION_COLOURS else "other"
        also = other_moves(turn)
        also_html = f'<small class="mv">also: {e(also)}</small>' if also else ""
        why = reader_note(turn).removeprefix(" · ")
        title = f' title="{e(why)}"' if why else ""
        cells = (
            f'<td></td><td></td><td class="iv iv-{key}"{title}>'
            f"{e(label(INTERVENTION_LABELS, turn.intervention))}{also_html}</td>"
        )
    else:
        cells = "<td></td><td></td><td></td>"
    if turn.risk and turn.risk != "none":
        text += f" {risk_chip(turn)}"
    # The role under the name, unless the name already says it ("Patient" / "patient").
    note = role_note(turn.speaker, role)
    who = f"<i>{note}</i>" if note else ""
    return (
        f'<tr class="{role_class}{" rk" if flagged else ""}" id="{anchor(turn.index)}">'
        f'<td class="tn">{number}</td>'
        f"<td><b>{name(turn.speaker)}</b>{who}</td><td>{text}</td>{cells}</tr>"
    )


def intervention_css() -> str:
    """Swatch colours for the transcript's intervention column, from the chart's palette."""
    return "".join(
        f".iv-{key}::before{{background:{colour}}}" for key, colour in INTERVENTION_COLOURS.items()
    )

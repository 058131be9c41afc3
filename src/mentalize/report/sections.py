"""The report's sections, each a function from the analysis to an HTML fragment.

Order on the page is decided in :mod:`mentalize.report.html`; here each section only knows how to
say its own part plainly, and how to say so when there is nothing to show.
"""

from __future__ import annotations

from collections import Counter

from mentalize.analysis.results import (
    INTERVENTIONS,
    Episode,
    RiskFlag,
    SessionAnalysis,
    TurnAnalysis,
)
from mentalize.report import episode_quotes
from mentalize.report.bands import band_key, banded
from mentalize.report.chart import LINE_GAP, MIN_LINE_TURNS, as_points, timeline_svg
from mentalize.report.geometry import finite
from mentalize.report.palette import (
    INTERVENTION_COLOURS,
    REPAIR_COLOUR,
    RUPTURE_COLOUR,
    patient_colours,
)
from mentalize.report.text import (
    INTERVENTION_LABELS,
    MODE_LABELS,
    RESPONSE_LABELS,
    RISK_LABELS,
    e,
    find_words,
    label,
    marker_family,
    name,
    plural,
    risk_rung,
    role_note,
    source_name,
    timestamp,
    turn_range,
)
from mentalize.report.turns import anchor, strain_target, transcript_row, turn_block, turn_link

DISCLAIMER = (
    "This report supports clinical judgement. It is an automated screening estimate from "
    "language markers, not a diagnosis or an assessment of the person."
)
MARKER_LEGEND = (
    '<p class="caption marks">Only the words that decided a reading are highlighted: for a '
    "patient, the words behind the mode shown, the arousal figure and any strain towards the "
    "therapist; for a therapist, the words behind the intervention named. Risk words are always "
    "highlighted. Other marker words still count in the figures but are not marked. "
    '<span class="screen-only">Hover over a highlight to see its marker.</span><br>'
    + " ".join(
        f'<mark class="mk-{family}" title="highlight colour: {words}">{words}</mark>'
        for family, words in (
            ("arousal", "arousal"),
            ("rigid", "certainty, non-mentalizing"),
            ("reflective", "reflective, tentative"),
            ("state", "mental-state words"),
            ("other", "therapist moves, strain"),
            ("quiet", "who the state is about"),
            ("risk", "risk"),
        )
    )
    + "</p>"
)
UNDER_READ = (
    "The analyser marks only some breakdowns: on blind test sessions every episode it marked was "
    "real, but it found fewer than a third of those the sessions' authors labelled. Quiet "
    "collapse (flat withdrawal, pretend talk in plain words, cold certainty) often passes "
    "unmarked, so read the transcript too (docs/validation.md)."
)
"""Said under every episode list: a missing episode is not evidence that mentalizing held."""

__all__ = [
    "DISCLAIMER",
    "episodes",
    "header",
    "risk",
    "roles",
    "timeline",
    "transcript",
]


def roles(analysis: SessionAnalysis) -> dict[str, str]:
    """Speaker -> role in order of first appearance; turns fill in speakers the map lacks."""
    out: dict[str, str] = {}
    for turn in analysis.turns:
        out.setdefault(turn.speaker, analysis.speakers.get(turn.speaker, turn.role))
    for speaker, role in analysis.speakers.items():
        out.setdefault(speaker, role)
    return out


def _findings(analysis: SessionAnalysis) -> str:
    """A one-line count of what follows, so a supervisor knows what to look for."""
    s = analysis.session
    repaired = {r.rupture_turn for r in s.repairs}
    unrepaired = sum(1 for r in s.ruptures if r.turn not in repaired)

    parts = [
        plural(len(s.risk_flags), "risk flag"),
        plural(len(analysis.episodes), "breakdown"),
        plural(len(s.ruptures), "rupture") + _unrepaired(unrepaired, len(s.ruptures)),
    ]
    return " · ".join(parts)


def _unrepaired(unrepaired: int, ruptures: int) -> str:
    """ "(2 not repaired)", or, when none was, "none repaired" rather than "6 ruptures (6 not
    repaired)", which reads as two counts to compare."""
    if not unrepaired:
        return ""
    if unrepaired == ruptures:
        return ", not repaired" if ruptures == 1 else ", none repaired"
    return f" ({unrepaired} not repaired)"


def _member_means(analysis: SessionAnalysis) -> dict[str, str]:
    """Per plotted patient, their mean mentalizing and arousal with bands, for the speaker list:
    in a group this is where a reader first sees which member the readings are about."""
    out: dict[str, str] = {}
    for s in analysis.series:
        means = []
        for scale, values in (("mentalizing", s.mentalizing), ("arousal", s.arousal)):
            readable = [v for _, v in finite(s.turns, values)]
            if readable:
                means.append(f"{scale} {banded(scale, sum(readable) / len(readable))}")
        if means:
            out[s.speaker] = (
                f' <span class="means" title="means over their readable turns">· mean '
                f"{' · '.join(means)}</span>"
            )
    return out


def header(analysis: SessionAnalysis) -> str:
    """Title, what was read, who spoke, and the limits of the reading, before any finding."""
    source = source_name(analysis.source)
    counts = Counter(t.speaker for t in analysis.turns)
    means = _member_means(analysis)
    speaker_items = "".join(
        f'<li><span class="sp">{name(s)}</span> <span class="rl">{role_note(s, r)}</span>'
        f' <span class="muted">{plural(counts.get(s, 0), "turn")}</span>{means.get(s, "")}</li>'
        for s, r in roles(analysis).items()
    )
    times = [t.start for t in analysis.turns if t.start is not None]
    duration = timestamp(max(times) - min(times)) if len(times) > 1 else ""
    n_pat = len(analysis.patient_turns)
    n_ther = len(analysis.therapist_turns)
    facts = [
        ("Source", e(source)),
        ("Format", e(analysis.format)),
        ("Turns", f"{len(analysis.turns)} ({n_pat} patient, {n_ther} therapist)"),
    ]
    if duration:
        facts.append(("Span of timestamps", duration))
    facts.append(("Findings", _findings(analysis)))
    fact_html = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    return (
        '<header class="top"><p class="kicker">Mentalization-Based Treatment</p>'
        "<h1>MBT session reading</h1>"
        f'<dl class="facts">{fact_html}</dl>'
        f'<div class="speakers"><h2 class="mini">Speakers</h2><ul>'
        f"{speaker_items or '<li class=muted>none</li>'}</ul></div>"
        f'<p class="callout" role="note"><strong>Please read first.</strong> {e(DISCLAIMER)} '
        "Every reading below shows the words it came from; check them against the session."
        f"</p>{band_key(bool(analysis.session.profiles), analysis.has_therapist_turn)}</header>"
    )


def _flag_reason(flag: RiskFlag, turn: TurnAnalysis | None) -> str:
    """Why the words were read as this flag, in plain words, with each part's evidence."""
    reason = flag.reason or "said of the speaker"
    if flag.context_turn is not None:
        return f"{reason} (read with turn {flag.context_turn + 1})."
    lead = turn.risk_lead if turn is not None else None
    if lead is None or turn is None:
        return f"{reason}."
    parts = []
    for part, what in (("severity", "rung"), ("temporal", "time"), ("assertion", "scope")):
        words = lead.words(turn.text, part)
        if words:
            parts.append(f"{what}: " + ", ".join(f"“{w}”" for w in words))
    return f"{reason}" + (f" ({'; '.join(parts)})." if parts else ".")


def _later_denials(flag: RiskFlag, analysis: SessionAnalysis) -> str:
    """Denials by the same speaker after a flag: shown, and said not to clear it."""
    later = [
        d for d in analysis.session.risk_denials if d.speaker == flag.speaker and d.turn > flag.turn
    ]
    if not later:
        return ""
    listed = "; ".join(
        f"{turn_link(d.turn)}, {e(label(RISK_LABELS, d.risk).lower())}: “{e(' '.join(d.words))}” "
        f"({e(d.reason or 'denied')})"
        for d in later
    )
    return (
        f'<p class="denied">Later denied — {listed}. A later denial does not clear this '
        "disclosure: both stand, in order.</p>"
    )


def denials(analysis: SessionAnalysis) -> str:
    """Risk denied in the session, in order, so a reader sees what was asked and answered."""
    found = analysis.session.risk_denials
    if not found:
        return ""
    rows = "".join(
        f"<li>{turn_link(d.turn)} · {name(d.speaker)}: {e(label(RISK_LABELS, d.risk))} denied — "
        f"“{e(' '.join(d.words))}” ({e(d.reason or 'denied')})</li>"
        for d in found
    )
    return f'<div class="denials"><h3>Denied in the session</h3><ul>{rows}</ul></div>'


def risk(analysis: SessionAnalysis, by_index: dict[int, TurnAnalysis]) -> str:
    """Risk language first and in full: each flag with its words and the whole turn."""
    flags = analysis.session.risk_flags
    if not flags:
        return (
            '<section id="risk" class="risk-none"><p>No risk language detected '
            "(this does not rule out risk: on text written blind to it, the reader finds about "
            "seven in ten risk statements).</p>"
            f"{denials(analysis)}</section>"
        )
    items = []
    speaker_roles = roles(analysis)
    strain_to = strain_target(analysis)
    for flag in flags:
        turn = by_index.get(flag.turn)
        role = speaker_roles.get(flag.speaker, turn.role if turn else "")
        words = ", ".join(f"“{e(w)}”" for w in flag.words) or "(no words recorded)"
        quote = ""
        if turn is not None:
            spans = find_words(turn.text, flag.words)
            if not spans:  # words not found verbatim: fall back to risk-like evidence spans
                spans = [
                    (s.start, s.end, s.marker)
                    for s in turn.evidence
                    if marker_family([s.marker]) == "risk"
                ]
            quote = turn_block(
                turn, role, extra=spans, evidence=False, css="quoted", strain_to=strain_to
            )
        items.append(
            f'<li class="flag"><p class="flag-h"><strong>{e(label(RISK_LABELS, flag.risk))}'
            f": {e(risk_rung(flag.severity, flag.temporal))}"
            f"</strong> · {turn_link(flag.turn)} · {name(flag.speaker)}"
            f"{f' ({role_note(flag.speaker, role)})' if role_note(flag.speaker, role) else ''}</p>"
            f'<p class="words">Triggering words: {words}</p>'
            f'<p class="why">Why flagged: {e(_flag_reason(flag, turn))}</p>'
            f"{_later_denials(flag, analysis)}{quote}</li>"
        )
    plural = "s" if len(flags) != 1 else ""
    return (
        '<section id="risk" class="risk" role="alert">'
        f"<h2>Risk language: {len(flags)} flag{plural}</h2>"
        '<p class="risk-lead"><strong>Review in context; follow your service\'s risk protocol.'
        "</strong> It reads words, not intent: it can miss risk and can fire on "
        "quoted or negated speech. A denial never clears an earlier disclosure.</p>"
        f'<ol class="flags">{"".join(items)}</ol>{denials(analysis)}</section>'
    )


def _person(speaker: str, colour: str, points: bool, alone: bool) -> str:
    """A legend entry: a line swatch, or a solid dot for a member drawn as points."""
    if points:
        return (
            f'<li><i class="dot-sw" style="background:{colour};opacity:1"></i>{name(speaker)} '
            f"(points: fewer than {MIN_LINE_TURNS} readable turns)</li>"
        )
    note = " (smoothed)" if alone else ""
    return f'<li><i class="ln-sw" style="background:{colour}"></i>{name(speaker)}{note}</li>'


def timeline(analysis: SessionAnalysis) -> str:
    """The chart, its legend in HTML (wraps on narrow screens) and how to read it."""
    colours = patient_colours(analysis)
    alone = len(colours) == 1
    people = "".join(
        _person(s.speaker, colours[s.speaker], as_points(s), alone) for s in analysis.series
    )
    shared = (
        '<li><i class="dot-sw"></i>single-turn reading</li>'
        '<li><i class="band-sw"></i>breakdown episode (B1, B2…)</li>'
        f'<li><span style="color:{RUPTURE_COLOUR}">▲</span> rupture</li>'
        f'<li><span style="color:{REPAIR_COLOUR}">●</span> repair</li>'
        f'<li><span style="color:{RUPTURE_COLOUR}">▼</span> risk language</li>'
    )
    kinds = "".join(
        f'<li><i class="sw" style="background:{INTERVENTION_COLOURS[k]}"></i>'
        f"{e(INTERVENTION_LABELS[k])}</li>"
        for k in INTERVENTIONS
        if k != "other"
    )
    whose = "each patient's own turns" if not alone else "the patient's own turns"
    # A transcript without a therapist (a patient's own writing) gets no key to an empty strip.
    therapist_key = (
        f'<ul class="legend"><li class="legend-h">Therapist turns:</li>{kinds}'
        '<li><i class="sw" style="background:#c9c9c9"></i>Other</li></ul>'
        if analysis.has_therapist_turn
        else '<p class="caption">No therapist turns in this transcript, so the therapist '
        "strip is empty.</p>"
    )
    ticks = (
        " Ticks beneath show what each therapist turn did." if analysis.has_therapist_turn else ""
    )
    return (
        '<section id="timeline-section"><h2>Across the session</h2>'
        f'<div class="chart">{timeline_svg(analysis)}</div>'
        f'<ul class="legend">{people}{shared}</ul>{therapist_key}'
        '<p class="caption">How to read it: the top panel is arousal, the lower panel '
        f"mentalizing, each on a 0–1 scale and smoothed over {whose}; faint dots "
        f"are single turns. A line breaks where its speaker had no readable turn for {LINE_GAP} "
        f"turns or more, and someone with fewer than {MIN_LINE_TURNS} readable turns is "
        "shown as points only. The pattern MBT watches for is arousal rising while mentalizing "
        "falls; shaded bands mark where the analyser found such a breakdown, named beneath the "
        f"panels.{ticks} "
        '<span class="screen-only">Hover over a mark for its turn.</span></p></section>'
    )


def _episode_turns(
    ep: Episode, by_index: dict[int, TurnAnalysis], analysis: SessionAnalysis
) -> str:
    """The turns around the episode's turning points, each named, with gaps saying how many turns
    are left out (:func:`mentalize.report.episode_quotes.plan`); risk turns inside are always
    quoted."""
    risky = {f.turn for f in analysis.session.risk_flags} | {
        i for i, t in by_index.items() if t.risk not in (None, "none")
    }
    speaker_roles = roles(analysis)
    strain_to = strain_target(analysis)
    responses = set(ep.response_turns)
    # A flag's words can live only in the risk reading ("Yes." to a safety question), not in the
    # turn's markers: mark them here as the full transcript does, since risk is always shown.
    flagged_words: dict[int, list[str]] = {}
    for flag in analysis.session.risk_flags:
        flagged_words.setdefault(flag.turn, []).extend(flag.words)
    out = []
    for item in episode_quotes.plan(ep, by_index.keys(), risky):
        if isinstance(item, episode_quotes.Gap):
            out.append(
                f'<p class="gap">… {plural(item.count, "turn")} not quoted here '
                f'(<a href="#{anchor(item.first)}">{turn_range(item.first, item.last)}</a>); '
                "see the full transcript.</p>"
            )
            continue
        turn = by_index[item.index]
        names = [*(["therapist response"] if item.index in responses else []), *item.names]
        if item.index in risky:
            names.append("risk language")
        css = "quoted" if item.inside else "quoted after"
        role = speaker_roles.get(turn.speaker, turn.role)
        extra = find_words(turn.text, flagged_words.get(item.index, ()))
        out.append(
            turn_block(
                turn, role, extra=extra, note=" · ".join(names), css=css, strain_to=strain_to
            )
        )
    return "".join(out) or '<p class="muted">These turns are not in the transcript.</p>'


def episodes(analysis: SessionAnalysis, by_index: dict[int, TurnAnalysis]) -> str:
    """One card per breakdown: what collapsed, how far, where it turned, and what the therapist
    did; long episodes are quoted around their turning points, not whole."""
    if not analysis.episodes:
        return (
            '<section id="episodes"><h2>Breakdown episodes</h2><p class="muted">No breakdown '
            f"episode was marked. {UNDER_READ}</p></section>"
        )
    cards = []
    for n, ep in enumerate(analysis.episodes, start=1):
        text, kind, why = RESPONSE_LABELS.get(ep.therapist_response, RESPONSE_LABELS["mixed"])
        modes = "".join(f"<li>{e(label(MODE_LABELS, m))}</li>" for m in ep.modes)
        peak = f" ({turn_link(ep.peak_turn)})" if ep.peak_turn is not None else ""
        cards.append(
            f'<article class="card episode"><header><h3>Breakdown {n}: '
            f"{turn_range(ep.start_turn, ep.end_turn)}</h3>"
            f'<span class="badge b-{kind}">{e(text)}</span></header>'
            f'<dl class="facts small"><div><dt>Patient</dt><dd>{name(ep.speaker)}</dd></div>'
            f"<div><dt>Peak arousal</dt><dd>{banded('arousal', ep.peak_arousal)}{peak}</dd></div>"
            f"<div><dt>Therapist response</dt><dd>{e(why)}</dd></div></dl>"
            f'<div class="modes"><span class="mini">Modes seen</span>'
            f"<ul>{modes or '<li>none recorded</li>'}</ul></div>"
            f"{episode_quotes.points_html(ep, analysis.episodes)}"
            f'<div class="quote">{_episode_turns(ep, by_index, analysis)}</div></article>'
        )
    return (
        f'<section id="episodes"><h2>Breakdown episodes</h2>{MARKER_LEGEND}'
        f'{"".join(cards)}<p class="muted">{UNDER_READ}</p></section>'
    )


def transcript(analysis: SessionAnalysis) -> str:
    """Every turn, collapsed by default: the evidence for every number above."""
    speaker_roles = roles(analysis)
    risk_words: dict[int, list[str]] = {}
    for flag in analysis.session.risk_flags:
        risk_words.setdefault(flag.turn, []).extend(flag.words)
    rows = "".join(
        transcript_row(t, speaker_roles.get(t.speaker, t.role), risk_words.get(t.index, ()))
        for t in analysis.turns
    )
    table = (
        '<table class="tt"><thead><tr><th>Turn</th><th>Speaker</th><th>Text</th>'
        '<th class="n">Arousal</th><th class="n">Mentalizing</th><th>Mode / intervention</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p class=muted>No turns.</p>"
    )
    return (
        '<section id="transcript"><details><summary>Full transcript '
        f"({len(analysis.turns)} turns, with the deciding words highlighted)</summary>"
        f"{MARKER_LEGEND}"
        f"{table}"
        "</details></section>"
    )

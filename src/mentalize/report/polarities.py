"""Each patient's polarity profile and hyper/hypo balance, as the trained reader read them.

MBT formulates a person's mentalizing by where it sits on four polarities and whether it fails
through too little or too much (Bateman & Fonagy 2016). The section shows, per patient (so a
group session names the member), how many readable turns sat at each pole, with the balance in
words, and says plainly that these are a model's readings to weigh, not findings.
"""

from __future__ import annotations

from mentalize.analysis.results import ReadingProfile, SessionAnalysis
from mentalize.outputs.labels import POLARITY_LABELS, band_meaning
from mentalize.report.bands import band, shown
from mentalize.report.text import e, name

__all__ = ["patient_profiles", "rf_band"]

_POLE_COLOURS = ("#5b8db8", "#c9c9c9", "#c98b5b")


def rf_band(level: float) -> str:
    """The codebook's rf_level bands (docs/codebook.md, 1.2) described, for a mean level; the
    same bands, and the same word, as every mentalizing score in the report
    (:data:`mentalize.outputs.labels.BANDS`)."""
    return band_meaning("rf_level", level)


def _polarity_row(profile: ReadingProfile, polarity: str) -> str:
    title, first, second = POLARITY_LABELS[polarity]
    counts = profile.polarities.get(polarity, {})
    parts = (counts.get(first, 0), counts.get("balanced", 0), counts.get(second, 0))
    total = sum(parts)
    if not total:
        return (
            f'<div class="bar"><span class="bar-l">{e(title)}</span>'
            f'<span class="muted">did not apply</span><span class="bar-n">0</span></div>'
        )
    segments = "".join(
        f'<span style="width:{n / total * 100:.1f}%;background:{colour};display:inline-block">'
        "</span>"
        for n, colour in zip(parts, _POLE_COLOURS, strict=True)
        if n
    )
    lean = profile.leaning(polarity)
    lean_words = f"mostly {lean}" if lean else "no lean (a tie)"
    words = f"{first} {parts[0]} · balanced {parts[1]} · {second} {parts[2]}"
    # The counts beneath carry the bar's colours, so the bar needs no separate key.
    key = " · ".join(
        f'<i class="pole-sw" style="background:{colour}"></i>{e(pole)} {n}'
        for pole, n, colour in zip((first, "balanced", second), parts, _POLE_COLOURS, strict=True)
    )
    return (
        f'<div class="bar" title="{e(words)}"><span class="bar-l">{e(title)}'
        f'<br><small class="muted">{e(lean_words)}</small></span>'
        f'<span class="bar-t" style="display:flex">{segments}</span>'
        f'<span class="bar-n">{total}</span></div><p class="explain">{key}</p>'
    )


def _balance(profile: ReadingProfile) -> str:
    if profile.hyper > profile.hypo:
        lean = "leans to hypermentalizing (confident readings of hidden motives)"
    elif profile.hypo > profile.hyper:
        lean = "leans to hypomentalizing (concrete or action-bound turns)"
    else:
        lean = "shows no lean between hyper- and hypomentalizing"
    rf = (
        f"; mean mentalizing level {shown('rf_level', profile.rf_level)} of 4 — "
        f"{e(band('rf_level', profile.rf_level))} ({e(rf_band(profile.rf_level))})"
        if profile.rf_level is not None
        else ""
    )
    return (
        f"<p>{profile.turns} readable turns: hypermentalizing {profile.hyper}, "
        f"hypomentalizing {profile.hypo}; {e(lean)}{rf}.</p>"
    )


def patient_profiles(analysis: SessionAnalysis) -> str:
    """The section, or nothing on markers alone (no reader ran)."""
    profiles = analysis.session.profiles
    if not profiles:
        return ""
    cards = "".join(
        f"<div><h3>{name(p.speaker)}</h3>{_balance(p)}"
        + "".join(_polarity_row(p, polarity) for polarity in POLARITY_LABELS)
        + "</div>"
        for p in profiles
    )
    return (
        '<section id="polarities"><h2>How each patient mentalized</h2>'
        '<p class="explain">Read turn by turn by a model trained on machine-annotated sessions '
        "(docs/codebook.md): where mentalizing sat on the four MBT polarities, and the balance "
        "of too much against too little. Readings to weigh in supervision, not findings.</p>"
        f'<div class="grid2">{cards}</div></section>'
    )

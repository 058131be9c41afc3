"""Read one text for risk: every concept hit judged for scope, time and rung, merged per kind."""

from __future__ import annotations

from mentalize.language.risk import scope
from mentalize.language.risk.concepts import ConceptHit, find_concepts
from mentalize.language.risk.types import RiskReading
from mentalize.language.spans import Span
from mentalize.language.text import TextView

_WHY_FLAGGED = {
    "current": "said of the speaker, now",
    "past": "said of the speaker, as history",
    "hypothetical": "said of the speaker, if something happens",
}


def _judge(view: TextView, hit: ConceptHit) -> RiskReading:
    asserted, decided, stopped = scope.assertion(view, hit)
    when = scope.temporal(view, hit, stopped if asserted == "asserted" else None)
    rung, rung_cue = scope.severity(view, hit)
    evidence = [Span("risk", hit.start, hit.end)]
    for cue in (rung_cue, decided.cue if decided else None, when.cue):
        if cue is not None and cue not in evidence:
            evidence.append(cue)
    if asserted == "asserted":
        reason = _WHY_FLAGGED[when.value]
        if decided is not None and decided.why not in ("denied",):
            reason = f"{reason} ({decided.why})"
    else:
        reason = decided.why if decided else asserted
    return RiskReading(
        risk=hit.concept.risk,
        severity=rung,
        temporal=when.value,  # type: ignore[arg-type]
        asserted=asserted,
        evidence=tuple(evidence),
        reason=reason,
    )


def _merge(readings: list[tuple[ConceptHit, RiskReading]]) -> list[RiskReading]:
    """Overlapping hits of one kind are one mention: keep the flagged, most severe reading and
    the evidence of all."""
    readings.sort(key=lambda pair: (pair[0].start, -pair[0].end))
    merged: list[tuple[int, int, RiskReading]] = []
    for hit, reading in readings:
        for i, (start, end, kept) in enumerate(merged):
            if kept.risk == reading.risk and hit.start < end and start < hit.end:
                better = max((kept, reading), key=lambda r: (r.flagged, r.rank, -len(r.evidence)))
                evidence = better.evidence + tuple(
                    s for s in (kept.evidence + reading.evidence) if s not in better.evidence
                )
                merged[i] = (
                    min(start, hit.start),
                    max(end, hit.end),
                    RiskReading(
                        better.risk,
                        better.severity,
                        better.temporal,
                        better.asserted,
                        evidence,
                        better.reason,
                    ),
                )
                break
        else:
            merged.append((hit.start, hit.end, reading))
    return [reading for _, _, reading in merged]


def read_risk(view: TextView) -> tuple[RiskReading, ...]:
    """Every risk mention in ``view``, flagged or not, in text order (memoised on the view)."""
    return view.memo("risk_readings", _read)


def _read(view: TextView) -> tuple[RiskReading, ...]:
    hits = find_concepts(view)
    if not hits:
        return ()
    strong = [h for h in hits if not h.concept.weak]
    weak = [h for h in hits if h.concept.weak]
    if not strong and len(weak) < 2:
        return ()
    judged = [(hit, _judge(view, hit)) for hit in hits]
    return tuple(_merge(judged))

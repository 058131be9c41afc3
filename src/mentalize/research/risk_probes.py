"""The risk probe set: utterances written by blind authors, each labelled with the speaker's own
risk, to measure recall on asserted risk and false alarms on the kinds that are not risk.

Files are JSON Lines (``tests/data/risk_probes/{dev,test}/AUTHOR.jsonl``; the brief the authors
worked from is ``tests/data/risk_probes/BRIEF.md``). A probe with a ``context`` is read as a
two-turn session (the therapist's question, then the reply); the others as one patient turn.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mentalize.analysis.session import analyze_transcript
from mentalize.errors import InputError
from mentalize.transcript import Transcript, Turn

PROBE_KEYS = ("id", "kind", "context", "text", "risk", "severity", "temporal", "asserted")
RISKS = ("none", "ideation", "self_harm", "harm_to_others")


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    kind: str
    context: str | None
    text: str
    risk: str
    severity: str | None
    temporal: str | None

    @property
    def expected(self) -> bool:
        return self.risk != "none"


@dataclass(slots=True)
class ProbeScore:
    """Flags against labels, overall and per kind of probe."""

    total: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    """Per kind: probes labelled risk that were flagged with the labelled kind of risk."""
    current_risk: int = 0
    current_found: int = 0
    any_risk: int = 0
    any_found: int = 0
    not_risk: int = 0
    false_alarms: int = 0
    kind_agreed: int = 0
    severity_agreed: int = 0
    missed: list[str] = field(default_factory=list)
    alarmed: list[str] = field(default_factory=list)

    @property
    def recall_current(self) -> float:
        return self.current_found / self.current_risk if self.current_risk else float("nan")

    @property
    def recall_any(self) -> float:
        return self.any_found / self.any_risk if self.any_risk else float("nan")

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.not_risk if self.not_risk else float("nan")


def load_probes(folder: Path) -> list[Probe]:
    """Every probe of every ``*.jsonl`` file in ``folder``; a bad line is one-line
    :class:`InputError` naming the file and line."""
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise InputError(str(folder), "no *.jsonl probe files here")
    probes: list[Probe] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(str(path), "not valid JSON", number) from None
            if not isinstance(raw, dict) or any(k not in raw for k in PROBE_KEYS):
                keys = ", ".join(PROBE_KEYS)
                raise InputError(str(path), f"a probe needs the keys {keys}", number)
            if raw["risk"] not in RISKS or not isinstance(raw["text"], str):
                raise InputError(str(path), f"'risk' must be one of {', '.join(RISKS)}", number)
            probes.append(
                Probe(
                    id=str(raw["id"]),
                    kind=str(raw["kind"]),
                    context=raw["context"] if isinstance(raw["context"], str) else None,
                    text=raw["text"],
                    risk=raw["risk"],
                    severity=raw["severity"],
                    temporal=raw["temporal"],
                )
            )
    return probes


def read_probe(probe: Probe, model: str = "auto") -> tuple[str, str | None]:
    """(risk, severity) the analyser gives the probe's last turn; ``model`` as for ``analyze``
    (``auto`` adds the learned risk reader where the models extra is installed)."""
    turns = [Turn("Patient", probe.text)]
    roles = {"Patient": "patient"}
    if probe.context is not None:
        turns.insert(0, Turn("Therapist", probe.context))
        roles["Therapist"] = "therapist"
    analysis = analyze_transcript(
        Transcript("<probe>", tuple(turns), "text", roles),  # type: ignore[arg-type]
        model=model,  # type: ignore[arg-type]
    )
    last = analysis.turns[-1]
    lead = last.risk_lead
    return last.risk, (lead.severity if lead is not None else None)


def score_probes(probes: list[Probe], model: str = "auto") -> ProbeScore:
    score = ProbeScore()
    for probe in probes:
        risk, severity = read_probe(probe, model)
        flagged = risk != "none"
        score.total[probe.kind] += 1
        score.flagged[probe.kind] += flagged
        if probe.expected:
            score.expected[probe.kind] += 1
            score.any_risk += 1
            score.any_found += flagged
            if probe.temporal == "current":
                score.current_risk += 1
                score.current_found += flagged
            if flagged and risk == probe.risk:
                score.hits[probe.kind] += 1
                score.kind_agreed += 1
                score.severity_agreed += severity == probe.severity
            if not flagged:
                score.missed.append(probe.id)
        else:
            score.not_risk += 1
            score.false_alarms += flagged
            if flagged:
                score.alarmed.append(probe.id)
    return score

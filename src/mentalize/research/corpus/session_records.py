"""Session-level records (collapse episodes, ruptures, standalone repairs): read, match, adjudicate.

The codebook's section 3 asks annotators for whole-session records rather than turn labels:
an episode or a rupture is a stretch ``first_id``..``last_id`` of one patient's turns. Two
passes' records *match* when their stretches share a turn (section 3.6), which is the same
rule the analyser is scored by, so agreement between annotators and the analyser's figures are
read on one scale.

Files: ``data/corpus/labels/written/sessions/pass-X/<author>/<session>.jsonl`` (one record per
line, as the annotators wrote them) and the adjudicated ``final/<author>/<session>.jsonl`` with
the rule that decided each record (``agreement``, ``third_pass``, ``confidence``; records a
third pass did not confirm are ``dropped`` and kept out of the final file but counted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

RecordKind = Literal["episode", "rupture", "repair"]
_TURN_ID = re.compile(r"^t([1-9][0-9]*)$")


class RecordError(ValueError):
    """A session-record file that does not follow the codebook's section 3.4/3.5 format."""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One episode, rupture or standalone repair; turns are 1-based as in the transcript."""

    kind: RecordKind
    first: int
    last: int
    speaker: str | None = None
    value: str | None = None
    """``therapist_response`` of an episode, ``kind`` of a rupture; None for a repair."""
    repair: int | None = None
    """A rupture's ``repair_id`` turn."""
    confidence: int = 1
    rule: str = ""

    def covers(self, turn: int, speaker: str) -> bool:
        """True when 1-based ``turn``, said by ``speaker``, lies inside this record."""
        return self.first <= turn <= self.last and (self.speaker is None or self.speaker == speaker)

    def overlaps(self, other: SessionRecord) -> bool:
        same_speaker = (
            self.speaker is None or other.speaker is None or self.speaker == other.speaker
        )
        return (
            self.kind == other.kind
            and same_speaker
            and self.first <= other.last
            and other.first <= self.last
        )

    def as_json(self) -> dict[str, object]:
        turn = f"t{self.first}"
        if self.kind == "repair":
            return {"repair": turn, "confidence": self.confidence, "rule": self.rule}
        body: dict[str, object] = {self.kind: 0}
        if self.speaker:
            body["speaker"] = self.speaker
        body.update(first_id=turn, last_id=f"t{self.last}")
        if self.kind == "episode":
            body["therapist_response"] = self.value
        else:
            body["kind"] = self.value
            body["repair_id"] = None if self.repair is None else f"t{self.repair}"
        body.update(confidence=self.confidence, rule=self.rule)
        return body


def _turn(value: object, where: str) -> int:
    match = _TURN_ID.match(value) if isinstance(value, str) else None
    if match is None:
        raise RecordError(f"{where}: expected a turn id like 't12', got {value!r}")
    return int(match.group(1))


def parse_record(raw: dict[str, object], where: str) -> SessionRecord:
    """One line of an annotator's output as a record; RecordError names what is wrong."""
    confidence = raw.get("confidence", 1)
    if not isinstance(confidence, int) or confidence not in (1, 2, 3):
        raise RecordError(f"{where}: confidence must be 1, 2 or 3")
    speaker = raw.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise RecordError(f"{where}: speaker must be a label such as 'P2'")
    if "repair" in raw and "first_id" not in raw:
        turn = _turn(raw["repair"], f"{where}: repair")
        return SessionRecord("repair", turn, turn, confidence=confidence)
    kind: RecordKind = "episode" if "episode" in raw else "rupture"
    if kind == "rupture" and "rupture" not in raw:
        raise RecordError(f"{where}: a record is an episode, a rupture or a repair")
    first, last = _turn(raw.get("first_id"), where), _turn(raw.get("last_id"), where)
    if last < first:
        raise RecordError(f"{where}: last_id comes before first_id")
    field = "therapist_response" if kind == "episode" else "kind"
    value = raw.get(field)
    allowed = (
        ("stepped_down", "pushed_on", "mixed", "not_applicable")
        if kind == "episode"
        else ("confrontation", "withdrawal")
    )
    if value not in allowed:
        raise RecordError(f"{where}: {field} must be one of {', '.join(allowed)}")
    repair_id = raw.get("repair_id")
    repair = None if repair_id is None else _turn(repair_id, f"{where}: repair_id")
    return SessionRecord(kind, first, last, speaker, str(value), repair, confidence)


def read_records(path: Path) -> tuple[SessionRecord, ...]:
    """Every record of one session file, in file order."""
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise RecordError(f"{path}:{n}: each line must be a JSON object")
        records.append(parse_record(raw, f"{path}:{n}"))
    return tuple(records)


def _shared(x: SessionRecord, y: SessionRecord) -> tuple[int, int]:
    return max(x.first, y.first), min(x.last, y.last)


def _partner(record: SessionRecord, others: Sequence[SessionRecord]) -> SessionRecord | None:
    if record.kind == "repair":
        return next((o for o in others if o.kind == "repair" and o.first == record.first), None)
    return next((o for o in others if record.overlaps(o)), None)


def unmatched(a: Sequence[SessionRecord], b: Sequence[SessionRecord]) -> list[SessionRecord]:
    """Records of either pass with no match in the other: what a third pass must decide."""
    return [r for r in a if _partner(r, b) is None] + [r for r in b if _partner(r, a) is None]


def _settle(x: SessionRecord, y: SessionRecord, z: SessionRecord | None) -> SessionRecord:
    """The record two matching passes agree on, by the codebook's 3.6."""
    first, last = _shared(x, y)
    confidence = min(x.confidence, y.confidence)
    if (x.value, x.repair) == (y.value, y.repair):
        return replace(x, first=first, last=last, confidence=confidence, rule="agreement")
    if z is not None and (z.value, z.repair) in ((x.value, x.repair), (y.value, y.repair)):
        return replace(
            x, first=first, last=last, value=z.value, repair=z.repair,
            confidence=confidence, rule="third_pass",
        )  # fmt: skip
    chosen = x if x.confidence >= y.confidence else y
    return replace(
        x, first=first, last=last, value=chosen.value, repair=chosen.repair,
        confidence=confidence, rule="confidence",
    )  # fmt: skip


def adjudicate(
    a: Sequence[SessionRecord], b: Sequence[SessionRecord], c: Sequence[SessionRecord] | None
) -> tuple[list[SessionRecord], int]:
    """(final records in transcript order, number dropped). Without a third pass, records in
    one pass only are dropped too; the caller runs the third pass first where any exist."""
    final: list[SessionRecord] = []
    dropped = 0
    for x in a:
        y = _partner(x, b)
        if y is not None:
            final.append(_settle(x, y, _partner(x, c) if c else None))
    for x in unmatched(a, b):
        z = _partner(x, c) if c else None
        if z is None:
            dropped += 1
            continue
        first, last = _shared(x, z)
        final.append(
            replace(
                x,
                first=first,
                last=last,
                confidence=min(x.confidence, z.confidence),
                rule="third_pass",
            )
        )
    final = _unique(final)
    return sorted(final, key=lambda r: (r.kind != "episode", r.first, r.kind)), dropped


def _unique(records: Iterable[SessionRecord]) -> list[SessionRecord]:
    """One record per stretch: a record the two passes each split in two can match twice."""
    kept: list[SessionRecord] = []
    for record in records:
        if not any(record.overlaps(k) for k in kept):
            kept.append(record)
    return kept


@dataclass(frozen=True)
class RecordAgreement:
    """Agreement of two passes on one kind of record."""

    kind: RecordKind
    in_a: int
    in_b: int
    matched: int
    """Records of pass a with a match in pass b."""
    value_agreed: int
    """Of the matched, how many share therapist_response / rupture kind."""

    @property
    def match_f1(self) -> float | None:
        """2 × matched / (records in a + records in b): 1.0 when every record has a partner."""
        total = self.in_a + self.in_b
        return 2 * self.matched / total if total else None


def record_agreement(
    pairs: Iterable[tuple[Sequence[SessionRecord], Sequence[SessionRecord]]], kind: RecordKind
) -> RecordAgreement:
    """Agreement over many sessions' (pass a, pass b) records of ``kind``."""
    in_a = in_b = matched = agreed = 0
    for a, b in pairs:
        xs = [r for r in a if r.kind == kind]
        ys = [r for r in b if r.kind == kind]
        in_a, in_b = in_a + len(xs), in_b + len(ys)
        for x in xs:
            y = _partner(x, ys)
            if y is not None:
                matched += 1
                agreed += x.value == y.value
    return RecordAgreement(kind, in_a, in_b, matched, agreed)


SESSIONS_DIR = Path("data/corpus/labels/written/sessions")
"""Where the passes and the adjudicated records live, relative to the repository root."""


def build_final(root: Path = SESSIONS_DIR) -> dict[str, int]:
    """Adjudicate every session both passes coded into ``root/final``; return rule counts.

    A session with a record in one pass only and no third pass yet is left out of ``final`` (its
    records cannot be decided), and counted under ``awaiting_third_pass``."""
    counts: dict[str, int] = {}
    for path_a in sorted((root / "pass-a").glob("*/*.jsonl")):
        rel = path_a.relative_to(root / "pass-a")
        path_b, path_c = root / "pass-b" / rel, root / "pass-c" / rel
        if not path_b.is_file():
            continue
        a, b = read_records(path_a), read_records(path_b)
        c = read_records(path_c) if path_c.is_file() else None
        if c is None and unmatched(a, b):
            counts["awaiting_third_pass"] = counts.get("awaiting_third_pass", 0) + 1
            continue
        final, dropped = adjudicate(a, b, c)
        counts["dropped"] = counts.get("dropped", 0) + dropped
        for record in final:
            counts[record.rule] = counts.get(record.rule, 0) + 1
        out = root / "final" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(_numbered(r, final)) + "\n" for r in final)
        out.write_text(lines, encoding="utf-8")
    return counts


def _numbered(record: SessionRecord, final: Sequence[SessionRecord]) -> dict[str, object]:
    body = record.as_json()
    if record.kind != "repair":
        same = [r for r in final if r.kind == record.kind]
        body[record.kind] = same.index(record) + 1
    return body


def final_records(
    author: str, session: str, root: Path = SESSIONS_DIR
) -> tuple[SessionRecord, ...] | None:
    """The adjudicated records of one written session; None when it was not (yet) adjudicated,
    which is not the same as a session with no record (an empty file)."""
    path = root / "final" / author / f"{session}.jsonl"
    return read_records(path) if path.is_file() else None


if __name__ == "__main__":
    print(build_final())

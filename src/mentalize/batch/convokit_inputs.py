"""ConvoKit corpus folders as ``mentalize batch`` input, read from ConvoKit's documented on-disk
format without importing ConvoKit.

A corpus folder holds ``utterances.jsonl`` (one JSON object per utterance: ``id``, ``speaker``,
``conversation_id``, ``reply-to``, ``timestamp``, ``text``, ``meta``; older dumps say ``user`` and
``root``) beside ``conversations.json``, ``speakers.json``, ``corpus.json`` and ``index.json``.
Each conversation becomes one transcript, and so one row of the ``sessions`` table, named
``<folder>#<conversation id>``.

Why not ``convokit.Corpus``: ConvoKit 5 requires spaCy, sentence-transformers (PyTorch),
datasets, pymongo and a pinned h5py, several GB for what is a folder of JSON files here (see
docs/batch.md). The reader below follows ConvoKit's own loader (``corpus_helpers.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentalize.batch.inputs import Unit, _key
from mentalize.errors import InputError
from mentalize.transcript import ROLES, Role, Transcript, Turn
from mentalize.transcript.roles import assign_roles

__all__ = [
    "UtteranceRecord",
    "build_transcript",
    "chronological",
    "expand",
    "is_corpus_dir",
    "parse_role",
    "read_conversations",
    "timestamp_value",
]

UTTERANCES = "utterances.jsonl"
#: Any of these beside utterances.jsonl marks a folder as a ConvoKit corpus, not a transcript
#: folder that happens to hold a JSONL file of that name.
COMPANIONS = ("conversations.json", "speakers.json", "users.json", "corpus.json", "index.json")


def is_corpus_dir(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a folder laid out as a ConvoKit corpus."""
    folder = Path(path)
    return (folder / UTTERANCES).is_file() and any((folder / n).is_file() for n in COMPANIONS)


@dataclass(frozen=True, slots=True)
class UtteranceRecord:
    """What ordering and role assignment need of one utterance, whether read from disk or from a
    ``convokit.Utterance`` (:mod:`mentalize.integrations.convokit`)."""

    line: int
    id: str
    speaker: str
    text: str
    reply_to: str | None
    timestamp: float | None
    role: Role | None


def _field(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in record:
            return record[name]
    return None


def _load_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(str(path), "not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a JSON object keyed by id")
    return data


def _meta(entry: Any) -> dict[str, Any]:
    """A speakers.json/conversations.json entry is its meta, or ``{"meta": ..., "vectors": ...}``
    in newer dumps (ConvoKit reads both)."""
    if isinstance(entry, dict) and isinstance(entry.get("meta"), dict):
        return entry["meta"]
    return entry if isinstance(entry, dict) else {}


def parse_role(value: Any, where: str, line: int | None, field: str) -> Role | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in ROLES:
        raise InputError(
            where,
            f"meta field {field!r} is {text[:20]!r}; expected one of {', '.join(ROLES)}",
            line,
        )
    return text


def timestamp_value(value: Any) -> float | None:
    """A ConvoKit timestamp as seconds, or ``None`` when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _utterances(folder: Path, role_field: str | None) -> dict[str, list[UtteranceRecord]]:
    """Utterances grouped by conversation, each group in file order."""
    speakers = {k: _meta(v) for k, v in _load_json(folder / "speakers.json").items()} or {
        k: _meta(v) for k, v in _load_json(folder / "users.json").items()
    }
    path = folder / UTTERANCES
    where = str(path)
    groups: dict[str, list[UtteranceRecord]] = {}
    with open(path, encoding="utf-8", errors="strict") as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError:
                    raise InputError(where, "not valid JSON", number) from None
                if not isinstance(record, dict):
                    raise InputError(where, "expected a JSON object", number)
                speaker = _field(record, ("speaker", "user"))
                convo = _field(record, ("conversation_id", "root"))
                text = record.get("text")
                if speaker is None or convo is None or not isinstance(text, str):
                    raise InputError(
                        where,
                        "an utterance needs 'speaker', 'conversation_id' and a string 'text'",
                        number,
                    )
                # ConvoKit keeps empty utterances. They are kept here too, so that a reply chain
                # through one still orders the conversation, and dropped from the transcript.
                raw_meta = record.get("meta")
                meta = raw_meta if isinstance(raw_meta, dict) else {}
                role = None
                if role_field is not None and text.strip():
                    value = meta.get(role_field, speakers.get(str(speaker), {}).get(role_field))
                    role = parse_role(value, where, number, role_field)
                reply = _field(record, ("reply-to", "reply_to"))
                groups.setdefault(str(convo), []).append(
                    UtteranceRecord(
                        line=number,
                        id=str(record.get("id", number)),
                        speaker=str(speaker),
                        text=text,
                        reply_to=None if reply is None else str(reply),
                        timestamp=timestamp_value(record.get("timestamp")),
                        role=role,
                    )
                )
        except UnicodeDecodeError:
            raise InputError(where, "not UTF-8 text") from None
    return groups


def chronological(items: list[UtteranceRecord]) -> list[UtteranceRecord]:
    """Chronological order: by timestamp when every utterance has one (ties keep file order);
    else along the reply chain (depth-first, replies in file order) when it is complete; else
    file order. Matches ``Conversation.get_chronological_utterance_list`` where that works."""
    if all(u.timestamp is not None for u in items):
        return sorted(items, key=lambda u: u.timestamp or 0.0)
    ids = {u.id for u in items}
    if len(ids) == len(items) and all(u.reply_to is None or u.reply_to in ids for u in items):
        children: dict[str | None, list[UtteranceRecord]] = {}
        for u in items:
            children.setdefault(u.reply_to, []).append(u)
        out: list[UtteranceRecord] = []
        stack = list(reversed(children.get(None, [])))
        while stack:
            u = stack.pop()
            out.append(u)
            stack.extend(reversed(children.get(u.id, [])))
        if len(out) == len(items):  # no cycles
            return out
    return items


def read_conversations(
    path: str | os.PathLike[str],
    role_field: str | None = None,
    therapists: Sequence[str] = (),
) -> Iterator[Transcript]:
    """One transcript per conversation, in order of first appearance in ``utterances.jsonl``.

    Roles come from ``role_field`` (a field of the utterance's ``meta``, else of the speaker's
    meta in ``speakers.json``, valued therapist/patient/other) when given, else from the speaker
    ids as for any transcript (``therapists`` names them). Raises :class:`InputError` naming the
    file and line for a malformed corpus, before any conversation is yielded.
    """
    folder = Path(path)
    if not is_corpus_dir(folder):
        raise InputError(
            str(folder),
            f"not a ConvoKit corpus folder (needs {UTTERANCES} and one of {', '.join(COMPANIONS)})",
        )
    groups = _utterances(folder, role_field)
    for convo, items in groups.items():
        if not any(u.text.strip() for u in items):
            continue  # nothing to read in the whole conversation
        yield build_transcript(
            chronological(items),
            f"{folder}#{convo}",
            role_field,
            therapists,
            str(folder / UTTERANCES),
        )


def build_transcript(
    ordered: Sequence[UtteranceRecord],
    source: str,
    role_field: str | None,
    therapists: Sequence[str],
    where: str,
) -> Transcript:
    """One conversation's transcript with roles: from each utterance's ``role`` when
    ``role_field`` is given (a speaker without one is an :class:`InputError` at ``where``), else
    from the speaker ids as for any transcript. Utterances with empty text are left out."""
    ordered = [u for u in ordered if u.text.strip()]
    turns = tuple(
        Turn(speaker=u.speaker, text=u.text, line=u.line, start=u.timestamp) for u in ordered
    )
    transcript = Transcript(source=source, turns=turns, format="convokit")
    if role_field is None:
        return assign_roles(transcript, therapists)
    roles: dict[str, Role] = {}
    for u in ordered:
        if u.role is None:
            raise InputError(
                where, f"speaker {u.speaker[:40]!r} has no meta field {role_field!r}", u.line
            )
        roles.setdefault(u.speaker, u.role)
    return transcript.with_roles(roles)


def _sha256(transcript: Transcript) -> str:
    payload = [
        [[t.speaker, t.text, t.start] for t in transcript.turns],
        sorted(transcript.roles.items()),
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def expand(
    path: str | os.PathLike[str],
    role_field: str | None = None,
    therapists: Sequence[str] = (),
) -> Iterator[Unit]:
    """A batch :class:`Unit` per conversation, carrying its transcript (roles assigned); the hash
    covers turns and roles, so an edited conversation is re-run and the others skipped."""
    base = str(Path(path).resolve())
    for transcript in read_conversations(path, role_field, therapists):
        convo = transcript.source.rsplit("#", 1)[1]
        yield Unit(
            key=_key("convokit", base, convo),
            source=transcript.source,
            sha256=_sha256(transcript),
            transcript=transcript,
        )

"""Decide who is the therapist, who the patient(s), and which labels are not people at all.

Readers keep speaker labels as written; this module maps every label to a :data:`Role`. The
order of evidence is: what the user says (``therapists``), then conventional labels ("T",
"Therapist 2", "Client A"), then behaviour (therapists ask the most questions). A lone speaker
with no conventional label is the patient (a piece of writing); a lone "T"/"Therapist" stays
the therapist. Every speaker
keeps their own label, so group sessions (several patients) and co-therapy (two therapists) work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mentalize.errors import InputError
from mentalize.transcript import Role, Transcript

THERAPIST_LABELS = frozenset(
    {"t", "th", "therapist", "counsellor", "counselor", "clinician", "dr", "doctor"}
    | {"interviewer", "facilitator", "cotherapist", "co therapist", "psychotherapist"}
    | {"psychologist", "psychiatrist"}
)
PATIENT_LABELS = frozenset(
    {"p", "pt", "c", "client", "patient", "participant", "interviewee", "respondent"}
)
OTHER_LABELS = frozenset({"note", "narrator", "interpreter", "translator", "system", "unknown"})

# Words that may be followed by a short id ("Therapist 1", "Client A", "Patient 2b").
_THERAPIST_STEMS = frozenset(
    {"therapist", "counsellor", "counselor", "clinician", "interviewer", "facilitator"}
    | {"cotherapist", "co therapist", "psychotherapist"}
)
_PATIENT_STEMS = frozenset({"patient", "client", "participant", "interviewee", "respondent"})
# Doctors are named ("Dr. Shah"), so any name may follow these.
_TITLE_STEMS = frozenset({"dr", "doctor"})
_SHORT_ID = re.compile(r"[a-z0-9]{1,3}")
_NUMBERED = re.compile(r"(?P<stem>t|th|p|pt|c)(?P<id>\d{1,2})")

#: Fewest turns a speaker needs before their question rate is trusted over a quieter speaker's.
MIN_TURNS_FOR_QUESTIONS = 3


def assign_roles(transcript: Transcript, therapists: Sequence[str] = ()) -> Transcript:
    """Return a copy of ``transcript`` with a role for every speaker.

    ``therapists`` (labels, case-insensitive) overrides inference: those speakers are therapists
    and all others patients, except explicit non-person labels (NOTE, NARRATOR, UNKNOWN, ...)
    which stay ``other``. Raises :class:`InputError` if a given name matches no speaker.
    """
    if isinstance(therapists, str):  # a lone label, not its characters
        therapists = (therapists,)
    speakers = transcript.speakers
    if therapists:
        return transcript.with_roles(_forced_roles(transcript, therapists))
    roles: dict[str, Role | None] = {speaker: role_from_label(speaker) for speaker in speakers}
    people = [speaker for speaker in speakers if roles[speaker] != "other"] or list(speakers)
    if len(people) == 1 and roles[people[0]] != "therapist":
        # A single unnamed voice is a piece of writing by the patient; but a label that says
        # therapist ("T", "Therapist") is the user's word, as for any other file: a
        # therapist-only excerpt stays therapist turns, not a patient's monologue.
        roles[people[0]] = "patient"
    unresolved = [speaker for speaker in speakers if roles[speaker] is None]
    if unresolved and "therapist" not in roles.values():
        asker = _most_questioning(transcript, unresolved)
        if asker is not None:
            roles[asker] = "therapist"
    return transcript.with_roles(
        {speaker: role or "patient" for speaker, role in roles.items()}  # group members
    )


def role_from_label(label: str) -> Role | None:
    """The role a conventional speaker label implies, or ``None`` when it is just a name.

    >>> role_from_label("Therapist 2"), role_from_label("client a"), role_from_label("Maria")
    ('therapist', 'patient', None)
    """
    key = _normalise(label)
    if key in THERAPIST_LABELS:
        return "therapist"
    if key in PATIENT_LABELS:
        return "patient"
    if key in OTHER_LABELS:
        return "other"
    numbered = _NUMBERED.fullmatch(key)
    if numbered is not None:
        return "patient" if numbered["stem"] in {"p", "pt", "c"} else "therapist"
    return _role_from_stem(key)


def _role_from_stem(key: str) -> Role | None:
    """Labels of the form ``<role word> <short id>`` ("Therapist B") or ``Dr <name>``."""
    stem, _, rest = key.rpartition(" ")
    if stem and _SHORT_ID.fullmatch(rest):
        if stem in _THERAPIST_STEMS:
            return "therapist"
        if stem in _PATIENT_STEMS:
            return "patient"
    first, _, rest = key.partition(" ")
    if first in _TITLE_STEMS and rest:
        return "therapist"
    return None


def _normalise(label: str) -> str:
    """Case-fold and treat ``._-`` as spaces, so "Dr. Shah", "dr_shah" and "DR SHAH" agree."""
    return " ".join(re.sub(r"[._\-]+", " ", label.casefold()).split())


def _forced_roles(transcript: Transcript, therapists: Sequence[str]) -> dict[str, Role]:
    """Roles when the user names the therapist(s); an unknown name is an error, not a guess."""
    by_key: dict[str, list[str]] = {}
    for speaker in transcript.speakers:
        by_key.setdefault(" ".join(speaker.casefold().split()), []).append(speaker)
    chosen: set[str] = set()
    for name in therapists:
        matches = by_key.get(" ".join(str(name).casefold().split()))
        if not matches:
            raise InputError(transcript.source, _no_such_speaker(name, transcript.speakers))
        chosen.update(matches)
    roles: dict[str, Role] = {}
    for speaker in transcript.speakers:
        if speaker in chosen:
            roles[speaker] = "therapist"
        elif role_from_label(speaker) == "other":
            roles[speaker] = "other"
        else:
            roles[speaker] = "patient"
    return roles


def _no_such_speaker(name: str, speakers: Sequence[str], shown: int = 20) -> str:
    listed = ", ".join(repr(speaker) for speaker in speakers[:shown])
    if len(speakers) > shown:
        listed += f" and {len(speakers) - shown} more"
    return f"therapist {str(name).strip()[:40]!r} matches no speaker; speakers found: {listed}"


def _most_questioning(transcript: Transcript, candidates: Sequence[str]) -> str | None:
    """The candidate who asks questions in the largest share of their turns.

    Therapists in MBT sessions inquire ("what did you feel then?"), so question rate is a robust
    signal. Speakers with fewer than :data:`MIN_TURNS_FOR_QUESTIONS` turns only compete when no
    one has that many, so a single "Really?" does not make a silent group member the therapist.
    Returns ``None`` when nobody asks anything: then there is no evidence for a therapist.
    """
    turns = {speaker: 0 for speaker in candidates}
    questions = dict(turns)
    for turn in transcript.turns:
        if turn.speaker in turns:
            turns[turn.speaker] += 1
            questions[turn.speaker] += "?" in turn.text
    eligible = [s for s in candidates if turns[s] >= MIN_TURNS_FOR_QUESTIONS] or list(candidates)
    order = {speaker: i for i, speaker in enumerate(candidates)}
    best = max(
        eligible,
        key=lambda s: (questions[s] / turns[s] if turns[s] else 0.0, questions[s], -order[s]),
    )
    return best if questions[best] else None

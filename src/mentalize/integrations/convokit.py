"""mentalize as a ConvoKit ``Transformer``: per-turn readings into each utterance's ``meta``,
session readings into each conversation's.

ConvoKit users compose analyses as transformers over a ``Corpus``; this one lets mentalize sit in
such a pipeline::

    from convokit import Corpus
    from mentalize.integrations.convokit import MentalizeTransformer

    corpus = Corpus(filename="my-therapy-corpus")
    MentalizeTransformer(role_field="role").transform(corpus)
    corpus.get_utterances_dataframe()["meta.mentalize_mentalizing"]

The values are exactly the ``turns`` and ``sessions`` table columns of ``mentalize batch``
(:mod:`mentalize.outputs.tables`, docs/batch.md), under ``prefix`` + column name, so a corpus
annotated here and the same corpus read by ``mentalize batch`` agree value for value (tested).
Conversations are read as ``mentalize batch`` reads a corpus folder: utterances in chronological
order (:func:`~mentalize.batch.convokit_inputs.chronological`, empty utterances included so a
reply chain through one still holds), then empty ones left out (they get no fields), roles from
``role_field`` or from the speaker ids.

Importing this module imports ConvoKit (``pip install 'mentalize[convokit]'``), which is heavy
(PyTorch through sentence-transformers); nothing else in mentalize imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from convokit import Conversation, Corpus, Transformer, Utterance

from mentalize.analysis.session import analyze_transcript
from mentalize.batch.convokit_inputs import (
    UtteranceRecord,
    build_transcript,
    chronological,
    parse_role,
    timestamp_value,
)
from mentalize.outputs.tables import (
    SESSION_COLUMN_NAMES,
    TURN_COLUMN_NAMES,
    session_row,
    turn_row,
)

__all__ = ["CONVERSATION_FIELDS", "UTTERANCE_FIELDS", "MentalizeTransformer"]

#: ``turns`` columns written to each utterance's meta: every reading. Left out are the columns
#: ConvoKit already holds (the utterance's text, speaker, timestamp, conversation) and the
#: table's own bookkeeping (``source``, ``text_id``, ``turn``).
UTTERANCE_FIELDS: tuple[str, ...] = tuple(
    c
    for c in TURN_COLUMN_NAMES
    if c not in {"source", "text_id", "turn", "speaker", "text", "start"}
)
#: ``sessions`` columns written to each conversation's meta (not ``source``/``sha256``/``format``,
#: which describe a file).
CONVERSATION_FIELDS: tuple[str, ...] = tuple(
    c for c in SESSION_COLUMN_NAMES if c not in {"source", "sha256", "format"}
)


class MentalizeTransformer(Transformer):
    """Annotate a ConvoKit corpus with mentalize's readings.

    Parameters
    ----------
    model:
        ``"auto"`` (learned layer when installed), ``"markers"`` or ``"learned"``, as
        :func:`mentalize.analyze`.
    role_field:
        A ``meta`` field of the utterance (else of its speaker) valued ``therapist``,
        ``patient`` or ``other``. Without it, roles are read from speaker ids as for any
        transcript (conventional labels, then who asks the most questions).
    therapists:
        Speaker ids to read as therapists when ``role_field`` is not given.
    prefix:
        Prepended to every meta key, so mentalize's fields never clash with the corpus's own.
    selector:
        Which conversations to annotate (default: all), as in ConvoKit's own transformers.
    """

    def __init__(
        self,
        model: str = "auto",
        role_field: str | None = None,
        therapists: Sequence[str] = (),
        prefix: str = "mentalize_",
        selector: Callable[[Conversation], bool] = lambda convo: True,
    ) -> None:
        self.model = model
        self.role_field = role_field
        self.therapists = tuple(therapists)
        self.prefix = prefix
        self.selector = selector

    def transform(self, corpus: Corpus, **kwargs: Any) -> Corpus:
        """Annotate every selected conversation in place; returns the corpus (ConvoKit's
        convention). A conversation with no utterance text is left untouched. Raises
        :class:`mentalize.errors.InputError` when ``role_field`` is missing or invalid for a
        speaker, before that conversation is changed."""
        for convo in corpus.iter_conversations():
            if not self.selector(convo):
                continue
            self._annotate(convo)
        return corpus

    def _annotate(self, convo: Conversation) -> None:
        by_id: dict[str, Utterance] = {}
        records: list[UtteranceRecord] = []
        where = f"conversation {convo.id}"
        for number, utt in enumerate(convo.iter_utterances(), start=1):
            text = utt.text if isinstance(utt.text, str) else ""
            role = None
            if self.role_field is not None and text.strip():
                value = utt.meta.get(self.role_field)
                if value is None and utt.speaker is not None:
                    value = utt.speaker.meta.get(self.role_field)
                role = parse_role(value, where, number, self.role_field)
            by_id[str(utt.id)] = utt
            records.append(
                UtteranceRecord(
                    line=number,
                    id=str(utt.id),
                    speaker=str(utt.speaker.id),
                    text=text,
                    reply_to=None if utt.reply_to is None else str(utt.reply_to),
                    timestamp=timestamp_value(utt.timestamp),
                    role=role,
                )
            )
        if not any(r.text.strip() for r in records):
            return
        # Ordered with the empty utterances, so a reply chain through one stays complete.
        ordered = [r for r in chronological(records) if r.text.strip()]
        transcript = build_transcript(
            ordered, str(convo.id), self.role_field, self.therapists, where
        )
        analysis = analyze_transcript(transcript, model=self.model)  # type: ignore[arg-type]
        for record, turn in zip(ordered, analysis.turns, strict=True):
            row = turn_row(turn, transcript.source)
            meta = by_id[record.id].meta
            for name in UTTERANCE_FIELDS:
                meta[self.prefix + name] = row[name]
        session = session_row(analysis, transcript.source)
        for name in CONVERSATION_FIELDS:
            convo.meta[self.prefix + name] = session[name]

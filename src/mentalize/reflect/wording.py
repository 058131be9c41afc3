"""Every word Reflect says to a person, in one place, so it can be read and tested as a whole.

The stance is MBT's not-knowing one (Bateman & Fonagy): curious, tentative, about mental states,
never a verdict. So the rules, checked by ``tests/reflect/test_wording.py``:

- a **prompt** (what the person is asked or invited to do) is a question, or an invitation that
  opens with one of :data:`INVITATION_OPENERS`;
- nothing here says what the person or anyone else "really" feels, thinks or intends, labels
  the person ("you are ..."), or names a diagnosis or a clinical term;
- an **observation** talks about the words on the page ("these words ..."), not about the
  person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SignKind = Literal[
    "certainty_about_minds",
    "all_or_nothing",
    "high_arousal",
    "feelings_as_facts",
    "proof_by_action",
    "mind_on_other",
    "mind_on_self",
    "reader_motives",
    "heat",
]

#: How an invitation may open (the other prompts end with a question mark).
INVITATION_OPENERS: tuple[str, ...] = (
    "Try ",
    "Take ",
    "Notice ",
    "You might ",
    "You could ",
    "If you like,",
    "If it helps,",
)


@dataclass(frozen=True, slots=True)
class SignWording:
    """What Reflect says about one sign: a short title, an observation about the words quoted
    under it, and the prompts it offers."""

    title: str
    observation: str
    prompts: tuple[str, ...]


SIGNS: dict[SignKind, SignWording] = {
    "certainty_about_minds": SignWording(
        title="Sure about what was in someone else's mind",
        observation="These words sound certain about what another person thought, felt or meant:",
        prompts=(
            "What else might have been going on for them at that moment?",
            "If you imagine two or three other reasons they could have had, what comes to mind?",
            "What would you need to know to be more sure?",
        ),
    ),
    "all_or_nothing": SignWording(
        title="All-or-nothing words",
        observation="Words like these leave little room for anything in between:",
        prompts=(
            "Was it every time, or were there times when it went differently?",
            "Is there a word for somewhere in between that fits part of it?",
        ),
    ),
    "high_arousal": SignWording(
        title="A lot of feeling, maybe in the body too",
        observation="These words carry a lot of feeling:",
        prompts=(
            "What are you noticing in your body right now?",
            "What were you feeling just before this happened?",
        ),
    ),
    "feelings_as_facts": SignWording(
        title="A feeling written as a fact",
        observation="Here a feeling is put as if it were a fact:",
        prompts=(
            "Has there been a time you felt differently about this?",
            "What would a friend who knows you well say about it?",
        ),
    ),
    "proof_by_action": SignWording(
        title="Only actions as proof",
        observation="Here what someone did or did not do stands as proof of what they feel:",
        prompts=(
            "Apart from what they did or did not do, what else might show how they feel?",
            "What else might have kept them from doing it?",
        ),
    ),
    "mind_on_other": SignWording(
        title="Attention mostly on the other person",
        observation="Most of what is written is about the other person:",
        prompts=(
            "What were you feeling just before it happened?",
            "What was going on in you while it was happening?",
        ),
    ),
    "mind_on_self": SignWording(
        title="Attention mostly on your own side",
        observation="Most of what is written is about your own side of it:",
        prompts=(
            "What do you imagine it was like for them?",
            "What might they have been thinking or feeling just then?",
        ),
    ),
    "reader_motives": SignWording(
        title="Sure about what the reader meant",
        observation="These words tell the reader what they meant, wanted or are like:",
        prompts=(
            "How might they read this?",
            "What else might have been going on for them?",
            "Is there something you could ask them, rather than tell them?",
        ),
    ),
    "heat": SignWording(
        title="Heat in the words",
        observation="These words carry heat:",
        prompts=(
            "How do you imagine they will feel when they read it?",
            "Would you send the same words tomorrow morning?",
            "You might wait a while before sending, and read it again then.",
        ),
    ),
}

#: Asked after every journal entry that has no risk language, whatever signs were seen.
JOURNAL_PROMPTS: tuple[str, ...] = (
    "What else might have been going on for the other person?",
    "What were you feeling just before it happened?",
    "What would you say to a friend who was in the same place?",
)

#: Asked after every message check that has no risk language.
MESSAGE_PROMPTS: tuple[str, ...] = (
    "How might they read this?",
    "What do you hope will happen after they read it?",
)

#: Headings shared by the terminal and the page.
QUESTIONS_HEADING = "Some questions to stay with"
RISK_WORDS_LEAD = "The words that prompted this:"

#: Said when the words already hold curiosity about minds (hedges, not-knowing, perspective).
STRENGTH_TITLE = "Wondering is already here"
STRENGTH_OBSERVATION = "These words already leave room for not knowing:"
STRENGTH_PROMPTS: tuple[str, ...] = ("What else comes up when you stay with that wondering?",)

#: Offered when arousal is high, before any other prompt.
GROUNDING_TITLE = "Slowing down first"
GROUNDING: tuple[str, ...] = (
    "Take a few slow breaths, letting each breath out be a little longer than the one in.",
    "Notice your feet on the floor, and five things you can see around you.",
    "You might come back to this later, when things feel calmer, before deciding anything.",
)

NO_SIGNS_JOURNAL = (
    "Nothing in these words stood out as a sign of losing the thread of minds. "
    "The questions below are there if you want them."
)
NO_SIGNS_MESSAGE = (
    "Nothing in this draft stood out. The questions below are there if you want them."
)

#: Shown with every reflection and with the picture over time.
CAUTION = (
    "Reflect reads words, not people. What it points to is for your own reflection; it is not "
    "a judgement about you or anyone else, and not a diagnosis."
)

#: Shown first, and instead of any reading, when an entry holds risk language.
RISK_TITLE = "Help is available now"
RISK_MESSAGE = (
    "Some of what you wrote sounds like you may be thinking about harming yourself or someone "
    "else. People are ready to listen right now, in many countries and languages."
)
RISK_STOPPED = (
    "Reflect has stopped here and will not read this entry further. Your words are kept only "
    "if you choose to save them."
)

# ------------------------------------------------------------------------------ the local page
# Sentences of ``mentalize reflect``'s page (src/mentalize/reflect/web); its headings and button
# labels stay in the templates.

#: Shown to any request without the launch's access key (another program, another browser).
PAGE_GATE = (
    "This page opens only from the link printed in the terminal where Reflect was started. "
    "Open that link, or start Reflect again for a new one."
)
#: Said when the journal is created, before the passphrase is chosen.
PAGE_CREATE = (
    "Entries are encrypted with this passphrase and stay on this machine: no account, nothing "
    "sent anywhere. There is no way to recover them if the passphrase is forgotten."
)
PAGE_UNLOCK = "The journal is locked. Enter the passphrase to open it."
PAGE_WRONG_PASSPHRASE = "That passphrase does not open this journal. Check it and try again."
PAGE_PASSPHRASES_DIFFER = "The two passphrases differ. Nothing was created; try again."
PAGE_LOCKED = "The journal is locked. It also locks itself after 15 minutes without activity."
PAGE_IDLE_LOCKED = "The journal locked itself after 15 minutes without activity."
PAGE_WRITE = (
    "Write about a situation, in your own words. Reflect reads it on this machine, and "
    "nothing is saved unless you choose to save it."
)
PAGE_SITUATION_HELP = (
    "Optional: a word or two, like work or partner, to see later which situations bring what."
)
PAGE_MESSAGE = (
    "Paste a draft before sending it. Reflect points to what the reader may meet in it and asks "
    "how they might take it. It does not rewrite the draft, and the draft is not saved."
)
PAGE_SAVE_LOCKED = (
    "The journal locked itself while this page was open. Enter the passphrase to save the entry."
)
PAGE_SAVED = "Saved to the journal, encrypted."
PAGE_NOT_SAVED = "Not saved. The words were not kept."
PAGE_EMPTY_TEXT = "There is nothing to read yet: the text is empty."
PAGE_TOO_LONG = "That text is longer than Reflect reads at once (100,000 characters)."
PAGE_NO_ENTRIES = "No entries saved yet."
PAGE_OPENED = "Read again now, as Reflect reads it today."
PAGE_DELETE_ONE = "This deletes the entry for good. There is no undo."
PAGE_DELETED_ONE = "The entry was deleted."
PAGE_DELETE_ALL = (
    "This deletes every entry and the journal's key, for good. There is no undo. "
    "Type delete in the box to go on."
)
PAGE_DELETE_ALL_TYPED = "Nothing was deleted: type delete in the box to go on."
PAGE_DELETED_ALL = "Every entry and the journal's key were deleted."
PAGE_EXPORT = (
    "The export is one JSON file holding every entry, NOT encrypted: keep it somewhere private."
)
PAGE_HISTORY_RISK = (
    "Entries Reflect did not read because they held words about harm (it showed where help is "
    "instead):"
)
PAGE_HISTORY_EMPTY = "Nothing to show yet: the picture fills in as entries are saved."
PAGE_EXPIRED = (
    "This form has expired (Reflect may have been restarted). Open the journal again from the "
    "link in the terminal."
)
PAGE_NOT_FOUND = "There is nothing at this address."
PAGE_FAILED = "Something went wrong on this page. Nothing was saved by this step."

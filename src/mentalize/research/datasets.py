"""Where the public datasets live, what each one may be used for, and one loader per dataset.

The datasets are never copied into the repository: code reads them from ``../shared/datasets``
(relative to the current folder), from ``$MENTALIZE_DATASETS``, or from a path the caller gives.
A missing folder or file raises :class:`DatasetMissing` (an evaluation is then skipped); a file
that is there but cannot be read as the dataset's format raises :class:`DatasetError`, naming
the file and, where it helps, the line. Neither message quotes the data.

Licence classes (see the datasets' README): ``train-ok`` sets may train or tune what ships in
the package; ``eval-only`` sets are pure test sets, read by evaluations and tests only.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mentalize import environment
from mentalize.errors import InputError, MentalizeError

ENV_VAR = "MENTALIZE_DATASETS"
DEFAULT_ROOT = Path("..") / "shared" / "datasets"

Use = Literal["train-ok", "eval-only"]


class DatasetMissing(MentalizeError):
    """A dataset folder or file is not there; the evaluation that needs it is skipped."""

    def __init__(self, dataset: str, path: Path) -> None:
        self.dataset = dataset
        self.path = path
        super().__init__(f"{path} not found")

    @property
    def skip_line(self) -> str:
        return f"skipped {self.dataset}: {self.path} not found"


class DatasetError(InputError):
    """A dataset file that is there but is not in the expected format."""


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    key: str
    title: str
    folder: str
    use: Use
    licence: str
    in_domain: bool
    """True only for psychotherapy-session talk; peer-support forums and chats are not."""
    citation: str


DATASETS: dict[str, DatasetInfo] = {
    info.key: info
    for info in (
        DatasetInfo(
            "annomi",
            "AnnoMI",
            "annomi",
            "train-ok",
            "public-domain statement in the README history; cite the paper",
            True,
            "Wu et al. 2022, AnnoMI (ICASSP 2022)",
        ),
        DatasetInfo(
            "mbt_corpus",
            "mentalize MBT corpus (AnnoMI + 150 written sessions, dev split)",
            "annomi",
            "train-ok",
            "the project's own labels (docs/datasheet.md) on AnnoMI and its written sessions",
            True,
            "docs/codebook.md and docs/datasheet.md (machine annotation, two passes)",
        ),
        DatasetInfo(
            "emobank",
            "EmoBank",
            "emobank",
            "train-ok",
            "CC BY-SA 4.0",
            False,
            "Buechel & Hahn 2017, EmoBank (EACL 2017)",
        ),
        DatasetInfo(
            "certainty",
            "Certainty in science communication",
            "certainty",
            "train-ok",
            "MIT",
            False,
            "Pei & Jurgens 2021 (EMNLP 2021)",
        ),
        DatasetInfo(
            "epitome",
            "EPITOME (Reddit)",
            "epitome",
            "eval-only",
            "Althoff lab academic / attribution licences, read as non-commercial research",
            False,
            "Sharma et al. 2020, A computational approach to understanding empathy expressed "
            "in text-based mental health support (EMNLP 2020)",
        ),
        DatasetInfo(
            "esconv",
            "ESConv (dev split)",
            "esconv",
            "eval-only",
            "CC BY-NC 4.0, academic research use only",
            False,
            "Liu et al. 2021, Towards Emotional Support Dialog Systems (ACL 2021)",
        ),
        DatasetInfo(
            "mi_gold",
            "MI Gold (test split)",
            "mi_gold",
            "eval-only",
            "CC BY-NC-SA 3.0",
            False,
            "Welivita & Pu 2023, Boosting Distress Support Dialogue Responses with "
            "Motivational Interviewing Strategy (Findings of ACL 2023)",
        ),
        DatasetInfo(
            "cssrs_reddit",
            "Reddit C-SSRS",
            "cssrs_reddit",
            "eval-only",
            "CC BY per the Zenodo record; a third-party copy",
            False,
            "Gaur et al. 2019, Knowledge-aware assessment of severity of suicide risk for "
            "early intervention (WWW 2019)",
        ),
    )
}


def dataset_root(path: str | os.PathLike[str] | None = None) -> Path:
    """The datasets folder: ``path`` if given, else ``$MENTALIZE_DATASETS``, else
    ``../shared/datasets`` relative to the current folder. The folder need not exist."""
    if path is not None and str(path):
        return Path(path)
    env = environment.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_ROOT


def _root(root: str | os.PathLike[str] | None) -> Path:
    return dataset_root(root)


def _file(root: str | os.PathLike[str] | None, dataset: str, name: str) -> Path:
    """The path of one dataset file, raising :class:`DatasetMissing` for the folder or file."""
    folder = _root(root) / DATASETS[dataset].folder
    if not folder.is_dir():
        raise DatasetMissing(dataset, folder)
    path = folder / name
    if not path.is_file():
        raise DatasetMissing(dataset, path)
    return path


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError(str(path), "not UTF-8 text") from None
    except OSError as exc:
        raise DatasetError(str(path), f"cannot read: {exc.strerror or exc}") from None


def _lines(path: Path) -> list[str]:
    """The lines of a text file, split on line feeds only (texts may hold other breaks)."""
    return [line.removesuffix("\r") for line in _read_text(path).split("\n")]


def _csv_rows(
    path: Path, required: tuple[str, ...], delimiter: str = ","
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each record of a CSV file with a header naming ``required``."""
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise DatasetError(str(path), f"missing column(s): {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if None in row or any(row.get(c) is None for c in required):
                raise DatasetError(str(path), "wrong number of fields", line)
            yield line, row
    except csv.Error as exc:
        raise DatasetError(str(path), f"not valid CSV ({exc})", reader.line_num) from None


def _int(path: Path, line: int, column: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DatasetError(str(path), f"column {column!r} is not a whole number", line) from None


def _float(path: Path, line: int, column: str, value: object) -> float:
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatasetError(str(path), f"field {column!r} is not a number", line) from None
    if result != result:  # NaN
        raise DatasetError(str(path), f"field {column!r} is not a number", line)
    return result


def _na(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "n/a", "nan", "NaN") else value


# --- train-ok sets ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnoMIUtterance:
    transcript_id: int
    utterance_id: int
    interlocutor: str
    """``"therapist"`` or ``"client"``."""
    text: str
    main_therapist_behaviour: str | None
    """``question`` / ``reflection`` / ``therapist_input`` / ``other``; ``None`` for the client."""
    question_subtype: str | None
    """``open`` / ``closed`` when the utterance holds a question, else ``None``."""
    reflection_subtype: str | None
    """``simple`` / ``complex`` when it holds a reflection, else ``None``."""
    therapist_input_subtype: str | None
    """``information`` / ``advice`` / ``negotiation`` / ``options`` when present, else ``None``."""


def load_annomi(root: str | os.PathLike[str] | None = None) -> list[AnnoMIUtterance]:
    """AnnoMI (Wu et al. 2022), file order: one row per utterance. ``train-ok``."""
    path = _file(root, "annomi", "annomi_full.csv")
    columns = (
        "transcript_id",
        "utterance_id",
        "interlocutor",
        "utterance_text",
        "main_therapist_behaviour",
        "question_subtype",
        "reflection_subtype",
        "therapist_input_subtype",
    )
    rows = []
    for line, row in _csv_rows(path, columns):
        interlocutor = row["interlocutor"].strip()
        if interlocutor not in ("therapist", "client"):
            raise DatasetError(str(path), "interlocutor is neither therapist nor client", line)
        rows.append(
            AnnoMIUtterance(
                transcript_id=_int(path, line, "transcript_id", row["transcript_id"]),
                utterance_id=_int(path, line, "utterance_id", row["utterance_id"]),
                interlocutor=interlocutor,
                text=row["utterance_text"],
                main_therapist_behaviour=_na(row["main_therapist_behaviour"]),
                question_subtype=_na(row["question_subtype"]),
                reflection_subtype=_na(row["reflection_subtype"]),
                therapist_input_subtype=_na(row["therapist_input_subtype"]),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class EmoBankSentence:
    id: str
    split: str
    V: float
    A: float
    D: float
    text: str


def load_emobank(root: str | os.PathLike[str] | None = None) -> list[EmoBankSentence]:
    """EmoBank (Buechel & Hahn 2017) train + dev: valence, arousal, dominance on 1-5.
    ``train-ok`` (CC BY-SA 4.0: models derived from it keep the attribution)."""
    path = _file(root, "emobank", "emobank_train_dev.csv")
    return [
        EmoBankSentence(
            id=row["id"],
            split=row["split"],
            V=_float(path, line, "V", row["V"]),
            A=_float(path, line, "A", row["A"]),
            D=_float(path, line, "D", row["D"]),
            text=row["text"],
        )
        for line, row in _csv_rows(path, ("id", "split", "V", "A", "D", "text"))
    ]


@dataclass(frozen=True, slots=True)
class CertaintySentence:
    id: int
    text: str
    """The ``finding`` field: one sentence reporting a science finding."""
    certainty: float
    """Sentence-level certainty, 1 (uncertain) to 6 (certain)."""
    split: str


def load_certainty(root: str | os.PathLike[str] | None = None) -> list[CertaintySentence]:
    """Pei & Jurgens 2021 sentence-level certainty (JSON lines). ``train-ok`` (MIT)."""
    path = _file(root, "certainty", "sentence_certainty.jsonl")
    rows = []
    for line, raw in enumerate(_lines(path), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError:
            raise DatasetError(str(path), "not a JSON object", line) from None
        if not isinstance(record, dict):
            raise DatasetError(str(path), "not a JSON object", line)
        missing = [
            k for k in ("id", "finding", "sentence-level-certainty", "split") if k not in record
        ]
        if missing:
            raise DatasetError(str(path), f"missing field(s): {', '.join(missing)}", line)
        if not isinstance(record["finding"], str):
            raise DatasetError(str(path), "field 'finding' is not text", line)
        try:
            ident = int(record["id"])
        except (TypeError, ValueError):
            raise DatasetError(str(path), "field 'id' is not a whole number", line) from None
        rows.append(
            CertaintySentence(
                id=ident,
                text=record["finding"],
                certainty=_float(
                    path, line, "sentence-level-certainty", record["sentence-level-certainty"]
                ),
                split=str(record["split"]),
            )
        )
    return rows


# --- eval-only sets --------------------------------------------------------------------------

EPITOME_MECHANISMS: dict[str, str] = {
    "emotional_reactions": "emotional-reactions-reddit.csv",
    "interpretations": "interpretations-reddit.csv",
    "explorations": "explorations-reddit.csv",
}


@dataclass(frozen=True, slots=True)
class EpitomePair:
    mechanism: str
    """``emotional_reactions``, ``interpretations`` or ``explorations``."""
    sp_id: str
    rp_id: str
    seeker_post: str
    response_post: str
    level: int
    """0 (none), 1 (weak) or 2 (strong) communication of the mechanism in the response."""
    rationales: str


def load_epitome(root: str | os.PathLike[str] | None = None) -> list[EpitomePair]:
    """EPITOME Reddit (Sharma et al. 2020): seeker post, response, level 0/1/2 per mechanism;
    all three files, in the order of :data:`EPITOME_MECHANISMS`. ``eval-only``."""
    paths = {m: _file(root, "epitome", name) for m, name in EPITOME_MECHANISMS.items()}
    pairs = []
    columns = ("sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales")
    for mechanism, path in paths.items():
        for line, row in _csv_rows(path, columns):
            level = _int(path, line, "level", row["level"])
            if level not in (0, 1, 2):
                raise DatasetError(str(path), "level is not 0, 1 or 2", line)
            pairs.append(
                EpitomePair(
                    mechanism=mechanism,
                    sp_id=row["sp_id"],
                    rp_id=row["rp_id"],
                    seeker_post=row["seeker_post"],
                    response_post=row["response_post"],
                    level=level,
                    rationales=row["rationales"],
                )
            )
    return pairs


ESCONV_STRATEGIES: tuple[str, ...] = (
    "Question",
    "Restatement or Paraphrasing",
    "Reflection of feelings",
    "Self-disclosure",
    "Affirmation and Reassurance",
    "Providing Suggestions",
    "Information",
    "Others",
)
"""The eight supporter strategies, spelt as in ESConv's ``strategy.json``."""

_ESCONV_ALIASES = {"Questions": "Question", "Other": "Others"}
"""The dev file spells two strategies differently from ``strategy.json``."""


@dataclass(frozen=True, slots=True)
class ESConvTurn:
    line: int
    """Line of the dev file whose response this is (one line per supporter response)."""
    turn: int
    """Turn number inside its dialogue."""
    strategy: str
    """One of :data:`ESCONV_STRATEGIES`."""
    text: str


def load_esconv(root: str | os.PathLike[str] | None = None) -> list[ESConvTurn]:
    """ESConv dev split (Liu et al. 2021): every supporter response with its strategy.

    Each line of ``dev_with_strategy.tsv`` is one response in context: segments joined by
    ``" EOS "``, each ``<flag> <speaker> <turn> [Strategy] text`` (speaker 1 = supporter, whose
    segments carry the strategy); the last segment is the response. ``eval-only``.
    """
    path = _file(root, "esconv", "dev_with_strategy.tsv")
    turns = []
    for line, raw in enumerate(_lines(path), start=1):
        if not raw.strip():
            continue
        last = raw.split(" EOS ")[-1].strip()
        parts = last.split(" ", 3)
        if len(parts) < 4 or parts[1] not in ("0", "1") or not parts[2].isdigit():
            raise DatasetError(
                str(path), "last segment is not '<flag> <speaker> <turn> text'", line
            )
        if parts[1] != "1":
            raise DatasetError(str(path), "last segment is not a supporter turn", line)
        body = parts[3]
        if not body.startswith("[") or "]" not in body:
            raise DatasetError(str(path), "supporter turn has no [strategy]", line)
        name, _, text = body[1:].partition("]")
        strategy = _ESCONV_ALIASES.get(name, name)
        if strategy not in ESCONV_STRATEGIES:
            raise DatasetError(str(path), f"unknown strategy [{name}]", line)
        turns.append(
            ESConvTurn(line=line, turn=int(parts[2]), strategy=strategy, text=text.strip())
        )
    return turns


MI_GOLD_CODES: tuple[str, ...] = (
    "Advise with Permission",
    "Advise without Permission",
    "Affirm",
    "Closed Question",
    "Complex Reflection",
    "Confront",
    "Direct",
    "Emphasize Autonomy",
    "Give Information",
    "Open Question",
    "Other",
    "Self-Disclose",
    "Simple Reflection",
    "Support",
    "Warn",
)


@dataclass(frozen=True, slots=True)
class MIGoldSentence:
    text: str
    code: str
    """The human label (the file's ``Ground truth``), one of :data:`MI_GOLD_CODES`."""


def load_mi_gold(root: str | os.PathLike[str] | None = None) -> list[MIGoldSentence]:
    """MI Gold test split (Welivita & Pu 2023): support sentences with MISC-style codes.
    A ``Prediction`` column (the authors' classifier), where present, is ignored. ``eval-only``."""
    path = _file(root, "mi_gold", "mi_gold_test.csv")
    rows = []
    for line, row in _csv_rows(path, ("Text", "Ground truth")):
        code = row["Ground truth"].strip()
        if code not in MI_GOLD_CODES:
            raise DatasetError(str(path), f"unknown code {code!r}", line)
        rows.append(MIGoldSentence(text=row["Text"], code=code))
    return rows


CSSRS_LABELS: tuple[str, ...] = ("Supportive", "Indicator", "Ideation", "Behavior", "Attempt")


@dataclass(frozen=True, slots=True)
class CSSRSUser:
    user: str
    label: str
    """One of :data:`CSSRS_LABELS` (the user's C-SSRS severity)."""
    posts: tuple[str, ...]
    truncated: bool
    """True when the stored list was cut off (this copy keeps at most 32,759 characters a
    cell); the complete posts and the cut-off remainder of the last one are kept."""


def _python_strings(cell: str) -> tuple[list[str], bool]:
    """The strings of a Python list literal of strings; a list cut off mid-way gives the
    complete strings plus the partial last one, and ``truncated=True``. ``ValueError`` when
    the cell is not such a list."""
    try:
        value = ast.literal_eval(cell)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        value = None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value, False
    if value is not None:
        raise ValueError("not a list of strings")
    # A cut-off list: scan the string literals one by one.
    text = cell.strip()
    if not text.startswith("["):
        raise ValueError("not a list of strings")
    strings: list[str] = []
    i, n = 1, len(text)
    while True:
        while i < n and text[i] in " ,\t\r\n":
            i += 1
        if i >= n:
            return strings, True
        if text[i] == "]":
            raise ValueError("not a list of strings")  # complete yet unparsable
        quote = text[i]
        if quote not in "'\"":
            raise ValueError("not a list of strings")
        j = i + 1
        while j < n and text[j] != quote:
            j += 2 if text[j] == "\\" else 1
        if j >= n:  # the cut falls inside this string
            partial = text[i:n].rstrip("\\")
            try:
                strings.append(ast.literal_eval(partial + quote))
            except (SyntaxError, ValueError):
                strings.append(text[i + 1 : n])
            return strings, True
        strings.append(ast.literal_eval(text[i : j + 1]))
        i = j + 1


def load_cssrs(root: str | os.PathLike[str] | None = None) -> list[CSSRSUser]:
    """Reddit C-SSRS (Gaur et al. 2019): one row per user, all their posts, and the user's
    severity label. ``eval-only``."""
    path = _file(root, "cssrs_reddit", "cssrs_users.csv")
    users = []
    for line, row in _csv_rows(path, ("User", "Post", "Label")):
        label = row["Label"].strip()
        if label not in CSSRS_LABELS:
            raise DatasetError(str(path), f"unknown label {label!r}", line)
        try:
            posts, truncated = _python_strings(row["Post"])
        except ValueError:
            raise DatasetError(str(path), "column 'Post' is not a list of strings", line) from None
        users.append(
            CSSRSUser(user=row["User"], label=label, posts=tuple(posts), truncated=truncated)
        )
    return users


LOADERS = {
    "annomi": load_annomi,
    "emobank": load_emobank,
    "certainty": load_certainty,
    "epitome": load_epitome,
    "esconv": load_esconv,
    "mi_gold": load_mi_gold,
    "cssrs_reddit": load_cssrs,
}

"""``mentalize evaluate``: loaders, evaluations, the report block and the command.

Everything but the last test runs on small synthetic dataset folders written in each dataset's
real format, so the suite needs neither ``../shared/datasets`` nor its licences. Tests that
compute metrics need the ``research`` extra and are skipped without it.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.research import datasets as ds
from mentalize.research.report import BEGIN, END, render_block, write_report
from mentalize.research.rows import ValidationRow

from ..conftest import SHARED_DATASETS

try:
    import scipy.stats  # noqa: F401
    import sklearn.metrics  # noqa: F401

    HAVE_RESEARCH = True
except ImportError:
    HAVE_RESEARCH = False

needs_research = pytest.mark.skipif(
    not HAVE_RESEARCH, reason="needs the research extra: pip install 'mentalize[research]'"
)
runner = CliRunner()
EVAL_ONLY = ("epitome", "esconv", "mi_gold", "cssrs_reddit")


# --- synthetic datasets in the real formats ----------------------------------------------------


def _csv(path: Path, header: list[str], rows: list[list[object]], newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)


EPITOME_RESPONSES = [
    # (response, explorations, interpretations, emotional reactions)
    ("How are you feeling about it right now? What happened?", 2, 0, 0),
    ("What do you think made her react like that?", 2, 0, 0),
    ("Is it work?", 1, 0, 0),
    ("I understand how you feel, I went through the same thing last year.", 0, 2, 0),
    ("That sounds really hard, I'm so sorry you are going through this.", 0, 0, 2),
    ("It makes sense that you feel hurt and angry after that.", 0, 1, 1),
    ("You should talk to a doctor and try to get more sleep.", 0, 0, 0),
    ("Have you tried going for a run?", 0, 0, 0),
    ("You should see someone about it. When did it start?", 1, 0, 0),
]


def write_epitome(root: Path) -> None:
    header = ["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"]
    columns = {"explorations": 1, "interpretations": 2, "emotional_reactions": 3}
    for mechanism, name in ds.EPITOME_MECHANISMS.items():
        column = columns[mechanism]
        rows = [
            [f"s{i}", f"r{i}", "I can't sleep and I feel awful.", item[0], item[column], ""]
            for i, item in enumerate(EPITOME_RESPONSES)
        ]
        _csv(root / "epitome" / name, header, rows)


ESCONV_TURNS = [
    ("Questions", "How has the pandemic affected your mental health?"),
    ("Questions", "What did your boss say when you told him?"),
    ("Providing Suggestions", "You could try writing down your worries before bed."),
    ("Providing Suggestions", "Maybe you should talk to your sister about it."),
    ("Reflection of feelings", "It sounds like you feel lonely and let down."),
    ("Affirmation and Reassurance", "You are doing the best you can."),
    ("Other", "Hello"),
    ("Self-disclosure", "I also felt stressed during the second wave."),
]


def write_esconv(root: Path) -> None:
    lines, history = [], ["0.0 0 0 Hello, I feel stressed about the pandemic. "]
    for turn, (strategy, text) in enumerate(ESCONV_TURNS, start=1):
        segment = f"1.0 1 {2 * turn - 1} [{strategy}] {text}"
        lines.append(" EOS ".join([*history[-3:], segment]))
        history += [segment.replace("1.0", "0.0", 1), f"0.0 0 {2 * turn} Okay, thanks. "]
    folder = root / "esconv"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev_with_strategy.tsv").write_bytes(("\r\n".join(lines) + "\r\n").encode())


MI_GOLD = [
    ("You should stop drinking right now.", "Advise without Permission"),
    ("Would it be okay if I suggested a few ideas?", "Advise with Permission"),
    ("Call your doctor today.", "Direct"),
    ("That is just an excuse and you know it.", "Confront"),
    ("What would you like to be different?", "Open Question"),
    ("How do you feel about your drinking?", "Open Question"),
    ("Do you drink every day?", "Closed Question"),
    ("You've worked hard to get here.", "Affirm"),
    ("Many people find that exercise helps with sleep.", "Give Information"),
    ("It sounds like you feel stuck.", "Complex Reflection"),
]


def write_mi_gold(root: Path) -> None:
    _csv(
        root / "mi_gold" / "mi_gold_test.csv", ["Text", "Ground truth"], [list(r) for r in MI_GOLD]
    )


CSSRS = [
    ("user-1", ["I want to kill myself tonight.", "Nothing matters."], "Ideation"),
    ("user-2", ["I cut myself again last night.", "I hate this."], "Behavior"),
    ("user-3", ["I took a whole bottle of pills last year and woke up in hospital."], "Attempt"),
    (
        "user-4",
        ["Stay strong, you are not alone.", "Have you tried calling a hotline?"],
        "Supportive",
    ),
    ("user-5", ["Great game last night!", "Anyone know a good pizza place?"], "Supportive"),
    ("user-6", ["I feel so empty and tired all the time."], "Indicator"),
]


def write_cssrs(root: Path, truncate_last: bool = True) -> None:
    rows = [[user, repr(posts), label] for user, posts, label in CSSRS]
    if truncate_last:  # like the real copy: a cell cut off at the spreadsheet limit
        posts = ["I don't want to be alive anymore.", "Everything is falling apart and I just"]
        cell = repr(posts)
        rows.append(["user-7", cell[: cell.index("falling") + 7], "Ideation"])
    _csv(root / "cssrs_reddit" / "cssrs_users.csv", ["User", "Post", "Label"], rows)


THERAPIST_CODES = ["n/a", "False", "n/a", "True", "open", "question", "n/a"]


def write_train_ok(root: Path) -> None:
    _csv(
        root / "annomi" / "annomi_full.csv",
        [
            "transcript_id",
            "topic",
            "utterance_id",
            "interlocutor",
            "timestamp",
            "utterance_text",
            "annotator_id",
            "therapist_input_exists",
            "therapist_input_subtype",
            "reflection_exists",
            "reflection_subtype",
            "question_exists",
            "question_subtype",
            "main_therapist_behaviour",
            "client_talk_type",
        ],
        [
            [
                0,
                "alcohol",
                0,
                "therapist",
                "00:00:13",
                "What brings you here?",
                3,
                "False",
                *THERAPIST_CODES,
            ],
            [0, "alcohol", 1, "client", "00:00:24", "Sure.", 3, *["n/a"] * 7, "neutral"],
        ],
    )
    _csv(
        root / "emobank" / "emobank_train_dev.csv",
        ["id", "split", "V", "A", "D", "text"],
        [["a_1", "train", "3.0", "3.4", "3.2", "I am furious!"], ["a_2", "dev", 2, 2, 3, "Ok."]],
    )
    path = root / "certainty" / "sentence_certainty.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [
        {"id": 1, "finding": "Coffee may reduce risk.", "sentence-level-certainty": 3.0},
        {"id": 2, "finding": "Smoking causes cancer.", "sentence-level-certainty": 6.0},
    ]
    path.write_text(
        "\n".join(json.dumps({**r, "split": "train"}) for r in records) + "\n", encoding="utf-8"
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "datasets"
    write_epitome(root)
    write_esconv(root)
    write_mi_gold(root)
    write_cssrs(root)
    write_train_ok(root)
    return root


# --- loaders -----------------------------------------------------------------------------------


def test_dataset_root_prefers_argument_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv(ds.ENV_VAR, raising=False)
    assert ds.dataset_root() == Path("../shared/datasets")
    monkeypatch.setenv(ds.ENV_VAR, str(tmp_path))
    assert ds.dataset_root() == tmp_path
    assert ds.dataset_root(tmp_path / "x") == tmp_path / "x"


def test_loaders_read_every_format(data):
    annomi = ds.load_annomi(data)
    assert annomi[0].main_therapist_behaviour == "question"
    assert annomi[0].question_subtype == "open" and annomi[0].reflection_subtype is None
    assert annomi[1].interlocutor == "client" and annomi[1].main_therapist_behaviour is None

    emobank = ds.load_emobank(data)
    assert [(e.id, e.split, e.A) for e in emobank] == [("a_1", "train", 3.4), ("a_2", "dev", 2.0)]

    certainty = ds.load_certainty(data)
    assert [(c.id, c.certainty, c.split) for c in certainty] == [
        (1, 3.0, "train"),
        (2, 6.0, "train"),
    ]
    assert certainty[0].text == "Coffee may reduce risk."

    epitome = ds.load_epitome(data)
    assert len(epitome) == 3 * len(EPITOME_RESPONSES)
    assert {p.mechanism for p in epitome} == set(ds.EPITOME_MECHANISMS)

    esconv = ds.load_esconv(data)
    assert [t.text for t in esconv] == [text for _, text in ESCONV_TURNS]
    assert esconv[0].strategy == "Question" and esconv[6].strategy == "Others"  # aliases

    assert [(s.text, s.code) for s in ds.load_mi_gold(data)] == MI_GOLD

    users = ds.load_cssrs(data)
    assert [u.posts for u in users[:-1]] == [tuple(posts) for _, posts, _ in CSSRS]
    cut = users[-1]
    assert cut.truncated and not users[0].truncated
    assert cut.posts == ("I don't want to be alive anymore.", "Everything is falling")


def test_missing_dataset_raises_with_the_skip_line(tmp_path):
    with pytest.raises(ds.DatasetMissing) as caught:
        ds.load_epitome(tmp_path)
    assert caught.value.skip_line == f"skipped epitome: {tmp_path / 'epitome'} not found"
    (tmp_path / "epitome").mkdir()
    with pytest.raises(ds.DatasetMissing, match=r"-reddit\.csv not found"):
        ds.load_epitome(tmp_path)


@pytest.mark.parametrize(
    ("dataset", "relative", "content", "problem"),
    [
        ("epitome", "epitome/explorations-reddit.csv", "sp_id,rp_id\na,b\n", "missing column"),
        ("mi_gold", "mi_gold/mi_gold_test.csv", "Text,Ground truth\nhi,Shout\n", "unknown code"),
        ("esconv", "esconv/dev_with_strategy.tsv", "0.0 1 1 no strategy here\n", "strategy"),
        ("cssrs_reddit", "cssrs_reddit/cssrs_users.csv", "User,Post,Label\nu,hi,Attempt\n", "Post"),
        ("certainty", "certainty/sentence_certainty.jsonl", "{not json\n", "JSON"),
    ],
)
def test_malformed_file_is_an_error_naming_the_file(data, dataset, relative, content, problem):
    (data / relative).write_text(content, encoding="utf-8")
    with pytest.raises(ds.DatasetError) as caught:
        ds.LOADERS[dataset](data)
    message = str(caught.value)
    assert relative.split("/")[-1] in message and problem in message
    assert "\n" not in message


# --- evaluations -------------------------------------------------------------------------------


@needs_research
def test_every_evaluation_gives_ours_and_baseline_rows_in_range(data):
    from mentalize.research.marker_evaluations import run_evaluations

    run = run_evaluations(data, names=EVAL_ONLY)
    assert run.skipped == []
    assert set(run.seconds) == set(EVAL_ONLY) and run.datasets == list(EVAL_ONLY)
    for dataset in EVAL_ONLY:
        rows = [r for r in run.rows if r.dataset == dataset]
        groups = {(r.construct, r.metric) for r in rows}
        for construct, metric in groups:
            kinds = [r.kind for r in rows if (r.construct, r.metric) == (construct, metric)]
            assert "ours" in kinds and "baseline" in kinds, (dataset, construct, metric)
    for row in run.rows:
        assert row.value is None or 0.0 <= row.value <= 1.0, row
        assert row.in_domain is False
    exploration = [
        r
        for r in run.rows
        if r.construct.startswith("explorations") and "curious_question" in r.construct
    ]
    assert {r.n for r in exploration} == {len(EPITOME_RESPONSES)}
    targets = [r for r in exploration if r.kind == "target"]
    assert [(t.construct, t.metric, t.value) for t in targets] == [
        ("explorations (level ≥ 1) → a curious_question or clarification move", "F1", 0.88)
    ]
    # The composite response (advice, then a question) is found by its moves, not as a whole.
    by_construct = {
        r.construct: r.value for r in exploration if r.kind == "ours" and r.metric == "F1"
    }
    assert (
        by_construct["explorations (level ≥ 1) → a curious_question or clarification move"]
        > by_construct["explorations (level ≥ 1) → curious_question or clarification"]
    )


@needs_research
def test_baselines_are_the_trivial_rules(data):
    from mentalize.research.marker_evaluations import run_evaluations

    rows = run_evaluations(data, names=["epitome", "cssrs_reddit"]).rows

    def value(construct_start: str, metric: str, note: str) -> float | None:
        found = [
            r
            for r in rows
            if r.construct.startswith(construct_start) and r.metric == metric and r.note == note
        ]
        return found[0].value

    # explorations: the four responses with a question are the four positives, plus one
    # question that is not (a suggestion)
    assert value("explorations", "F1", "contains “?”") == pytest.approx(2 * 4 / (2 * 4 + 1))
    # C-SSRS: always flag finds every risk user and no supportive one; indicator apart
    assert value("Ideation", "recall", "always flag") == 1.0
    assert value("Supportive", "specificity", "always flag") == 0.0
    indicator = [r for r in rows if r.construct.startswith("Indicator") and r.kind == "ours"]
    assert indicator[0].n == 1 and indicator[0].metric == "flag rate"
    recall = next(r for r in rows if r.construct.startswith("Ideation") and r.kind == "ours")
    assert recall.n == 4  # Ideation x2 (one cut off), Behavior, Attempt
    assert "1 users' post lists are cut" in recall.note


@needs_research
def test_absent_datasets_are_skipped_with_one_line_each(tmp_path):
    from mentalize.research.marker_evaluations import run_evaluations

    run = run_evaluations(tmp_path)
    assert run.rows == []
    # the learned-layer evaluations (train-ok sets) skip too: their folders are absent as well
    assert run.skipped[: len(EVAL_ONLY)] == [
        f"skipped {d}: {tmp_path / d} not found" for d in EVAL_ONLY
    ]
    # and the train-ok ones: AnnoMI, EmoBank, certainty, the MBT corpus, AnnoMI's sessions, the
    # written sessions' coded records and AnnoMI read by the shipped analyser
    assert len(run.skipped) == len(EVAL_ONLY) + 7


@needs_research
def test_registry_accepts_evaluations_from_elsewhere(data, monkeypatch):
    from mentalize.research import marker_evaluations as ev

    monkeypatch.setattr(ev, "EVALUATIONS", dict(ev.EVALUATIONS))

    @ev.evaluation("emobank_arousal", datasets=["emobank"])
    def emobank_arousal(root: Path) -> list[ValidationRow]:
        """EmoBank arousal (a train-ok cross-validation would go here)."""
        rows = ds.load_emobank(root)
        r, _ = ev.correlations([x.A for x in rows] * 2, [x.V for x in rows] * 2)
        return [ValidationRow("arousal", "emobank", "r", r, len(rows), "", "", False, "ours")]

    assert list(ev.EVALUATIONS)[-1] == "emobank_arousal"
    with pytest.raises(ValueError, match="already registered"):
        ev.evaluation("emobank_arousal")(emobank_arousal)
    run = ev.run_evaluations(data, names=["emobank_arousal"])
    assert run.rows[0].value == pytest.approx(1.0) and run.datasets == ["emobank"]


# --- the report ----------------------------------------------------------------------------------


def _rows() -> list[ValidationRow]:
    return [
        ValidationRow("q → curious_question", "epitome", "F1", 0.5, 10, "", "", False, "ours", "p"),
        ValidationRow(
            "q → curious_question", "epitome", "F1", 0.7, 10, "", "", False, "baseline", "?"
        ),
        ValidationRow(
            "q → curious_question",
            "epitome",
            "F1",
            0.88,
            10,
            "target ≥ 0.88",
            "goal",
            False,
            "target",
        ),
    ]


def test_block_has_the_columns_a_line_per_figure_and_the_skips():
    block = render_block(
        _rows(), ["skipped esconv: /x not found"], ["epitome"], encoder="markers only"
    )
    assert block.startswith(BEGIN) and block.rstrip().endswith(END)
    assert (
        "| construct | dataset | in-domain | metric | ours | baseline | "
        "target/anchor (reference) | n |" in block
    )
    assert "| q → curious_question | EPITOME (Reddit) | no | F1 | 0.50 | 0.70 (?) | " in block
    assert "target ≥ 0.88 (goal) | 10 |" in block
    assert "- skipped esconv: /x not found" in block
    assert "**eval-only**" in block and "markers only" in block and "0.1.0" in block


def test_write_report_creates_appends_and_replaces_between_markers(tmp_path):
    block_1 = render_block(_rows(), encoder="markers only", date="2025-01-01")
    block_2 = render_block(_rows()[:1], encoder="markers only", date="2025-02-02")

    new = tmp_path / "new.md"
    write_report(new, block_1)
    assert new.read_text().startswith("# Validation\n\n" + BEGIN)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644

    doc = tmp_path / "doc.md"
    doc.write_text("# Validation\n\nHand-written prose.\n", encoding="utf-8")
    write_report(doc, block_1)
    text = doc.read_text()
    assert text.startswith("# Validation\n\nHand-written prose.\n\n" + BEGIN)
    assert text.count(BEGIN) == 1 and "2025-01-01" in text

    doc.write_text(text + "\n## Later section\n\nMore prose.\n", encoding="utf-8")
    write_report(doc, block_2)
    text = doc.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "2025-02-02" in text and "2025-01-01" not in text
    assert "Hand-written prose." in text and text.endswith("## Later section\n\nMore prose.\n")
    assert "0.70" not in text  # the old table is gone


# --- the command ---------------------------------------------------------------------------------


@needs_research
def test_cli_end_to_end_on_synthetic_data(data, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # the terminal table unfolded
    out = tmp_path / "validation.md"
    out.write_text("# Validation\n\nProse.\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not any(f"skipped {d}" in result.output for d in EVAL_ONLY)
    assert f"Wrote {out}" in result.output
    assert "explorations" in result.output  # the terminal table
    text = out.read_text()
    assert text.startswith("# Validation\n\nProse.\n") and BEGIN in text
    for title in ("EPITOME (Reddit)", "ESConv (dev split)", "MI Gold (test split)", "C-SSRS"):
        assert title in text

    # a missing dataset is one line and the rest still runs; the environment names the folder
    for path in (data / "esconv").iterdir():
        path.unlink()
    (data / "esconv").rmdir()
    monkeypatch.setenv("MENTALIZE_DATASETS", str(data))
    result = runner.invoke(app, ["evaluate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"skipped esconv: {data / 'esconv'} not found" in result.output
    assert f"- skipped esconv: {data / 'esconv'} not found" in out.read_text()
    assert out.read_text().count(BEGIN) == 1


@needs_research
def test_cli_with_no_data_succeeds_and_leaves_the_report_alone(tmp_path):
    out = tmp_path / "validation.md"
    out.write_text("keep me\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--data", str(tmp_path / "none"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped ") == len(EVAL_ONLY) + 7  # and the seven train-ok ones
    assert out.read_text() == "keep me\n"


@needs_research
def test_cli_malformed_dataset_is_one_line_naming_the_file(data, tmp_path):
    bad = data / "mi_gold" / "mi_gold_test.csv"
    bad.write_text("Text,Ground truth\nhello,Not a code\n", encoding="utf-8")
    out = tmp_path / "v.md"
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("mentalize: error")]
    assert len(errors) == 1 and str(bad) in errors[0]
    assert not out.exists()


def test_cli_without_the_research_extra_says_how_to_install(monkeypatch, tmp_path):
    for module in ("sklearn", "sklearn.metrics", "scipy", "scipy.stats"):
        monkeypatch.setitem(sys.modules, module, None)
    result = runner.invoke(app, ["evaluate", "--out", str(tmp_path / "v.md")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'mentalize[research]'" in lines[0]


def test_importing_mentalize_imports_no_research_library():
    code = (
        "import sys, mentalize, mentalize.cli, mentalize.research, "
        "mentalize.research.marker_evaluations, mentalize.research.report\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip() == "[]"


# --- the real data (skipped where ../shared/datasets is absent) ---------------------------------


@needs_research
@pytest.mark.skipif(
    not (SHARED_DATASETS / "epitome").is_dir(),
    reason=f"public datasets not present at {SHARED_DATASETS} (eval-only; never copied here)",
)
def test_real_epitome_evaluation_figures_are_proportions_over_the_whole_file():
    from mentalize.research.marker_evaluations import evaluate_epitome

    rows = evaluate_epitome(SHARED_DATASETS)
    sizes = {}
    for mechanism, name in ds.EPITOME_MECHANISMS.items():
        with (SHARED_DATASETS / "epitome" / name).open(encoding="utf-8", newline="") as handle:
            sizes[mechanism] = sum(1 for _ in csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row.value is not None and 0.0 <= row.value <= 1.0, row
        mechanism = next(m for m in sizes if row.construct.startswith(m.replace("_", " ")))
        assert row.n == sizes[mechanism], row
    kinds = {(r.construct, r.metric, r.kind) for r in rows}
    assert ("explorations (level ≥ 1) → curious_question", "F1", "baseline") in kinds


def test_quality_auc_counts_high_above_low_and_ties_as_half():
    from mentalize.research.session_quality import SessionReading, quality_auc

    def reading(quality: str, stance: float | None) -> SessionReading:
        return SessionReading(0, quality, 0, 0, None, stance)

    readings = [
        reading("high", 0.9),
        reading("high", 0.5),
        reading("low", 0.5),
        reading("low", None),
    ]
    assert quality_auc(readings, "stance") == (0.75, 3)  # (1 + 0.5) / 2; the None is left out
    assert quality_auc(readings, "calibration") == (None, 0)


def test_session_quality_file_with_a_bad_rating_is_one_line_naming_it(tmp_path):
    from mentalize.research.session_quality import _quality

    (tmp_path / "annomi").mkdir()
    (tmp_path / "annomi" / "session_quality.csv").write_text(
        "transcript_id,mi_quality\n0,high\n1,medium\n", encoding="utf-8"
    )
    with pytest.raises(ds.DatasetError, match=r"session_quality.csv:3: expected transcript_id"):
        _quality(tmp_path)

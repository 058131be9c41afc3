"""The data-file format: adding an instrument is adding a file; broken files fail clearly."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from mentalize import instruments
from mentalize.errors import InputError, ModelError
from mentalize.instruments import loader

TOY = """
[instrument]
id = "toy3"
fhir_name = "TOY3"
short_title = "TOY-3"
title = "A made-up three-item scale used only in tests"
version = "0.1"
construct = "nothing real"
instructions = "Answer each item."
limits = "Not a real instrument."
licence = "Test fixture."
attribution = "mentalize tests."
cites = ["nobody"]
change_unavailable = "this is a test fixture."

[[options]]
value = 0
label = "No"

[[options]]
value = 1
label = "Sometimes"

[[options]]
value = 2
label = "Often"

[[items]]
number = 1
text = "First"

[[items]]
number = 2
text = "Second (reverse-keyed)"

[[items]]
number = 3
text = "Third"

[keys.reverse]
description = "0->2, 1->1, 2->0"
map = { 0 = 2, 1 = 1, 2 = 0 }

[[scales]]
id = "total"
label = "TOY-3 total"
method = "sum"
items = [1, 2, 3]
item_keys = { 2 = "reverse" }
description = "Sum of three items, item 2 reversed."
higher = "more."
lower = "less."

[[bands]]
scale = "total"
id = "low"
label = "low"
min = 0
max = 3
meaning = "Low."

[[bands]]
scale = "total"
id = "high"
label = "high"
min = 4
max = 6
meaning = "High."

[[critical]]
item = 3
min_answer = 2
flag = "toy_item3"
severity = "caution"
message = "Item 3 answered often."

[sources.nobody]
citation = "Nobody (2025). A fixture."
"""


def test_load_file_and_score_a_new_instrument(tmp_path):
    path = tmp_path / "toy3.toml"
    path.write_text(TOY)
    inst = instruments.load_file(path)
    assert inst.scale("total").reverse_keyed() == (2,)
    assert inst.scale("total").minimum == 0 and inst.scale("total").maximum == 6
    # 0 + (2 -> 0) + 0 = 0 ; 2 + (0 -> 2) + 2 = 6
    assert instruments.score(inst, [0, 2, 0]).scores["total"] == 0
    assert instruments.score(inst, [2, 0, 2]).scores["total"] == 6
    # reverse-keyed item alone: answered 0 -> 2, answered 2 -> 0
    assert instruments.score(inst, [0, 0, 0]).scores["total"] == 2
    result = instruments.score(inst, [2, 2, 2])  # 2 + 0 + 2 = 4 -> high, item 3 flagged
    assert result.scores["total"] == 4 and result.band.id == "high"
    assert [f.id for f in result.flags] == ["toy_item3"]


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """The bundled data folder replaced by a temporary one (caches cleared around the test)."""
    bundled = resources.files("mentalize.instruments").joinpath("data")
    for name in ("phq9", "gad7", "rfq8"):
        (tmp_path / f"{name}.toml").write_text(bundled.joinpath(f"{name}.toml").read_text())
    monkeypatch.setattr(loader, "_data_dir", lambda: tmp_path)
    loader.available.cache_clear()
    loader._load_bundled.cache_clear()
    yield tmp_path
    loader.available.cache_clear()
    loader._load_bundled.cache_clear()


def test_adding_an_instrument_is_adding_a_file(data_folder):
    (data_folder / "toy3.toml").write_text(TOY)
    assert instruments.available() == ("gad7", "phq9", "rfq8", "toy3")
    assert instruments.score("toy3", "1,1,1").scores["total"] == 3


def test_a_broken_bundled_file_is_a_model_error(data_folder):
    (data_folder / "toy3.toml").write_text(TOY.replace('method = "sum"', 'method = "median"'))
    with pytest.raises(
        ModelError, match=r"toy3.toml: \[\[scales\]\] 'total' method: must be one of"
    ):
        instruments.load("toy3")
    (data_folder / "bad.toml").write_text("[instrument\n")
    loader.available.cache_clear()  # the folder listing is read once per process
    with pytest.raises(ModelError, match=r"bad\.toml: not valid TOML"):
        instruments.load("bad")


def _base() -> dict:
    return tomllib.loads(TOY)


def _breaks(mutate, fragment):
    data = copy.deepcopy(_base())
    mutate(data)
    with pytest.raises(loader._Problem) as caught:
        loader.parse(data, expected_id="toy3")
    assert fragment in str(caught.value), str(caught.value)


BROKEN = {
    "unknown top-level key": (lambda d: d.update(extras={}), "unknown key(s) extras"),
    "typo in a key": (
        lambda d: d["scales"][0].update(itms=[1]),
        "[[scales]] #1: unknown key(s) itms",
    ),
    "id differs from file name": (
        lambda d: d["instrument"].update(id="toy4"),
        "must match the file name 'toy3.toml'",
    ),
    "reserved id": (lambda d: d["instrument"].update(id="list"), "reserved by the CLI"),
    # The shape, checked by pydantic (instruments/file_shape.py), in the loader's words:
    "label not text": (
        lambda d: d["options"][0].update(label=3),
        "[[options]] #1 label: must be text",
    ),
    "item number not whole": (
        lambda d: d["items"][0].update(number=True),
        "[[items]] #1 number: must be a whole number",
    ),
    "code without system": (
        lambda d: d["items"][0].update(code={"code": "x"}),
        "[[items]] #1 code: missing system",
    ),
    "two unknown keys named together": (
        lambda d: d["instrument"].update(titel="x", autor="y"),
        "[instrument]: unknown key(s) autor, titel",
    ),
    "scales not a list": (lambda d: d.update(scales={}), "scales: must be a list"),
    "missing licence": (lambda d: d["instrument"].pop("licence"), "missing licence"),
    "options not consecutive": (
        lambda d: d["options"][2].update(value=3),
        "values must be consecutive",
    ),
    "items out of order": (lambda d: d["items"][1].update(number=3), "numbered 1, 2, 3"),
    "key misses an answer": (
        lambda d: d["keys"]["reverse"].update(map={"0": 2, "1": 1}),
        "missing answers [2]",
    ),
    "key maps a non-answer": (
        lambda d: d["keys"]["reverse"]["map"].update({"5": 0}),
        "answers [5] are not response options",
    ),
    "unknown key reference": (
        lambda d: d["scales"][0].update(item_keys={"2": "rev"}),
        "no key 'rev' in [keys]",
    ),
    "scale names a missing item": (
        lambda d: d["scales"][0].update(items=[1, 2, 4]),
        "no such item(s) [4]",
    ),
    "band gap": (
        lambda d: d["bands"][1].update(min=5),
        "'low' ends at 3 but 'high' starts at 5",
    ),
    "band overlap": (
        lambda d: d["bands"][1].update(min=3),
        "'low' ends at 3 but 'high' starts at 3",
    ),
    "bands short of the range": (
        lambda d: d["bands"][1].update(max=5),
        "must cover the whole scale 0-6",
    ),
    "critical answer not an option": (
        lambda d: d["critical"][0].update(min_answer=3),
        "3 is not a response option",
    ),
    "unknown source": (lambda d: d["instrument"].update(cites=["x"]), "no source 'x'"),
    "reliability out of range": (
        lambda d: d.update(
            reliability=[
                {"scale": "total", "kind": "a", "value": 1.2, "sample": "s", "source": "nobody"}
            ]
        ),
        "between 0 and 1",
    ),
    "no change and no reason": (
        lambda d: d["instrument"].pop("change_unavailable"),
        "say why change cannot be classified",
    ),
    "threshold without points": (
        lambda d: (
            d["instrument"].pop("change_unavailable"),
            d.update(
                change={
                    "scale": "total",
                    "direction": "lower_is_better",
                    "method": "threshold",
                    "source": "nobody",
                }
            ),
        ),
        "needs reliable_change",
    ),
    "jacobson-truax without reliability": (
        lambda d: (
            d["instrument"].pop("change_unavailable"),
            d.update(
                change={
                    "scale": "total",
                    "direction": "lower_is_better",
                    "method": "jacobson_truax",
                    "sd": 2,
                    "source": "nobody",
                }
            ),
        ),
        "reliability: needs a coefficient",
    ),
    "cut-off outside the scale": (
        lambda d: (
            d["instrument"].pop("change_unavailable"),
            d.update(
                change={
                    "scale": "total",
                    "direction": "lower_is_better",
                    "method": "threshold",
                    "reliable_change": 2,
                    "cutoff": 9,
                    "source": "nobody",
                }
            ),
        ),
        "must lie within the scale 0-6",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_data_files_fail_with_a_clear_message(case):
    mutate, fragment = BROKEN[case]
    _breaks(mutate, fragment)


def test_load_file_reports_the_path(tmp_path):
    path = tmp_path / "toy3.toml"
    path.write_text(TOY.replace('scale = "total"\nid = "high"', 'scale = "nope"\nid = "high"'))
    with pytest.raises(InputError) as caught:
        instruments.load_file(path)
    assert str(caught.value).startswith(str(path))
    assert "no scale 'nope'" in str(caught.value)
    with pytest.raises(InputError, match="no such file"):
        instruments.load_file(tmp_path / "missing.toml")


def test_every_bundled_file_uses_only_known_sources_and_states_licences():
    for name in instruments.available():
        raw = tomllib.loads(
            resources.files("mentalize.instruments").joinpath(f"data/{name}.toml").read_text()
        )
        inst = loader.parse(raw, expected_id=name)
        for entry in (*inst.reliability, *inst.norms):
            assert entry.source.id in inst.sources
        if inst.change is not None:
            assert inst.change.source.citation
        else:
            assert inst.change_unavailable
        if not inst.reliability:
            assert inst.reliability_note  # say why no reliability is shown

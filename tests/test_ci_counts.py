"""``.ci/check_counts.py``: CI fails when a suite ran fewer tests than expected, skipped what it
must not skip, or left no report; it passes when every suite ran at least its minimum."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "check_counts.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_counts", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


cc = _load()

EXPECTED = """
[suites.core]
report = "core.xml"
include = ["tests/"]
exclude = ["tests/web/"]
min_ran = 3
forbid_skips = ["not installed"]

[suites.clinic-postgres]
report = "pg.xml"
include = ["tests/web/"]
exclude = ["tests/web/browser/"]
min_ran = 2
properties = { clinic_database = "postgresql" }

[suites.browser]
report = "pg.xml"
include = ["tests/web/browser/"]
min_ran = 1
max_skipped = 0

[suites.fuzz]
log = "fuzz.log"
min_executions = 1000
"""


def case(module: str, name: str, inner: str = "") -> str:
    return f'<testcase classname="{module}" name="{name}" time="0.01">{inner}</testcase>'


def skip(reason: str) -> str:
    return f'<skipped type="pytest.skip" message="{reason}">file.py:1: {reason}</skipped>'


def junit(*cases: str, database: str | None = None) -> str:
    props = (
        f'<properties><property name="clinic_database" value="{database}" /></properties>'
        if database
        else ""
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
        f'<testsuite name="pytest">{props}{"".join(cases)}</testsuite></testsuites>'
    )


CORE_OK = junit(
    case("tests.test_api", "test_a"),
    case("tests.test_api", "test_b"),
    case("tests.language.test_x.TestY", "test_c"),
    case("tests.language.test_x", "test_d", skip("root reads anything")),
    case("tests.web.test_audit", "test_not_core", skip("not installed")),  # excluded
)
PG_OK = junit(
    case("tests.web.test_audit", "test_a"),
    case("tests.web.test_audit", "test_b", '<skipped type="pytest.xfail" message="known" />'),
    case("tests.web.browser.test_flow", "test_flow"),
    database="postgresql",
)
FUZZ_OK = "Done 142114 runs in 4 second(s)\nstat::number_of_executed_units: 142114\n"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    (tmp_path / "expected.toml").write_text(EXPECTED, encoding="utf-8")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "core.xml").write_text(CORE_OK, encoding="utf-8")
    (folder / "pg.xml").write_text(PG_OK, encoding="utf-8")
    (folder / "fuzz.log").write_text(FUZZ_OK, encoding="utf-8")
    return folder


def results(folder: Path) -> dict[str, Any]:
    return {r.suite: r for r in cc.check(folder.parent / "expected.toml", folder)}


def run_main(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cc.main([str(folder), "--expected", str(folder.parent / "expected.toml")])
    out, err = capsys.readouterr()
    return code, out, err


def test_counts_at_or_above_the_minimums_pass(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(reports, capsys)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == (
        "core: ok: 3 ran (3 passed, 0 xfailed), 1 skipped, 0 failed; minimum 3"
    )  # the excluded tests/web case is not core's
    assert lines[1].startswith("clinic-postgres: ok: 2 ran (1 passed, 1 xfailed)")
    assert lines[3] == "fuzz: ok: 142,114 executions; minimum 1,000"
    assert lines[-1] == "check_counts: all 4 suites ran their expected tests"


def test_a_suite_that_skipped_everything_fails_naming_it(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped = skip("PostgreSQL at 127.0.0.1:5432 is unreachable")
    (reports / "pg.xml").write_text(
        junit(
            case("tests.web.test_audit", "test_a", skipped),
            case("tests.web.test_audit", "test_b", skipped),
            case("tests.web.browser.test_flow", "test_flow", skipped),
            database="postgresql",
        ),
        encoding="utf-8",
    )
    code, out, err = run_main(reports, capsys)
    assert code == 1
    assert "clinic-postgres: FAIL: 0 ran, fewer than the minimum 2" in out
    assert "browser: FAIL: 0 ran, fewer than the minimum 1; 1 skipped, more than the 0" in out
    assert out.startswith("core: ok")
    assert err == "check_counts: FAIL: clinic-postgres, browser (see {})\n".format(
        reports.parent / "expected.toml"
    )


def test_a_missing_report_fails(reports: Path) -> None:
    (reports / "core.xml").unlink()
    (reports / "fuzz.log").unlink()
    found = results(reports)
    assert not found["core"].ok
    assert "no report" in found["core"].detail
    assert not found["fuzz"].ok
    assert found["clinic-postgres"].ok


def test_an_unreadable_report_fails(reports: Path) -> None:
    (reports / "core.xml").write_text("<testsuites><testsuite>", encoding="utf-8")
    assert "unreadable report" in results(reports)["core"].detail


def test_a_forbidden_skip_fails_even_above_the_minimum(reports: Path) -> None:
    (reports / "core.xml").write_text(
        CORE_OK.replace(
            "</testsuite>",
            case("tests.models.test_m", "test_e", skip("the models extra is NOT INSTALLED"))
            + "</testsuite>",
        ),
        encoding="utf-8",
    )
    core = results(reports)["core"]
    assert not core.ok
    assert "1 skipped for /not installed/" in core.detail


def test_a_collection_skip_counts_as_a_skip(reports: Path) -> None:
    """A module-level skip (``importorskip``) is written with no classname."""
    (reports / "core.xml").write_text(
        CORE_OK.replace(
            "</testsuite>",
            '<testcase classname="" name="tests.outputs.test_frames" time="0">'
            '<skipped message="collection skipped">'
            "('tests/outputs/test_frames.py', 21, 'Skipped: pandas not installed')"
            "</skipped></testcase></testsuite>",
        ),
        encoding="utf-8",
    )
    core = results(reports)["core"]
    assert not core.ok
    assert "2 skipped" in core.detail


def test_failures_fail_the_suite(reports: Path) -> None:
    (reports / "core.xml").write_text(
        CORE_OK.replace(
            "</testsuite>",
            case("tests.test_api", "test_z", '<failure message="boom" />') + "</testsuite>",
        ),
        encoding="utf-8",
    )
    assert "1 failed or errored" in results(reports)["core"].detail


def test_the_postgres_pass_must_have_run_on_postgres(reports: Path) -> None:
    (reports / "pg.xml").write_text(PG_OK.replace("postgresql", "sqlite"), encoding="utf-8")
    found = results(reports)["clinic-postgres"]
    assert not found.ok
    assert "clinic_database='sqlite', expected 'postgresql'" in found.detail


def test_fuzzing_must_have_executed_enough_inputs(reports: Path) -> None:
    (reports / "fuzz.log").write_text("stat::number_of_executed_units: 20\n", encoding="utf-8")
    fuzz = results(reports)["fuzz"]
    assert not fuzz.ok
    assert fuzz.detail == "20 executions, fewer than the minimum 1,000"
    (reports / "fuzz.log").write_text("fuzz/run.sh: atheris is not installed\n", encoding="utf-8")
    assert "no stat::number_of_executed_units" in results(reports)["fuzz"].detail


def test_the_checked_in_minimums_name_real_suites() -> None:
    """Every suite of .ci/expected_counts.toml reads a report, and its test paths exist."""
    suites = tomllib.loads((ROOT / ".ci" / "expected_counts.toml").read_text(encoding="utf-8"))[
        "suites"
    ]
    assert set(suites) == {
        "core",
        "clinic-sqlite",
        "browser",
        "clinic-postgres",
        "browser-postgres",
        "fuzz",
        "convokit",
    }
    for name, spec in suites.items():
        if name == "fuzz":
            assert spec["min_executions"] > 0
            continue
        assert spec["min_ran"] > 0, name
        for prefix in [*spec["include"], *spec.get("exclude", [])]:
            assert (ROOT / prefix).exists(), (name, prefix)

#!/usr/bin/env python3
"""Check that each CI suite ran at least its expected number of tests (``.ci/run`` calls this).

    .ci/check_counts.py REPORT_DIR [--expected .ci/expected_counts.toml]

Each suite in the expected-counts file names its report in REPORT_DIR: a pytest JUnit XML file
(``--junitxml``) with the test paths that belong to the suite, or the fuzzing log of
``fuzz/run.sh``. A test "ran" when it passed or xfailed. A suite fails when its report is missing
or unreadable, when fewer tests ran than its minimum, when any test failed, when it skipped more
tests than it may, when a skip's reason matches one it must never skip for (a missing extra or
service), or when a recorded property (the clinic's database) differs. One line per suite, then
one verdict line; exit status 1 when any suite failed. Standard library only (Python 3.11+).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_EXPECTED = Path(__file__).resolve().parent / "expected_counts.toml"
EXECUTIONS = re.compile(r"^stat::number_of_executed_units:\s*(\d+)\s*$", re.MULTILINE)


@dataclass
class Tally:
    """What one suite's share of a JUnit report holds."""

    passed: int = 0
    xfailed: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def ran(self) -> int:
        return self.passed + self.xfailed


@dataclass
class Result:
    suite: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.suite}: {'ok' if self.ok else 'FAIL'}: {self.detail}"


def _dotted(prefix: str) -> str:
    """``tests/web/`` -> ``tests.web.``; ``tests/test_api.py`` -> ``tests.test_api.``"""
    stem = prefix.strip("/").removesuffix(".py")
    return stem.replace("/", ".") + "."


def _address(case: ET.Element) -> str:
    """A test case's dotted module path and name (a collection skip has no classname)."""
    classname = case.get("classname") or ""
    name = case.get("name") or ""
    return f"{classname}.{name}" if classname else name


def tally(report: Path, include: list[str], exclude: list[str]) -> Tally:
    """Count the test cases of ``report`` under ``include`` and not under ``exclude``."""
    root = ET.parse(report).getroot()
    wanted = [_dotted(p) for p in include]
    unwanted = [_dotted(p) for p in exclude]
    counts = Tally()
    for prop in root.iter("property"):
        counts.properties[prop.get("name") or ""] = prop.get("value") or ""
    for case in root.iter("testcase"):
        address = _address(case) + "."
        if not any(address.startswith(p) for p in wanted):
            continue
        if any(address.startswith(p) for p in unwanted):
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            counts.failed += 1
            continue
        skipped = case.find("skipped")
        if skipped is None:
            counts.passed += 1
        elif skipped.get("type") == "pytest.xfail":
            counts.xfailed += 1
        else:
            counts.skipped += 1
            reason = " ".join(filter(None, (skipped.get("message"), skipped.text)))
            counts.skip_reasons.append(reason)
    return counts


def check_tests(name: str, spec: dict[str, Any], reports: Path) -> Result:
    report = reports / str(spec["report"])
    if not report.is_file():
        return Result(name, False, f"no report {report} (the suite did not run)")
    try:
        counts = tally(report, list(spec.get("include", ["tests/"])), list(spec.get("exclude", [])))
    except ET.ParseError as exc:
        return Result(name, False, f"unreadable report {report} ({exc})")
    minimum = int(spec["min_ran"])
    summary = (
        f"{counts.ran} ran ({counts.passed} passed, {counts.xfailed} xfailed), "
        f"{counts.skipped} skipped, {counts.failed} failed; minimum {minimum}"
    )
    problems: list[str] = []
    if counts.ran < minimum:
        problems.append(f"{counts.ran} ran, fewer than the minimum {minimum}")
    if counts.failed:
        problems.append(f"{counts.failed} failed or errored")
    max_skipped = spec.get("max_skipped")
    if max_skipped is not None and counts.skipped > int(max_skipped):
        problems.append(f"{counts.skipped} skipped, more than the {int(max_skipped)} allowed")
    for pattern in spec.get("forbid_skips", []):
        hits = [r for r in counts.skip_reasons if re.search(pattern, r, re.IGNORECASE)]
        if hits:
            first = " ".join(hits[0].split())[:160]
            problems.append(f"{len(hits)} skipped for /{pattern}/, e.g. {first!r}")
    for key, value in dict(spec.get("properties", {})).items():
        got = counts.properties.get(key)
        if got != str(value):
            problems.append(f"report property {key}={got!r}, expected {str(value)!r}")
    if problems:
        return Result(name, False, "; ".join(problems) + f" [{summary}]")
    return Result(name, True, summary)


def check_fuzz(name: str, spec: dict[str, Any], reports: Path) -> Result:
    log = reports / str(spec["log"])
    if not log.is_file():
        return Result(name, False, f"no log {log} (fuzzing did not run)")
    found = EXECUTIONS.findall(log.read_text(encoding="utf-8", errors="replace"))
    minimum = int(spec["min_executions"])
    if not found:
        return Result(name, False, f"no stat::number_of_executed_units line in {log}")
    executions = int(found[-1])
    summary = f"{executions:,} executions; minimum {minimum:,}"
    if executions < minimum:
        return Result(name, False, f"{executions:,} executions, fewer than the minimum {minimum:,}")
    return Result(name, True, summary)


def check(expected: Path, reports: Path) -> list[Result]:
    """One result per suite of ``expected``, in the file's order."""
    suites: dict[str, dict[str, Any]] = tomllib.loads(expected.read_text(encoding="utf-8"))[
        "suites"
    ]
    results = []
    for name, spec in suites.items():
        if "min_executions" in spec:
            results.append(check_fuzz(name, spec, reports))
        else:
            results.append(check_tests(name, spec, reports))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("reports", type=Path, help="the folder holding the suites' reports")
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED)
    args = parser.parse_args(argv)
    results = check(args.expected, args.reports)
    for result in results:
        print(result.line())
    failed = [r.suite for r in results if not r.ok]
    if failed:
        print(f"check_counts: FAIL: {', '.join(failed)} (see {args.expected})", file=sys.stderr)
        return 1
    print(f"check_counts: all {len(results)} suites ran their expected tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())

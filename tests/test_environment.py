"""One module declares and reads every MENTALIZE_* environment variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mentalize import environment

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "mentalize"
# Django settings named MENTALIZE_* (read as settings.X) are not environment variables.
_ENVIRON = re.compile(r"os\.(environ|getenv)")


def test_no_module_reads_or_sets_a_mentalize_variable_behind_its_back() -> None:
    offenders = []
    env_constants = {"THREADS_ENV", "ENCODER_ENV", "MODEL_ENV", "DATA_DIR_ENV", "ENV_VAR"}
    for path in SOURCE.rglob("*.py"):
        if path.name == "environment.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _ENVIRON.search(line) and (
                "MENTALIZE_" in line or any(name in line for name in env_constants)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_every_variable_named_in_the_code_is_declared() -> None:
    declared = {v.name for v in environment.VARIABLES}
    named: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"environment\.\w+\(\s*\"(MENTALIZE_[A-Z_]+)\"", text):
            named.add(match[1])
        for match in re.finditer(
            r"_ENV(?:_VAR)? = \"(MENTALIZE_[A-Z_]+)\"|ENV_VAR = \"(MENTALIZE_[A-Z_]+)\"", text
        ):
            named.add(match[1] or match[2])
    assert named, "the scan must find the variables the code reads"
    assert named <= declared


def test_the_documentation_lists_every_variable() -> None:
    page = (ROOT / "docs" / "environment.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(MENTALIZE_[A-Z_]+)`", page))
    assert documented == {v.name for v in environment.VARIABLES}


def test_an_undeclared_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="MENTALIZE_TYPO is not declared"):
        environment.get("MENTALIZE_TYPO")


def test_values_are_read_when_asked_and_blank_is_unset(monkeypatch) -> None:
    monkeypatch.setenv("MENTALIZE_MODEL", "   ")
    assert environment.get("MENTALIZE_MODEL", "auto") == "auto"
    monkeypatch.setenv("MENTALIZE_PASSWORD", " spaced ")
    assert environment.get("MENTALIZE_PASSWORD") == " spaced "
    monkeypatch.setenv("MENTALIZE_REQUIRE_MFA", "Yes")
    assert environment.flag("MENTALIZE_REQUIRE_MFA")
    monkeypatch.setenv("MENTALIZE_ALLOWED_HOSTS", "a.example, ,b.example")
    assert environment.listing("MENTALIZE_ALLOWED_HOSTS") == ["a.example", "b.example"]


def test_cache_root_follows_the_variable_then_xdg(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MENTALIZE_CACHE", str(tmp_path / "c"))
    assert environment.cache_root() == tmp_path / "c"
    monkeypatch.delenv("MENTALIZE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert environment.cache_root() == tmp_path / "x" / "mentalize"

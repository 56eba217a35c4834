"""Where the tests find constructor's schema, and what a test does without it: the schema
check is skipped, the test's other checks still run and still fail it, and in CI a
missing schema is a failure."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import constructor_reader
import pytest
from conftest import REPO

INNER = """
import constructor_reader

constructor_reader.schema_file = lambda: None  # as on a machine without the schema
constructor_reader.schema.cache_clear()


def test_only_the_schema_is_unchecked():
    assert constructor_reader.schema_errors({"name": "x", "version": "1"}) == []


def test_another_check_still_fails():
    constructor_reader.schema_errors({"name": "x", "version": "1"})
    assert "{{" not in "leftover {{ x }}"


def test_no_schema_asked():
    assert True
"""


def run_inner(tmp_path: Path, ci: bool) -> str:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER))
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), env.get("PYTHONPATH", "")])
    if ci:
        env["CI"] = "true"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-v", "-rs"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.stdout


def outcomes(report: str) -> dict[str, str]:
    """{test name: PASSED, FAILED or SKIPPED} from pytest -v's progress lines."""
    lines = [line.split() for line in report.splitlines() if line.startswith("test_inner.py::")]
    return {words[0].split("::")[1]: words[1] for words in lines if len(words) > 1}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ci", "schema_check", "said"),
    [
        (False, "SKIPPED", "the schema check was skipped, the rest passed"),
        (True, "FAILED", "constructor's schema was not found"),
    ],
    ids=["local", "ci"],
)
def test_without_the_schema(tmp_path: Path, ci: bool, schema_check: str, said: str) -> None:
    """Locally only the schema check is skipped, and the test's other checks still count;
    in CI the schema check fails."""
    report = run_inner(tmp_path, ci=ci)
    assert outcomes(report) == {
        "test_only_the_schema_is_unchecked": schema_check,
        "test_another_check_still_fails": "FAILED",
        "test_no_schema_asked": "PASSED",
    }, report
    assert said in report


def test_an_installed_constructor_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """constructor's package data wins over the copy beside the clone."""
    package = tmp_path / "site" / "constructor"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "construct.schema.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "constructor", raising=False)
    assert constructor_reader.schema_file() == package / "data" / "construct.schema.json"


def test_a_constructor_without_the_schema_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyPI's unrelated `constructor` has no data/construct.schema.json."""
    package = tmp_path / "site" / "constructor"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "constructor", raising=False)
    beside = constructor_reader.SCHEMA_BESIDE_CLONE
    assert constructor_reader.schema_file() == (beside if beside.is_file() else None)

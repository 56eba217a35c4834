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


def test_environment_file_rules(tmp_path: Path) -> None:
    """constructor's fcp.py with `environment_file`: no channels needed, specs ignored and
    channels unused (we treat both as mistakes), the packages are the file's, and conda's
    explicit parser must read every line."""
    url = "https://mirror.corp/main/linux-64"
    base = {"name": "x", "version": "1", "installer_type": "sh"}

    def errors(text: str, **keys: object) -> list[str]:
        (tmp_path / "env.txt").write_text(text)
        data = {**base, "environment_file": "env.txt", **keys}
        return constructor_reader.build_time_errors(data, "linux-64", tmp_path)

    good = f"# platform: linux-64\n@EXPLICIT\n{url}/conda-24.11.0-py_0.conda#{'a' * 32}\n"
    assert errors(good) == []
    assert errors(good, initialize_conda=True) == []
    assert errors(good.replace("conda-24", "python-3"), initialize_conda=True) == [
        "initialize_conda without conda"
    ]
    assert errors(good, specs=["python"]) == [
        "specs with environment_file: constructor ignores them"
    ]
    assert errors(good, channels=["main"]) == [
        "channels with environment_file: not used to create the environment"
    ]
    assert errors(good, exclude=["nosuch"]) == [
        "exclude nosuch: not among the environment's packages"
    ]
    assert errors("python 3.12.*\n") == [
        "environment_file env.txt is not @EXPLICIT: conda would solve it"
    ]
    (bad,) = errors(f"@EXPLICIT\n{url}::python==3.12.4=0\n")
    assert "Could not parse explicit URL" in bad
    assert errors(good + good.splitlines()[-1] + "\n") == ["a package name appears twice in specs"]
    data = {**base, "environment_file": "missing.txt"}
    assert constructor_reader.build_time_errors(data, "linux-64", tmp_path) == [
        "environment_file missing.txt missing from the project"
    ]

"""Package specs are read by rattler's MatchSpec parser when the profile loads, so every
command refuses a spec rattler cannot read at its file:line:column, never with a
traceback from the solve (table rows in test_bad_profiles.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL

from factory.profiles.spec_rules import parse_problem

BAD_SPEC = MINIMAL.lstrip("\n") + "      - python =>3.12\n"
LOCATED = (
    "p.yaml:11:9: packages.specs.base[2]: not a package spec the solver can read (unable "
    "to parse version spec: =>3.12); write NAME, NAME VERSION or NAME VERSION BUILD, e.g. "
    "`python >=3.12` or `numpy 1.26.*`"
)


@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("render", "--output", "out"),
        ("lock",),
        ("doctor",),
        ("sbom",),
        ("build", "--output", "dist"),
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_an_unreadable_spec_where_it_is(
    command: tuple[str, ...], cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", BAD_SPEC)
    result = cli(command[0], "p.yaml", *command[1:])
    assert result.code == 1, result.err
    assert LOCATED in result.err.splitlines()
    assert "Traceback" not in result.err + result.out
    assert not (tmp_path / "out").exists() and not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    "spec",
    [
        "numpy[version='>=1.26']",  # the README's own example
        "python 3.12.*",
        "conda-forge::numpy >=1.26",
        "python >=3.12,<3.13",
        "python 3.12.* *_cpython",
        "pandas=2.2",
    ],
)
def test_specs_accepted_today_still_parse(spec: str) -> None:
    assert parse_problem(spec, False) is None
    assert parse_problem(spec, True) is None


def test_parses_are_cached() -> None:
    parse_problem.cache_clear()
    for _ in range(3):
        parse_problem("numpy >=1.26", True)
    assert parse_problem.cache_info().hits == 2

"""`installer-factory show PROFILE [--origin]`: the effective profile after its extends:
chain, as YAML in the model's key order; with --origin, each value's comment names the
line that sets it, checked here by reading that line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML

from factory.profiles.layering import load_layered
from factory.profiles.model import Profile

PROD = REPO / "profiles" / "acme-datasci-prod.yaml"
EXAMPLES = sorted((REPO / "profiles").glob("*.yaml"))
# `  key: value  # file:line` or `  - value  # file:line`
_LINE = re.compile(
    r"^(?P<pad>\s*)(?P<dash>- )?(?:(?P<key>[^\s:\"][^:]*): )?(?P<value>.+?)"
    r"  # (?P<file>[^\s:]+):(?P<line>\d+)$"
)


def yaml(text: str):
    return YAML(typ="safe").load(text)


@pytest.fixture(autouse=True)
def at_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # locations are shown relative to the working directory


def test_show_prints_the_merged_profile_in_model_order(cli) -> None:
    result = cli("show", PROD)
    assert result.code == 0, result.err
    data = yaml(result.out)
    assert result.out.startswith(
        "# effective profile: profiles/acme-base.yaml <- profiles/acme-datasci-prod.yaml\n"
    )
    assert data == {k: v for k, v in load_layered(PROD).data.items() if k != "extends"}
    assert data["company"] == "Acme Corp"  # from the base
    assert list(data["packages"]["specs"]) == ["core", "datasci"]
    fields = list(Profile.model_fields)
    assert list(data) == sorted(data, key=fields.index)
    install = list(Profile.model_fields["install"].annotation.model_fields)  # type: ignore[union-attr]
    assert list(data["install"]) == sorted(data["install"], key=install.index)
    assert "version" not in data and "extends" not in data  # only what the files set
    assert cli("show", PROD).out == result.out  # deterministic


@pytest.mark.parametrize("profile", EXAMPLES, ids=lambda p: p.stem)
def test_every_origin_points_at_the_line_that_sets_the_value(cli, profile: Path) -> None:
    result = cli("show", profile, "--origin")
    assert result.code == 0, result.err
    plain = cli("show", profile).out
    assert yaml(result.out) == yaml(plain)  # comments only: still the same YAML
    checked = 0
    for line in result.out.splitlines()[1:]:
        if line.rstrip().endswith(":"):
            continue  # a mapping or list that holds values: they carry the origins
        match = _LINE.match(line)
        assert match, f"no origin on: {line}"
        lines_of = (REPO / match["file"]).read_text().splitlines()
        number = int(match["line"])
        source = lines_of[number - 1]
        value = yaml(match["value"])
        if re.search(r"[|>][-+]?$", source):  # a block scalar: the text starts below
            assert match["key"] in source
            source = " ".join(x.strip() for x in lines_of[number:] if x.strip())
            assert source.startswith(" ".join(str(value).split()[:5]))
            checked += 1
            continue
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if isinstance(value, str) and "\\" in source:
            text = text.replace("\\", "")
            source = source.replace("\\", "")
        if value == {} or value == []:
            text = match["key"]
        assert text in source, f"{line!r} -> {match['file']}:{match['line']}: {source!r}"
        if match["key"] and not match["dash"]:
            assert match["key"] in source
        checked += 1
    assert checked > 3


def test_origins_name_both_files_of_a_layered_profile(cli) -> None:
    result = cli("show", PROD, "--origin")
    lines = result.out.splitlines()
    assert 'company: "Acme Corp"  # profiles/acme-base.yaml:6' in lines
    assert 'name: "Acme-DataScience"  # profiles/acme-datasci-prod.yaml:4' in lines


def test_json_form_holds_the_profile_and_every_origin(cli) -> None:
    result = cli("show", PROD, "--json", "--origin")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["ok"] and data["chain"] == ["profiles/acme-base.yaml", str(PROD.relative_to(REPO))]
    assert data["profile"] == yaml(cli("show", PROD).out)
    where = data["origins"]["packages.specs.datasci[0]"]
    source = (REPO / where["file"]).read_text().splitlines()[where["line"] - 1]
    assert source[where["column"] - 1 :].startswith("numpy[version='>=1.26']")
    assert "origins" not in json.loads(cli("show", PROD, "--json").out)


def test_a_bad_profile_is_a_located_error(cli, write, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("base.yaml", "abstract: true\ncompany: Acme\n")
    bad = write("bad.yaml", "extends: base\nname: X\nversion: '1'\nchanels: [a]\n")
    result = cli("show", bad)
    assert result.code == 1 and result.out == ""
    assert "bad.yaml:4:1: chanels" in result.err
    missing = write("lost.yaml", "extends: nowhere\nname: X\n")
    gone = cli("show", missing, "--json")
    assert gone.code == 1 and "lost.yaml:1:10: extends:" in json.loads(gone.out)["error"]


def test_values_resolved_from_the_environment_are_never_shown(
    cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile names the variable a token comes from; show prints that name, never the
    value the variable holds."""
    monkeypatch.chdir(tmp_path)
    secret = "showTok-" + "3c9e1a7f5b2d8046"
    monkeypatch.setenv("SHOW_TOKEN", secret)
    profile = write(
        "p.yaml",
        """
        name: P
        version: "1"
        channels: ["https://repo.example.org/main"]
        condarc: {channels: ["https://repo.example.org/main"]}
        packages: {specs: {base: [python, conda]}}
        tokens:
          repo: {env: SHOW_TOKEN, url: "https://repo.example.org/"}
        """,
    )
    for form in ((), ("--origin",), ("--json", "--origin")):
        result = cli("show", profile, *form)
        assert result.code == 0, result.err
        assert secret not in result.out + result.err and "***" not in result.out
        assert "SHOW_TOKEN" in result.out

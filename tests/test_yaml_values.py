"""Any string a profile carries into construct.yaml comes back exactly as constructor reads it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import examples
from constructor_reader import parse, schema_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.quoting import yamltext
from factory.render.project import render_project


def q(value: str) -> str:
    """A YAML double-quoted scalar via JSON (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


HOSTILE = st.sampled_from(
    [
        "'",
        '"',
        "$(id)",
        "`id`",
        "%PATH%",
        "!x!",
        "&",
        "|",
        "^",
        "<",
        ">",
        "\n",
        "#",
        "[win]",
        " # [win]",
        "{{ x }}",
        "{% if %}",
        "{#",
        "]",
        ":",
        "- ",
        "\u2028",
        "\x85",
        "\\",
        "\t",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=8).map("".join)


@given(value=TEXT)
@settings(max_examples=examples(300))
def test_any_string_survives_constructor_reading(value: str):
    text = f'name: "x"\nversion: "1"\ncompany: {yamltext.scalar(value)}\nspecs:\n' + yamltext.dump(
        [value, "python"], 2
    )
    data = parse(text)
    assert data["company"] == value
    assert data["specs"] == [value, "python"]


@given(mapping=st.dictionaries(st.text(min_size=1, max_size=6), TEXT, max_size=4))
@settings(max_examples=examples(150))
def test_nested_mappings_survive(mapping: dict[str, str]):
    text = 'name: "x"\nversion: "1"\nscript_env_variables:\n' + yamltext.dump(mapping, 2)
    if not mapping:
        text = 'name: "x"\nversion: "1"\n'
    data = parse(text)
    assert data.get("script_env_variables", {}) == mapping


PRINTABLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=20,
).filter(lambda s: s == s.strip() and s.isprintable())


# spec endings the solver reads (validate parses every spec with rattler's MatchSpec),
# full of characters YAML and the shells treat specially
SPEC_TAILS = st.sampled_from(
    [
        "",
        "[version='>=1.0,<2']",
        " >=1.0,<2|==3",
        "[build='*py*']",
        " 1.2.*",
        "[version='>=1', build_number='>=2']",
        " >=1.0 *_0",
        " !=1.0",
    ]
)


@given(
    spec_tail=SPEC_TAILS,
    company=TEXT.filter(lambda s: s.isprintable() and s != ""),
    text_=PRINTABLE,
)
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_profile_values_reach_construct_yaml_literally(
    tmp_path: Path, spec_tail: str, company: str, text_: str
):
    """Through the whole product: profile YAML -> model -> template -> constructor's reader."""
    profile = tmp_path / "p.yaml"
    spec = f"pkg{spec_tail}"
    profile.write_text(
        "name: T\nversion: '1'\nplatforms: [osx-arm64]\nchannels: [conda-forge]\n"
        f"company: {q(company)}\n"
        f"packages: {{specs: {{base: [{q(spec)}, python]}}}}\n"
        f"install: {{welcome_text: {q(text_)}, conclusion_text: {q(text_)}}}\n",
        encoding="utf-8",
    )
    loaded = load_profile(profile)
    project = render_project(loaded, Platform.osx_arm64)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    assert data["company"] == company
    assert data["specs"] == [spec, "python"]
    assert data["welcome_text"] == text_ == data["conclusion_text"]

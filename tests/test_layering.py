"""extends chains: merge rules, provenance of values and relative paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_certificate

from factory.errors import InputError, ProfileInvalid
from factory.profiles.layering import find_profile, load_layered
from factory.profiles.load import load_profile


def test_mappings_merge_lists_replace_null_removes(write):
    write(
        "base.yaml",
        """
        abstract: true
        company: Base Co
        channels: [a, b]
        packages:
          specs:
            core: [python, conda]
            extra: [numpy]
        condarc:
          channel_priority: flexible
          report_errors: true
    """,
    )
    leaf = write(
        "leaf.yaml",
        """
        extends: base
        name: Leaf
        version: "1"
        channels: [c]
        packages:
          specs:
            extra: ~
            team: [pandas]
        condarc:
          report_errors: false
    """,
    )
    profile = load_profile(leaf).profile
    assert profile.company == "Base Co"
    assert profile.channels == ["c"]
    assert list(profile.packages.specs) == ["core", "team"]
    assert profile.condarc.channel_priority == "flexible"
    assert profile.condarc.report_errors is False


def test_abstract_and_extends_are_not_inherited(write):
    write(
        "base.yaml",
        """
        abstract: true
        channels: [conda-forge]
        packages: {specs: {core: [python]}}
    """,
    )
    leaf = write("leaf.yaml", "extends: base\nname: L\nversion: '1'\n")
    layered = load_layered(leaf)
    assert layered.abstract is False
    assert [p.name for p in layered.chain] == ["base.yaml", "leaf.yaml"]


def test_values_remember_their_file_and_line(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        "org/base.yaml",
        """
        abstract: true
        channels: [conda-forge]
        packages:
          specs:
            core: [python]
    """,
    )
    leaf = write(
        "team/leaf.yaml",
        """
        extends: ../org/base.yaml
        name: L
        version: "1"
    """,
    )
    layered = load_layered(leaf)
    assert str(layered.location(("packages", "specs", "core", 0))) == "org/base.yaml:5:12"
    assert str(layered.location(("name",))) == "team/leaf.yaml:2:7"


def test_relative_paths_resolve_against_the_file_that_names_them(write, tmp_path):
    (tmp_path / "org" / "certs").mkdir(parents=True)
    (tmp_path / "org" / "certs" / "root.pem").write_bytes(make_certificate())
    write(
        "org/base.yaml",
        """
        abstract: true
        channels: [conda-forge]
        ca_certs: {root: certs/root.pem}
        packages: {specs: {core: [python, conda]}}
    """,
    )
    leaf = write("teams/ds/leaf.yaml", "extends: ../../org/base.yaml\nname: L\nversion: '1'\n")
    loaded = load_profile(leaf)
    assert loaded.sources.resolve(("ca_certs", "root"), "certs/root.pem") == (
        tmp_path / "org" / "certs" / "root.pem"
    )
    assert len(loaded.sources.certificates) == 1


def test_error_in_base_names_the_base_file(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("base.yaml", "abstract: true\nchannels: [conda-forge]\ncondarc: {channel_priority: hi}\n")
    leaf = write(
        "leaf.yaml", "extends: base\nname: L\nversion: '1'\npackages: {specs: {a: [python]}}\n"
    )
    with pytest.raises(ProfileInvalid) as info:
        load_profile(leaf)
    [problem] = info.value.errors
    assert problem.location.file == "base.yaml"
    assert problem.path == "condarc.channel_priority"


def test_names_are_found_beside_the_profile_then_on_search_paths(tmp_path: Path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "org.yaml").write_text("abstract: true\n")
    here = tmp_path / "here"
    here.mkdir()
    (here / "leaf.yaml").write_text("extends: org\n")
    assert find_profile("org", relative_to=here / "leaf.yaml", search_paths=[shared]) == (
        shared / "org.yaml"
    )
    with pytest.raises(InputError, match="not found"):
        find_profile("org", relative_to=here / "leaf.yaml", search_paths=[])


def test_cycles_are_reported(write):
    write("a.yaml", "extends: b\n")
    b = write("b.yaml", "extends: a\n")
    with pytest.raises(InputError, match="cycle"):
        load_layered(b)

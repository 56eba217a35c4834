"""`condarc.enforce` in the rendered project: the file of final keys, its place in
construct.yaml, the post-install script that moves it (shellcheck), the API other keys use,
and what `validate` says. tests/test_condarc_enforce.py runs the installs.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conda_config import read_file
from conftest import CliResult, examples, needs_shellcheck, write_tree
from constructor_reader import build_time_errors, parse, schema_errors
from hypothesis import given, settings
from hypothesis import strategies as st
from scripts_support import SH_SCRIPT, render, shellcheck
from test_condarc_enforce import ENFORCE, shipped_condarc, write_profile

from factory.platforms import Platform
from factory.profiles.channels import condarc_content
from factory.profiles.enforce import (
    ENFORCED_FILE,
    ENFORCED_STAGED_RELPATH,
    enforced_condarc,
    enforced_file,
    enforces_ca_bundle,
)
from factory.profiles.model import CONDARC_MANAGED, Profile


@pytest.mark.parametrize("platform", list(Platform), ids=lambda p: p.value)
def test_every_platform_ships_the_enforced_keys_final(
    tmp_path: Path, cert: bytes, platform: Platform
) -> None:
    project = render(write_profile(tmp_path / "p", [platform], cert), platform)
    data = parse(project.files["construct.yaml"].decode())
    assert schema_errors(data) == []
    written = write_tree(tmp_path / "project", project.files)
    assert build_time_errors(data, platform.value, written) == []
    assert {ENFORCED_FILE: "/".join(ENFORCED_STAGED_RELPATH)} in data["extra_files"]
    assert data["post_install"] in project.files
    shipped = write_tree(tmp_path / "file", {"f.yml": project.files[ENFORCED_FILE]}) / "f.yml"
    nodes = read_file(shipped)
    condarc = shipped_condarc(project.files)
    # the CA bundle's ssl_verify needs the installed path: the post-install adds it
    assert sorted(nodes) == sorted(k for k in ENFORCE if k != "ssl_verify")
    for key, node in nodes.items():
        assert node.flag == "final", key
        assert node.plain() == condarc[key], key


def test_the_api_gives_the_values_and_the_bundle_apart(tmp_path: Path, cert: bytes) -> None:
    from factory.profiles.load import load_profile

    profile = load_profile(write_profile(tmp_path, [Platform.linux_64], cert)).profile
    values = enforced_condarc(profile)
    assert list(values) == [k for k in ENFORCE if k != "ssl_verify"]
    assert values == {k: condarc_content(profile)[k] for k in values}
    assert enforces_ca_bundle(profile)
    bare = load_profile(write_profile(tmp_path / "b", [Platform.linux_64], cert, enforce=[]))
    assert enforced_file(bare.profile) is None


def test_enforced_channels_warn_until_override_channels_is_closed(
    tmp_path: Path, cert: bytes, cli: Callable[..., CliResult]
) -> None:
    """`--override-channels -c URL` skips `channels` unless override_channels_enabled is
    false and final (conda's Context.channels)."""
    closed = write_profile(tmp_path / "closed", [Platform.linux_64], cert)
    assert cli("validate", "--strict", closed).code == 0
    open_ = write_profile(tmp_path / "open", [Platform.linux_64], cert, enforce=["channels"])
    assert cli("validate", open_).code == 0
    strict = cli("validate", "--strict", open_)
    assert strict.code == 1
    assert "condarc.enforce[0]: warning: users can still pick other channels" in strict.err


def test_enforced_channels_warn_over_an_environments_own(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """An extra environment's own channels live in envs/<name>/.condarc, which a final
    `channels` overrides (conda's #!final: no later file changes the key)."""
    profile = (
        write_tree(
            tmp_path,
            {
                "p.yaml": textwrap.dedent("""\
                name: Envs
                version: "1"
                platforms: [linux-64]
                channels: [https://mirror.example/main]
                packages: {specs: {base: [python, conda]}}
                extra_envs:
                  work: {specs: {ds: [numpy]}, channels: [https://mirror.example/extra]}
                condarc:
                  allowlist_channels: [https://mirror.example/main, https://mirror.example/extra]
                  enforce: [channels]
                """)
            },
        )
        / "p.yaml"
    )
    result = cli("validate", "--strict", profile)
    assert result.code == 1
    assert (
        "p.yaml:10:13: condarc.enforce[0]: warning: extra_envs work bring their own channels "
        "in envs/<name>/.condarc, which a final `channels` overrides" in result.err
    )
    without = profile.read_text().replace("  enforce: [channels]\n", "")
    assert "enforce" not in without
    profile.write_text(without)
    assert "bring their own channels" not in cli("validate", profile).err


SETTING_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(
            lambda k: k not in ("channels", "channel_priority", "report_errors")
        ),
        SETTING_VALUES,
        min_size=1,
        max_size=4,
    )
)
def test_any_setting_reads_back_final_with_its_value(values: dict[str, Any]) -> None:
    """Whatever a setting holds (`#`, quotes, line breaks, `#!final` as text), conda reads
    each enforced key back final and with the value the .condarc gives it."""
    values = {k: v for k, v in values.items() if k not in CONDARC_MANAGED}
    if not values:
        return
    profile = Profile.model_validate(
        {
            "name": "P",
            "version": "1",
            "channels": ["conda-forge"],
            "condarc": {"settings": values, "enforce": sorted(values)},
        }
    )
    text = enforced_file(profile)
    assert text is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "f.yml")
        path.write_text(text, encoding="utf-8")
        nodes = read_file(path)
    assert sorted(nodes) == sorted(values)
    for key, node in nodes.items():
        assert node.flag == "final", (key, text)
        assert node.plain() == values[key], (key, text)


@needs_shellcheck
@pytest.mark.parametrize("enforce", [ENFORCE, ["channels"]], ids=["with-bundle", "without"])
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_the_script_passes_shellcheck(
    tmp_path: Path, cert: bytes, enforce: list[str], scope: str
) -> None:
    profile = write_profile(tmp_path, [Platform.linux_64], cert, enforce=enforce, scope=scope)
    script = write_tree(tmp_path / "s", render(profile, Platform.linux_64).files) / SH_SCRIPT
    assert ("ssl_verify: '" in script.read_text()) == ("ssl_verify" in enforce)
    linted = shellcheck(script)
    assert linted.returncode == 0, linted.stdout

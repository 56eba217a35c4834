"""Generated post_install.sh scripts: linted, then run for real in bash and dash.

Each project is installed by tests/fake_install.py: the prefix holds what construct.yaml
puts there, with a `conda` that records its arguments, and the script runs with the
variables constructor sets. The exact argv of every call is compared with what the
profile asks for.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conda_channels import requests
from conftest import (
    EXAMPLES,
    PROFILES,
    SHELLS,
    examples,
    needs_dash,
    needs_shellcheck,
    write_tree,
)
from fake_install import Install, lay_out, pkg_jinja
from hypothesis import HealthCheck, given, settings
from ruamel.yaml import YAML
from scripts_support import (
    BUNDLE_PARTS,
    SH_SCRIPT,
    Psm,
    Spec,
    expected_calls,
    expected_created,
    expected_files,
    fixed_hostile_spec,
    hostile_spec,
    hostile_text,
    render,
    run_sh,
    shellcheck,
    write_profile,
    yaml_text,
)
from scripts_support import VARIANTS as SHARED_VARIANTS

from factory.errors import UnsafeValue
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.profiles.model import Profile
from factory.quoting.shells import sh_quote
from factory.render.project import RenderedProject, render_project

UNIX = ("linux-64", "osx-arm64")


def prepare(
    root: Path,
    spec: Spec,
    cert: bytes,
    platform: Platform = Platform.linux_64,
    conda: bool = True,
    **layout: Any,
) -> Install:
    """Render the spec's profile and lay out its installation (a .pkg for macOS)."""
    project = render(write_profile(root / "profile", spec, cert), platform)
    install = lay_out(root, project, **layout, **({} if conda else {"conda": None}))
    assert install.laid_out == expected_files(spec, install.kind, conda)
    return install


def assert_success(
    result: subprocess.CompletedProcess[bytes], install: Install, spec: Spec
) -> None:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stderr == b""
    assert install.calls() == expected_calls(spec, install.prefix_text, "/")
    assert result.stdout.endswith(b"installer-factory post-install: done\n")
    assert install.created() == expected_created(spec, install.kind)


# --- lint -------------------------------------------------------------------------------


def _example_scripts(name: str) -> tuple[Profile, dict[Platform, RenderedProject]]:
    loaded = load_profile(PROFILES / f"{name}.yaml")
    return loaded.profile, {
        Platform(p): render_project(loaded, Platform(p)) for p in loaded.profile.platforms
    }


@needs_shellcheck
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_scripts_pass_syntax_checks_and_shellcheck(name: str, tmp_path: Path) -> None:
    profile, projects = _example_scripts(name)
    # a script is due exactly when the profile configures a CA bundle or a PSM site
    wanted = bool(profile.ca_certs) or profile.auth.psm is not None
    for platform, project in projects.items():
        if platform.os.value == "win":
            assert SH_SCRIPT not in project.files
            continue
        assert (SH_SCRIPT in project.files) == wanted, platform
        if not wanted:
            continue
        script = tmp_path / platform.value / SH_SCRIPT
        script.parent.mkdir()
        script.write_bytes(project.files[SH_SCRIPT])
        for checker in (["bash", "-n"], ["sh", "-n"]):
            done = subprocess.run([*checker, str(script)], capture_output=True, text=True)
            assert done.returncode == 0, (checker, done.stderr)
        linted = shellcheck(script)
        assert linted.returncode == 0, linted.stdout


def test_some_example_has_a_script() -> None:
    """Keeps the example lint test from passing by checking nothing."""
    assert any(SH_SCRIPT in p.files for n in EXAMPLES for p in _example_scripts(n)[1].values())


@needs_shellcheck
@pytest.mark.parametrize("platform", UNIX)
def test_hostile_script_passes_syntax_checks_and_shellcheck(
    platform: str, tmp_path: Path, cert: bytes
) -> None:
    script = prepare(tmp_path, fixed_hostile_spec(), cert, Platform(platform)).script
    for checker in (["bash", "-n"], ["sh", "-n"]):
        done = subprocess.run([*checker, str(script)], capture_output=True, text=True)
        assert done.returncode == 0, (checker, done.stderr)
    # SC2016 ("expressions don't expand in single quotes") and SC1003 ("want to escape a
    # single quote?") are shellcheck guessing that literal `$HOME` or `\\` was a mistake;
    # here literal is the point. Everything else must be clean.
    linted = shellcheck(script, "SC2016", "SC1003")
    assert linted.returncode == 0, linted.stdout


# --- running: success ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["acme-datasci-prod", "acme-datasci-dev"])
def test_example_scripts_run(name: str, shell: str, tmp_path: Path) -> None:
    profile, projects = _example_scripts(name)
    token = "example-" + secrets.token_hex(8)
    spec = spec_of(profile)
    ran = 0
    for platform, project in projects.items():
        if SH_SCRIPT not in project.files:
            continue
        spec = dataclasses.replace(spec, scope=example_scope(profile, platform))
        install = lay_out(tmp_path / platform.value, project)
        deploys = profile.deploy is not None
        assert install.laid_out == expected_files(spec, install.kind, marker=deploys)
        # the example's deploy-time token, handed over as the deployment tool would
        given = {t.deploy.env: token for t in profile.tokens.values() if t.deploy and t.deploy.env}
        result = install.post_install(shell=shell, **given)
        assert result.returncode == 0, result.stderr
        prefix = install.prefix_text
        assert install.calls() == expected_calls(spec, prefix, "/")
        assert token.encode() not in result.stdout + result.stderr
        if given:  # every channel of the installed .condarc goes out with the token
            condarc = YAML(typ="safe").load((install.prefix / ".condarc").read_text())
            urls = requests(condarc, platform, {"HOME": "/nonexistent"})
            assert urls and all(f"/t/{token}/" in url for url in urls.values()), urls
        # the version marker is put in place last, only by a post-install that succeeded
        marker = install.prefix / "etc/installer-factory/installer.json"
        assert marker.is_file() == deploys
        assert not marker.with_name("installer.json.pending").exists()
        ran += 1
    assert ran == 4  # linux-64, linux-aarch64, osx-64, osx-arm64


def test_a_marker_alone_needs_no_conda(shell: str, tmp_path: Path) -> None:
    """With a `deploy` section and nothing else to configure, the post-install step only
    moves the version marker into place; it calls no conda, so it needs none."""
    data = {
        "name": "Bare",
        "version": "3",
        "platforms": ["linux-64"],
        "channels": ["conda-forge"],
        "packages": {"specs": {"base": ["python"]}},
        "deploy": {"org": "Acme", "unix": {"prefix": "/opt/bare"}},
    }
    write_tree(tmp_path / "profile", {"profile.yaml": yaml_text(data) + "\n"})
    project = render(tmp_path / "profile" / "profile.yaml", Platform.linux_64)
    install = lay_out(tmp_path / "install", project, conda=None)
    assert install.laid_out == [
        ".condarc",
        "etc/installer-factory/installer.json.pending",
        "pkgs/post_install.sh",
    ]
    result = install.post_install(shell=shell)
    assert result.returncode == 0, result.stderr
    marker = json.loads((install.prefix / "etc/installer-factory/installer.json").read_text())
    assert marker == {"name": "Bare", "platform": "linux-64", "version": "3"}
    assert install.created() == ["etc/installer-factory/installer.json"]
    assert install.calls() == []


def example_scope(profile: Profile, platform: Platform) -> str:
    """install.scope as README's key table derives it when a profile leaves it out
    (the examples do): Linux all_users with a deploy.unix section (the kit installs as
    root); macOS all_users only for a .pkg limited to the local system."""
    given = getattr(profile.install.scope, platform.os.value)
    if given is not None:
        return given
    if platform.os.value == "linux":
        return "all_users" if profile.deploy and profile.deploy.unix else "user"
    domains = profile.install.pkg_domains
    local_only = domains and domains.enable_localSystem and not domains.enable_currentUserHome
    return "all_users" if local_only else "user"


def spec_of(profile: Profile) -> Spec:
    """The Spec a loaded example profile amounts to, for expected_calls."""
    psm = profile.auth.psm
    return Spec(
        name=profile.name,
        version=profile.installer_version,
        ca_certs=bool(profile.ca_certs),
        condarc_ssl_verify=profile.condarc.ssl_verify,
        psm=None
        if psm is None
        else Psm(psm.site, psm.url, psm.oauth2, psm.ssl_verify, dict(psm.settings)),
    )


@pytest.mark.parametrize("platform", UNIX)
def test_hostile_values_reach_conda_literally(
    platform: str, shell: str, tmp_path: Path, cert: bytes
) -> None:
    spec = fixed_hostile_spec()
    install = prepare(tmp_path, spec, cert, Platform(platform))
    assert_success(install.post_install(shell=shell), install, spec)


VARIANTS = {
    **SHARED_VARIANTS,
    "unicode-settings": Spec(
        platforms=UNIX,
        psm=Psm(
            url="https://repo.example.test/ünï/€/😀",
            settings={"greeting": "héllo wörld ☃ 😀 '$(x)'", "cjk": "漢字 `x`"},
        ),
    ),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_profile_variants_make_the_expected_calls(
    variant: str, shell: str, tmp_path: Path, cert: bytes
) -> None:
    spec = VARIANTS[variant]
    install = prepare(tmp_path, spec, cert)
    assert_success(install.post_install(shell=shell), install, spec)


@pytest.mark.parametrize(
    "prefix_name",
    [
        "with space",
        "pre fix $(touch pwned) `touch pwned2` 'q' \"d\" * ? ; & | < > {{x}} %P% !x! \\",
        "new\nline",
        "-starts-with-dash",
    ],
    ids=["space", "shell-specials", "newline", "dash"],
)
def test_hostile_prefix_path(prefix_name: str, shell: str, tmp_path: Path, cert: bytes) -> None:
    spec = fixed_hostile_spec(platforms=UNIX)
    install = prepare(tmp_path, spec, cert, prefix_name=prefix_name)
    assert_success(install.post_install(shell=shell), install, spec)


# --- running: failures ------------------------------------------------------------------

FAIL_SPEC = Spec(psm=Psm(settings={"a": "1", "b": "2"}))
FAIL_STEPS = len(expected_calls(FAIL_SPEC, "/p", "/"))


def assert_failed(result: subprocess.CompletedProcess[bytes], message: bytes) -> None:
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert b"done" not in result.stdout


def test_conda_missing(shell: str, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, conda=False)
    assert_failed(install.post_install(shell=shell), b"conda not found at ")
    assert install.calls() == []


def test_conda_not_executable(shell: str, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert)
    (install.prefix / "bin" / "conda").chmod(0o644)
    assert_failed(install.post_install(shell=shell), b"conda not found at ")
    assert install.calls() == []


@pytest.mark.parametrize("step", range(FAIL_STEPS))
def test_failing_conda_call_stops_the_script(
    step: int, shell: str, tmp_path: Path, cert: bytes
) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert)
    result = install.post_install(shell=shell, RECORDER_EXIT="3", RECORDER_FAIL_AT=str(step))
    assert_failed(result, b"error: ")
    # nothing after the failing call runs
    assert install.calls() == expected_calls(FAIL_SPEC, install.prefix_text, "/")[: step + 1]


@pytest.mark.parametrize("code", ["1", "2", "126", "255"])
def test_any_conda_exit_code_fails_the_script(
    code: str, shell: str, tmp_path: Path, cert: bytes
) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert)
    assert_failed(install.post_install(shell=shell, RECORDER_EXIT=code), b"error: ")
    assert len(install.calls()) == 1


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_prefix_unset(value: str | None, shell: str, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert)
    assert_failed(install.post_install(shell=shell, PREFIX=value), b"PREFIX")
    assert install.calls() == []


def test_bundle_missing(shell: str, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert)
    install.prefix.joinpath(*BUNDLE_PARTS).unlink()  # laid out by extra_files: taken away
    assert_failed(install.post_install(shell=shell), b"CA bundle not found at ")
    assert install.calls() == []  # nothing is half-configured


# --- the macOS .pkg Jinja pass ------------------------------------------------------------


def test_pkg_script_survives_constructor_jinja(tmp_path: Path, cert: bytes) -> None:
    spec = fixed_hostile_spec(platforms=UNIX)
    assert any(s in v for v in spec.psm.settings.values() for s in ("{{", "{%", "{#"))
    project = render(write_profile(tmp_path, spec, cert), Platform.osx_arm64)
    text = project.files[SH_SCRIPT].decode()
    assert pkg_jinja(text) == text


# --- hypothesis: hostile values, executed -------------------------------------------------


@pytest.mark.slow
@needs_dash
@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow])
@given(spec=hostile_spec(ascii_only=False).map(lambda s: Spec(platforms=UNIX, psm=s.psm)))
def test_hostile_profile_values_run_literally(spec: Spec, scratch: Path, cert: bytes) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        project = render(write_profile(root / "profile", spec, cert), Platform.linux_64)
        pkg = render(write_profile(root / "profile", spec, cert), Platform.osx_arm64)
        pkg_text = pkg.files[SH_SCRIPT].decode()
        assert pkg_jinja(pkg_text) == pkg_text
        for shell in SHELLS:
            install = lay_out(root / shell, project)
            assert_success(install.post_install(shell=shell), install, spec)


@needs_dash
@settings(max_examples=examples(100))
@given(value=hostile_text(ascii_only=False, printable=False))
def test_sh_quote_is_one_literal_word(value: str, scratch: Path) -> None:
    quoted = sh_quote(value)
    assert not any(s in quoted for s in ("{{", "{%", "{#"))  # nothing for Jinja to see
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        script = Path(tmp) / "quote.sh"
        # one word: printf repeats its format per extra argument, so a split would show
        script.write_bytes(f"printf '[%s]' {quoted}\n".encode())
        for shell in SHELLS:
            done = run_sh(shell, script, {}, Path(tmp))
            assert done.returncode == 0, done.stderr
            assert done.stdout == b"[" + value.encode() + b"]"


def test_sh_quote_refuses_nul() -> None:
    with pytest.raises(UnsafeValue):
        sh_quote("a\0b")

"""Repository authentication methods besides PSM (auth.anaconda_auth, auth.conda_token,
auth.anon_usage, auth.channel_settings), rendered for every platform and their post-install
steps run for real: .sh in bash and dash, .bat in cmd.exe under wine.

What each method must leave on the machine follows its upstream tool (the facts are in
factory/profiles/auth_methods.py): anaconda-auth's handler is chosen by `channel_settings`
(`auth: anaconda-auth`) and reads ANACONDA_AUTH_API_KEY first; conda-token sets the token
for https://repo.anaconda.cloud/repo/, `add_anaconda_token` and default_channels;
anaconda-anon-usage reads `$CONDA_ROOT/org_token` and wants `anaconda_anon_usage: true
#!final`; conda-auth's `http-basic` takes `username` and `password` from its
`channel_settings` entry. tests/conda_channels.py resolves channels as conda does.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conda_channels import requests
from conftest import examples, needs_wine, write_tree
from constructor_reader import parse, schema_errors
from fake_install import Install, lay_out
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from scripts_support import NOBODY, Wine, as_nobody, render, second_user, wine_path, yaml_text

from factory.leaks.scan import scan_paths
from factory.platforms import Platform
from factory.profiles.auth_methods import ORG_TOKEN_CHARS, SECRET_CHARS
from factory.profiles.load import load_profile
from factory.render.project import render_project

ART = "https://art.corp.example/artifactory/api/conda/"
ART_GLOB = ART + "*"
API_KEY_FILE = ("etc", "installer-factory", "anaconda-auth", "api_key")
ANACONDA_AUTH_YML = ("condarc.d", "installer-factory-anaconda-auth.yml")
HTTP_BASIC_YML = ("condarc.d", "installer-factory-channel-settings.yml")
ENFORCED = ("condarc.d", "00-installer-factory.yml")
ACTIVATE = ("etc", "conda", "activate.d", "installer-factory-anaconda-auth.sh")
DEACTIVATE = ("etc", "conda", "deactivate.d", "installer-factory-anaconda-auth.sh")
ENV = {"api": "ACME_API_KEY", "org": "ACME_ORG_TOKEN", "art": "ACME_ART_PASSWORD"}
safe = YAML(typ="safe")


def profile_data(platforms: list[str], scope: str | None = None, install: str = "deploy") -> Any:
    """Every method at once; secrets handed over at deploy time in variables (or baked)."""

    def token(url: str, env: str) -> dict[str, Any]:
        out: dict[str, Any] = {"url": url, "install": install}
        if install == "bake":
            out["env"] = "BUILD_" + env
        else:
            out["deploy"] = {"env": env}
        if scope == "all_users":
            out["shared"] = True
        return out

    data: dict[str, Any] = {
        "name": "Auth",
        "version": "1",
        "platforms": platforms,
        "installer_types": {"osx": ["sh"]},
        "channels": [ART + "main"],
        "condarc": {"channels": [ART + "main", "defaults"]},
        "packages": {
            "specs": {
                "base": ["python", "conda", "anaconda-auth", "anaconda-anon-usage", "conda-auth"]
            }
        },
        "tokens": {
            "api": token("https://anaconda.com/", ENV["api"]),
            "org": token("https://anaconda.com/", ENV["org"]),
            "art": token(ART, ENV["art"]),
            "ce": token("https://repo.anaconda.cloud/repo/", "ACME_CE_TOKEN"),
        },
        "auth": {
            "anaconda_auth": {"org": "acme", "api_key": "api"},
            "conda_token": {"token": "ce", "archive_channels": ["free"]},
            "anon_usage": {"org_token": "org"},
            "channel_settings": [{"channel": ART_GLOB, "username": "svc-conda", "password": "art"}],
        },
    }
    if scope is not None:
        data["install"] = {"scope": {"linux": scope, "osx": scope, "win": scope}}
    return data


def write_profile(root: Path, data: Any) -> Path:
    return write_tree(root, {"profile.yaml": yaml_text(data) + "\n"}) / "profile.yaml"


def secrets() -> dict[str, str]:
    """Fresh, distinctive values, each as its tool takes it."""
    return {
        "api": "eyJhbGciOi." + os.urandom(12).hex() + "_k-" + os.urandom(4).hex(),
        "org": "org_" + os.urandom(8).hex(),
        "art": "art." + os.urandom(12).hex(),
        "ce": "ce-" + os.urandom(12).hex(),
    }


def variables(values: dict[str, str]) -> dict[str, str]:
    return {**{ENV[k]: v for k, v in values.items() if k in ENV}, "ACME_CE_TOKEN": values["ce"]}


def read_yaml(path: Path) -> Any:
    return safe.load(path.read_text(encoding="utf-8"))


def expected_settings(password: str) -> list[dict[str, str]]:
    return [
        {"channel": ART_GLOB, "auth": "http-basic", "username": "svc-conda", "password": password}
    ]


# --- every platform ----------------------------------------------------------------------


@pytest.mark.parametrize("platform", list(Platform), ids=[p.value for p in Platform])
def test_every_method_renders_on_every_platform(platform: Platform, tmp_path: Path) -> None:
    data = profile_data([platform.value])
    project = render(write_profile(tmp_path, data), platform)
    construct = parse(project.files["construct.yaml"].decode())
    assert schema_errors(construct) == []
    lay_out(tmp_path / "install", project)  # asserts constructor's build-time rules
    condarc = safe.load(construct["condarc"])
    # what `conda token set --system` sets (anaconda-auth's _conda/repo_config.py)
    assert condarc["default_channels"] == [
        "https://repo.anaconda.cloud/repo/" + c for c in ("main", "r", "msys2", "free")
    ]
    assert condarc["add_anaconda_token"] is True
    enforced = project.files["condarc-enforced.yml"].decode()
    assert "anaconda_anon_usage: true  #!final\n" in enforced
    script = project.files[project.plan.post_install or ""].decode()
    for env in ENV.values():
        assert env in script
    sources = [s for e in construct["extra_files"] for s in e]
    suffixes = (".bat", ".ps1") if platform.os.value == "win" else (".sh",)
    for folder in ("activate.d", "deactivate.d"):
        for suffix in suffixes:
            assert f"auth/{folder}/installer-factory-anaconda-auth{suffix}" in sources


def test_conda_token_rides_on_the_default_channels(tmp_path: Path) -> None:
    """The conda-token token is an ordinary installed token: /t/ on each default channel."""
    project = render(write_profile(tmp_path, profile_data(["linux-64"])), Platform.linux_64)
    install = lay_out(tmp_path / "i", project)
    values = secrets()
    result = install.post_install(shell="bash", **variables(values))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    condarc = read_yaml(install.prefix / ".condarc")
    urls = requests(condarc, "linux-64", {"HOME": "/nonexistent"})
    anaconda = {k: v for k, v in urls.items() if "repo.anaconda.cloud" in v}
    assert len(anaconda) == 4
    assert all(f"/t/{values['ce']}/" in url for url in anaconda.values())
    assert all("/t/" not in url for k, url in urls.items() if k not in anaconda)


# --- Linux and macOS ----------------------------------------------------------------------


def unix_install(
    root: Path, scope: str | None = None, install: str = "deploy", **kw: Any
) -> Install:
    data = profile_data(["linux-64"], scope, install)
    project = render(write_profile(root / "profile", data), Platform.linux_64)
    return lay_out(root, project, **kw)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_written(install: Install, values: dict[str, str], secret_mode: int) -> None:
    prefix = install.prefix
    assert prefix.joinpath(*API_KEY_FILE).read_text() == values["api"] + "\n"
    assert prefix.joinpath("org_token").read_text() == values["org"] + "\n"
    assert read_yaml(prefix.joinpath(*HTTP_BASIC_YML))["channel_settings"] == expected_settings(
        values["art"]
    )
    assert read_yaml(prefix.joinpath(*ANACONDA_AUTH_YML)) == {
        "channel_settings": [
            {"channel": "https://repo.anaconda.cloud/repo/acme/*", "auth": "anaconda-auth"}
        ]
    }
    for parts in (API_KEY_FILE, ("org_token",), HTTP_BASIC_YML):
        assert mode(prefix.joinpath(*parts)) == secret_mode, parts
    assert mode(prefix.joinpath(*ANACONDA_AUTH_YML)) == 0o644


def holding(root: Path, value: str, skip: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and skip not in p.parents and value.encode() in p.read_bytes()
    )


def test_deploy_time_secrets_land_in_their_files(shell: str, tmp_path: Path) -> None:
    install = unix_install(tmp_path)
    values = secrets()
    result = install.post_install(shell=shell, **variables(values))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert_written(install, values, 0o600)
    for key, where in (("api", API_KEY_FILE), ("org", ("org_token",)), ("art", HTTP_BASIC_YML)):
        assert holding(tmp_path, values[key], install.project_dir) == ["/".join(("prefix", *where))]
        assert values[key].encode() not in result.stdout + result.stderr
    assert install.calls() == []  # no tool ran: printf is a builtin
    made = set(install.created())
    assert {"/".join(API_KEY_FILE), "org_token", "/".join(HTTP_BASIC_YML)} <= made
    assert "/".join(ENFORCED) in made


def test_baked_secrets_are_moved_out_of_the_installer(shell: str, tmp_path: Path) -> None:
    values = secrets()
    data = profile_data(["linux-64"], install="bake")
    project = render(write_profile(tmp_path / "profile", data), Platform.linux_64)
    staged = {f"tokens/{k}.token": (v + "\n").encode() for k, v in values.items()}
    install = lay_out(tmp_path, project, build_files=staged)
    result = install.post_install(shell=shell)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert_written(install, values, 0o600)
    assert not list(install.prefix.joinpath("etc", "installer-factory", "tokens").iterdir())


def test_unattended_without_a_secret_fails_attended_warns(shell: str, tmp_path: Path) -> None:
    install = unix_install(tmp_path)
    values = secrets()
    given = {k: v for k, v in variables(values).items() if k != ENV["art"]}
    result = install.post_install(shell=shell, **given)
    assert result.returncode == 1
    assert b"secret art: none given to this unattended install" in result.stderr
    assert not install.prefix.joinpath(*HTTP_BASIC_YML).exists()

    install = unix_install(tmp_path / "attended")
    attended = install.post_install(shell=shell, unattended=False, **given)
    assert attended.returncode == 0, attended.stderr
    assert b"warning: secret art not installed" in attended.stdout
    assert not install.prefix.joinpath(*HTTP_BASIC_YML).exists()
    assert install.prefix.joinpath(*API_KEY_FILE).exists()


def test_activation_exports_the_api_key(shell: str, tmp_path: Path) -> None:
    """What conda's activation runs from activate.d/deactivate.d, sourced by the shell."""
    install = unix_install(tmp_path)
    values = secrets()
    assert install.post_install(shell=shell, **variables(values)).returncode == 0
    on, off = install.prefix.joinpath(*ACTIVATE), install.prefix.joinpath(*DEACTIVATE)
    probe = (
        f'. "{on}"; printf "[%s]" "${{ANACONDA_AUTH_API_KEY:-}}"; '
        f'. "{off}"; printf "[%s]" "${{ANACONDA_AUTH_API_KEY:-}}"'
    )
    env = {"PATH": "/usr/bin:/bin", "CONDA_PREFIX": str(install.prefix)}
    run = subprocess.run([shell, "-c", probe], env=env, capture_output=True, check=False)
    assert run.stdout.decode() == f"[{values['api']}][]", run.stderr
    own = subprocess.run(
        [shell, "-c", probe], env={**env, "ANACONDA_AUTH_API_KEY": "mine"}, capture_output=True
    )
    assert own.stdout.decode() == "[mine][mine]"  # a key the user set is left alone


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.one_of(_TEXT, st.text(st.sampled_from(SECRET_CHARS), max_size=40)),
    org=st.one_of(_TEXT, st.text(st.sampled_from(ORG_TOKEN_CHARS), max_size=40)),
)
def test_any_secret_is_written_exactly_or_refused(key: str, org: str, scratch: Path) -> None:
    key, org = "Ak9q" + key, "Og7w" + org  # distinctive, so "not in the output" means something
    bash = shutil.which("bash")
    assert bash is not None
    values = {**secrets(), "api": key, "org": org}
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        install = unix_install(Path(tmp))
        result = install.post_install(shell=bash, **variables(values))
        key_ok = len(key) >= 8 and all(c in SECRET_CHARS for c in key)
        org_ok = 8 <= len(org) <= 36 and all(c in ORG_TOKEN_CHARS for c in org)
        if key_ok and org_ok:
            assert result.returncode == 0, result.stderr
            assert_written(install, values, 0o600)
        else:
            assert result.returncode == 1
            assert b": refused: " in result.stderr
            assert not install.prefix.joinpath(*API_KEY_FILE).exists()
            assert not install.prefix.joinpath("org_token").exists()
        assert key.encode() not in result.stdout + result.stderr
        assert org.encode() not in result.stdout + result.stderr


def test_scan_finds_installed_secrets_and_no_log_holds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = secrets()
    for name, value in values.items():
        monkeypatch.setenv("BUILD_" + (ENV.get(name) or "ACME_CE_TOKEN"), value)
    written = write_profile(tmp_path / "profile", profile_data(["linux-64"], install="bake"))
    loaded = load_profile(written)
    project = render_project(loaded, Platform.linux_64)
    assert not any(v.encode() in data for data in project.files.values() for v in values.values())
    staged = {f"tokens/{k}.token": (v + "\n").encode() for k, v in values.items()}
    install = lay_out(tmp_path, project, build_files=staged)
    result = install.post_install(shell="bash")
    assert result.returncode == 0, result.stderr
    log = tmp_path / "post-install.log"
    log.write_bytes(result.stdout + result.stderr)
    known = {k: v.encode() for k, v in values.items()}
    assert scan_paths([log], known).findings == []
    found = scan_paths([install.prefix], known, shapes=False).findings
    places = {f.file for f in found}
    for parts in (API_KEY_FILE, ("org_token",), HTTP_BASIC_YML, (".condarc",)):
        assert str(install.prefix.joinpath(*parts)) in places, parts


# --- shared installs: read by another account --------------------------------------------


@second_user
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_a_second_user_gets_the_secrets_of_a_shared_install(shell: str, scope: str) -> None:
    """Installed as root under a strict umask; a second account (its own HOME, no groups)
    then reads what its conda and tools would read, and activates the base environment."""
    with tempfile.TemporaryDirectory(prefix="if-auth-", dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        install = unix_install(root, scope)
        root_home, other_home = root / "root-home", root / "other-home"
        root_home.mkdir(mode=0o700)
        other_home.mkdir()
        os.chown(other_home, NOBODY, NOBODY)
        values = secrets()
        before = os.umask(0o077)
        try:
            result = install.post_install(shell=shell, HOME=str(root_home), **variables(values))
        finally:
            os.umask(before)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert not list(root_home.iterdir())  # nothing in the installing account's home
        shared = scope == "all_users"
        assert_written(install, values, 0o644 if shared else 0o600)
        prefix = install.prefix
        activate = f'. "{prefix.joinpath(*ACTIVATE)}"; printf "%s" "${{ANACONDA_AUTH_API_KEY:-}}"'
        seen = as_nobody(shell, "-c", activate, home=other_home, CONDA_PREFIX=str(prefix))
        assert seen.returncode == 0, seen.stderr
        # no secret in these, but a per-user install is the installing account's own (its
        # folders keep the umask it ran under); an all-users one makes them 0755/0644
        for parts in (ANACONDA_AUTH_YML, ENFORCED):
            read = as_nobody("cat", str(prefix.joinpath(*parts)), home=other_home)
            assert (read.returncode == 0) is shared, read.stderr
        for key, parts in (("org", ("org_token",)), ("art", HTTP_BASIC_YML)):
            read = as_nobody("cat", str(prefix.joinpath(*parts)), home=other_home)
            assert (read.returncode == 0) is shared, read.stderr
            assert (values[key].encode() in read.stdout) is shared
        if shared:
            assert seen.stdout.decode() == values["api"]
        else:
            assert seen.stdout == b""


# --- Windows, in cmd.exe under wine ---------------------------------------------------------

CMD_SPECIALS = '&|<>()^" ;,='


def windows_install(root: Path, wine: Wine, recorder: Path, scope: str | None = None) -> Install:
    data = profile_data(["win-64"], scope)
    project = render(write_profile(root / "profile", data), Platform.win_64)
    install = lay_out(root, project, wine=wine, conda=recorder.read_bytes())
    write_tree(root / "tools", {"icacls.exe": recorder.read_bytes()})
    return install


def run_bat(install: Install, **env: str) -> subprocess.CompletedProcess[bytes]:
    return install.post_install(WINEPATH=wine_path(install.root / "tools"), **env)


def icacls(install: Install, parts: tuple[str, ...], shared: bool) -> list[str]:
    return [
        wine_path(install.prefix.joinpath(*parts)),
        "/inheritance:r",
        "/grant:r",
        "*S-1-5-18:(F)",
        "*S-1-5-32-544:(F)",
        "*S-1-3-4:(F)",
        *(["*S-1-5-32-545:(R)"] if shared else []),
    ]


@needs_wine
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_windows_secrets_land_in_their_files(
    wine: Wine, recorder: Path, tmp_path: Path, scope: str
) -> None:
    install = windows_install(tmp_path, wine, recorder, scope)
    values = secrets()
    result = run_bat(install, **variables(values))
    assert result.returncode == 0, result.stdout + result.stderr
    prefix = install.prefix
    assert prefix.joinpath(*API_KEY_FILE).read_bytes() == values["api"].encode() + b"\r\n"
    assert prefix.joinpath("org_token").read_bytes() == values["org"].encode() + b"\r\n"
    assert read_yaml(prefix.joinpath(*HTTP_BASIC_YML))["channel_settings"] == expected_settings(
        values["art"]
    )
    assert read_yaml(prefix.joinpath(*ANACONDA_AUTH_YML))["channel_settings"][0]["auth"] == (
        "anaconda-auth"
    )
    shared = scope == "all_users"
    # the .condarc holding conda-token's token, the secrets' files, then condarc.enforce's
    # file (factory/render/enforce_step.py); never the anaconda-auth file, which holds none
    held = ((".condarc",), API_KEY_FILE, ("org_token",), HTTP_BASIC_YML)
    calls = install.calls()
    assert calls[: len(held)] == [icacls(install, parts, shared) for parts in held]
    assert [c[0] for c in calls[len(held) :]] == [wine_path(prefix.joinpath(*ENFORCED))]
    for value in values.values():
        assert value.encode() not in result.stdout + result.stderr


@needs_wine
def test_windows_activation_sets_the_api_key(wine: Wine, recorder: Path, tmp_path: Path) -> None:
    install = windows_install(tmp_path, wine, recorder)
    values = secrets()
    assert run_bat(install, **variables(values)).returncode == 0
    probe = tmp_path / "probe.bat"
    on = "\\".join(("etc", "conda", "activate.d", "installer-factory-anaconda-auth.bat"))
    off = on.replace("activate.d", "deactivate.d")
    probe.write_bytes(
        (
            "@echo off\r\n"
            f'call "%CONDA_PREFIX%\\{on}"\r\n'
            "echo [%ANACONDA_AUTH_API_KEY%]\r\n"
            f'call "%CONDA_PREFIX%\\{off}"\r\n'
            "echo [%ANACONDA_AUTH_API_KEY%]\r\n"
        ).encode()
    )
    run = wine.cmd(
        ["/D", "/C", wine_path(probe)], {"CONDA_PREFIX": wine_path(install.prefix)}, tmp_path
    )
    lines = run.stdout.decode().split()
    assert lines[:2] == [f"[{values['api']}]", "[%ANACONDA_AUTH_API_KEY%]"] or lines[:2] == [
        f"[{values['api']}]",
        "[]",
    ], run.stdout


@pytest.mark.slow
@needs_wine
@settings(max_examples=examples(20), suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.sampled_from(SECRET_CHARS + CMD_SPECIALS), min_size=1, max_size=50))
def test_windows_secrets_are_written_exactly_or_refused(
    value: str, wine: Wine, recorder: Path, scratch: Path
) -> None:
    value = "Pw3x" + value
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        install = windows_install(Path(tmp), wine, recorder)
        values = {**secrets(), "art": value}
        result = run_bat(install, **variables(values))
        written = install.prefix.joinpath(*HTTP_BASIC_YML)
        if len(value) >= 8 and all(c in SECRET_CHARS for c in value):
            assert result.returncode == 0, result.stdout + result.stderr
            assert read_yaml(written)["channel_settings"] == expected_settings(value)
        else:
            assert result.returncode == 1, result.stdout + result.stderr
            assert b"secret art: refused" in result.stderr
            assert not written.exists()
            assert install.created() == []  # refused before anything is written
        assert value.encode() not in result.stdout + result.stderr


# --- the build ----------------------------------------------------------------------------


def test_the_build_bakes_secrets_by_their_own_rules(tmp_path: Path) -> None:
    """A baked API key may hold `.` and `_`, which a /t/ token may not; what the post-install
    step would refuse stops the build instead, without repeating the value."""
    from factory.builds.job import baked_tokens
    from factory.errors import InputError

    written = write_profile(tmp_path, profile_data(["linux-64"], install="bake"))
    loaded = load_profile(written)
    values = secrets()
    assert baked_tokens(loaded, values) == values
    bad = {**values, "org": "org." + os.urandom(8).hex()}  # anon-usage takes no `.`
    with pytest.raises(InputError, match=r"auth\.anon_usage\.org_token") as refused:
        baked_tokens(loaded, bad)
    assert bad["org"] not in str(refused.value)
    bad = {**values, "ce": "ce_" + os.urandom(8).hex()}  # a /t/ token takes no `_`
    with pytest.raises(InputError, match="only letters, digits and -"):
        baked_tokens(loaded, bad)


def test_a_pkg_script_survives_constructors_jinja_pass(tmp_path: Path) -> None:
    from fake_install import pkg_jinja

    data = {**profile_data(["osx-arm64"]), "installer_types": {"osx": ["pkg"]}}
    project = render(write_profile(tmp_path, data), Platform.osx_arm64)
    script = project.files["post_install.sh"].decode()
    assert "auth_secret_1" in script
    assert pkg_jinja(script) == script


def test_the_deploy_kits_hand_over_the_secrets_like_tokens(tmp_path: Path) -> None:
    """The kits take every deploy-time `tokens:` entry (/TokenFile, --token-file, Jamf
    parameters, Ansible); only conda-token's token rides in the .condarc they check."""
    from factory.deploy.facts import deploy_facts

    data = {**profile_data(["linux-64"], "all_users"), "deploy": {"org": "acme"}}
    data["deploy"]["unix"] = {"prefix": "/opt/acme/ds"}
    loaded = load_profile(write_profile(tmp_path, data))
    facts = deploy_facts(loaded.profile, Platform.linux_64, False)
    assert {t.name: t.env for t in facts.tokens} == {**ENV, "ce": "ACME_CE_TOKEN"}
    assert facts.condarc_tokens == ["https://repo.anaconda.cloud/repo/t/"]


def test_a_build_bakes_the_secrets_and_no_output_holds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    """`build` with the recording constructor (tests/standins/constructor): the secrets go
    into the installer where the post-install step picks them up, never into conda's token
    folder for the build (they are not /t/ tokens), the log, the report or the project."""
    from factory.builds.host import host_platform

    built = host_platform()
    if built is None or built.os.value == "win":
        pytest.skip("this host builds no .sh installer")
    standins = Path(__file__).parent / "standins"
    monkeypatch.setenv("PATH", f"{standins}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    values = secrets()
    for name, value in values.items():
        monkeypatch.setenv("BUILD_" + (ENV.get(name) or "ACME_CE_TOKEN"), value)
    monkeypatch.chdir(tmp_path)
    write_profile(tmp_path, profile_data([built.value], install="bake"))
    result = cli("build", "profile.yaml", "--output", "out")
    assert result.code == 0, result.err
    records = sorted((tmp_path / "records").glob("call-*.json"))
    call = safe.load(records[0].read_text())
    # conda-token's repository token only, filed under its URL as conda reads it
    assert list(call["binstar"]) == ["data/https%3A%2F%2Frepo.anaconda.cloud%2Frepo%2F.token"]
    known = {f"tokens.{k}": v.encode() for k, v in values.items()}
    for value in values.values():
        assert value not in result.out + result.err
    out = tmp_path / "out" / "Auth" / built.value
    others = [p for p in out.iterdir() if p.suffix != ".sh"]
    assert scan_paths(others, known).findings == []
    installer = scan_paths([p for p in out.iterdir() if p.suffix == ".sh"], known, shapes=False)
    assert {f.kind for f in installer.findings} == {f"token {k}" for k in known}
    assert all(f.member and "tokens/" in f.member for f in installer.findings)

"""`condarc.enforce`: settings a user-level condarc cannot override, on installed machines
(the render itself: tests/test_condarc_enforce_render.py).

The render ships the enforced keys in a file of their own, each marked `#!final`; the
post-install step (run for real: bash and dash, cmd.exe under wine) adds the installed CA
bundle's `ssl_verify` when that is enforced, sets who may read the file and moves it to
`<prefix>/condarc.d/00-installer-factory.yml`. tests/conda_config.py then reads the
installation as conda does (search path, `#!final`, merge) with a user's own condarc in
each place conda looks: the enforced keys keep the installation's values, the others take
the user's. The same install without `enforce` shows the user's values win there, so the
reader is not simply echoing the installation.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conda_config import read_config
from conftest import write_tree
from constructor_reader import parse
from fake_install import Install, lay_out
from ruamel.yaml import YAML
from scripts_support import NOBODY, Wine, as_nobody, render, second_user, wine_path, yaml_text

from factory.platforms import Platform
from factory.profiles.enforce import ENFORCED_RELPATH, ENFORCED_STAGED_RELPATH

CHANNELS = ["https://mirror.example.test/conda/main", "https://mirror.example.test/conda/extra"]
PROXIES = {"http": "http://proxy.example.test:3128", "https": "http://proxy.example.test:3129"}
ENFORCE = [
    "channels",
    "channel_priority",
    "ssl_verify",
    "proxy_servers",
    "auto_update_conda",
    "override_channels_enabled",  # else --override-channels -c skips `channels`
]
# what a user writes into their own condarc: a different value for every key
USER_CONDARC = {
    "channels": ["https://elsewhere.example.test/conda"],
    "channel_priority": "disabled",
    "ssl_verify": False,
    "proxy_servers": {"http": "http://user.example.test:1", "https": "http://user.example.test:2"},
    "auto_update_conda": True,
    "override_channels_enabled": True,
    "report_errors": True,  # not enforced: the user's value wins
}
BUNDLE = ("etc", "installer-factory", "ca-bundle.pem")
FINAL = "/".join(ENFORCED_RELPATH)
# a blank, a quote and an ampersand: the path goes into YAML (and cmd's echo) in the script
PREFIX_NAME = "pre fix's & co"


def write_profile(
    root: Path,
    platforms: list[Platform],
    cert: bytes,
    *,
    enforce: list[str] | None = None,
    scope: str | None = None,
) -> Path:
    data: dict[str, Any] = {
        "name": "Enf",
        "version": "1",
        "platforms": [p.value for p in platforms],
        "channels": ["conda-forge"],
        "packages": {"specs": {"base": ["python", "conda"]}},
        "ca_certs": {"root": "root-ca.pem"},
        "condarc": {
            "channels": CHANNELS,
            "proxy_servers": PROXIES,
            "settings": {"auto_update_conda": False, "override_channels_enabled": False},
            "enforce": ENFORCE if enforce is None else enforce,
        },
    }
    if scope is not None:
        data["install"] = {"scope": {"linux": scope, "osx": scope, "win": scope}}
    files = {"root-ca.pem": cert, "profile.yaml": yaml_text(data) + "\n"}
    return write_tree(root, files) / "profile.yaml"


def shipped_condarc(project_files: dict[str, bytes]) -> dict[str, Any]:
    construct = parse(project_files["construct.yaml"].decode())
    return dict(YAML(typ="safe").load(construct["condarc"]))


def expected(install: Install) -> dict[str, Any]:
    """The installation's own values for the enforced keys."""
    shipped = shipped_condarc(
        {"construct.yaml": (install.project_dir / "construct.yaml").read_bytes()}
    )
    bundle = install.prefix_text + ("\\" if install.kind == "EXE" else "/")
    bundle += ("\\" if install.kind == "EXE" else "/").join(BUNDLE)
    return {
        "channels": shipped["channels"],
        "channel_priority": shipped["channel_priority"],
        "ssl_verify": bundle,
        "proxy_servers": shipped["proxy_servers"],
        "auto_update_conda": shipped["auto_update_conda"],
        "override_channels_enabled": shipped["override_channels_enabled"],
    }


def user_places(home: Path, root: Path) -> dict[str, tuple[Path, dict[str, str], Path | None]]:
    """Every user-level place conda reads: (file, environment, target prefix)."""
    env_prefix = root / "envs" / "work"
    base = {"HOME": str(home)}
    xdg = root / "xdg"
    return {
        "home": (home / ".condarc", base, None),
        "dot-conda": (home / ".conda" / ".condarc", base, None),
        "config-conda": (home / ".config" / "conda" / "condarc", base, None),
        "xdg": (xdg / "conda" / ".condarc", {**base, "XDG_CONFIG_HOME": str(xdg)}, None),
        "condarc-variable": (root / "mine.yml", {**base, "CONDARC": str(root / "mine.yml")}, None),
        "environment": (env_prefix / ".condarc", base, env_prefix),
    }


def effective(install: Install, place: str, home: Path) -> dict[str, Any]:
    """What conda run from the installation reads, with the user's condarc at `place`."""
    path, environ, target = user_places(home, install.root)[place]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml_text(USER_CONDARC) + "\n", encoding="utf-8")
    try:
        config = read_config(install.prefix, environ, target_prefix=target)
        assert path in config.files, config.files
        return config.values([*USER_CONDARC])
    finally:
        path.unlink()


# --- Linux and macOS: the post-install in bash and dash --------------------------------------


def sh_install(
    root: Path,
    cert: bytes,
    scope: str,
    enforce: list[str] | None = None,
    platform: Platform = Platform.linux_64,
) -> Install:
    """Installed by the platform's first installer type: .sh on Linux, .pkg on macOS."""
    profile = write_profile(root / "profile", [platform], cert, enforce=enforce, scope=scope)
    return lay_out(root, render(profile, platform), prefix_name=PREFIX_NAME)


PLACES = ["home", "dot-conda", "config-conda", "xdg", "condarc-variable", "environment"]


@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_a_user_condarc_cannot_override_enforced_keys(
    tmp_path: Path, cert: bytes, shell: str, scope: str
) -> None:
    install = sh_install(tmp_path, cert, scope)
    before = os.umask(0o077)  # a strict umask, as management tools often have
    try:
        result = install.post_install(shell=shell, HOME=str(tmp_path / "root-home"))
    finally:
        os.umask(before)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    final = install.prefix / FINAL
    assert install.created() == [FINAL]  # moved from its staged place, nothing else made
    assert not install.prefix.joinpath(*ENFORCED_STAGED_RELPATH).exists()
    mode = stat.S_IMODE(final.stat().st_mode)
    assert mode == (0o644 if scope == "all_users" else 0o600)
    if scope == "all_users":
        assert stat.S_IMODE(final.parent.stat().st_mode) == 0o755
    want = expected(install)
    home = tmp_path / "user-home"
    for place in PLACES:
        seen = effective(install, place, home)
        assert {k: seen[k] for k in want} == want, place
        assert seen["report_errors"] is True, place  # not enforced: the user's value


def test_a_pkg_install_enforces_the_keys_too(tmp_path: Path, cert: bytes) -> None:
    """A .pkg runs the script after constructor's Jinja pass, through its #! line."""
    install = sh_install(tmp_path, cert, "user", platform=Platform.osx_arm64)
    assert install.kind == "PKG"
    result = install.post_install(HOME=str(tmp_path / "root-home"))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert install.created() == [FINAL]
    want = expected(install)
    for place in PLACES:
        seen = effective(install, place, tmp_path / "user-home")
        assert {k: seen[k] for k in want} == want, place
        assert seen["report_errors"] is True, place


def test_without_enforce_the_user_condarc_wins(tmp_path: Path, cert: bytes, shell: str) -> None:
    """The control: the same install with nothing enforced takes the user's values."""
    install = sh_install(tmp_path, cert, "user", enforce=[])
    result = install.post_install(shell=shell, HOME=str(tmp_path / "root-home"))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert not (install.prefix / FINAL).exists()
    seen = effective(install, "home", tmp_path / "user-home")
    assert seen["channel_priority"] == "disabled"
    assert seen["ssl_verify"] is False
    assert seen["auto_update_conda"] is True
    assert seen["proxy_servers"] == USER_CONDARC["proxy_servers"]
    assert seen["channels"][0] == USER_CONDARC["channels"][0]  # a user's channels come first


def test_what_conda_root_and_conda_prefix_set_by_a_user_do(
    tmp_path: Path, cert: bytes, shell: str
) -> None:
    """The limit (README). conda takes $CONDA_ROOT from the environment when it is set
    (conda/__init__.py); unactivated, its target prefix is still the installation
    (`Context.default_prefix`), read as $CONDA_PREFIX after the user's files, where the
    final scalars still win. A user who also sets CONDA_PREFIX elsewhere reads neither."""
    install = sh_install(tmp_path, cert, "all_users")
    result = install.post_install(shell=shell, HOME=str(tmp_path / "root-home"))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    home = tmp_path / "user-home"
    (home / ".condarc").parent.mkdir(parents=True)
    (home / ".condarc").write_text(yaml_text(USER_CONDARC) + "\n", encoding="utf-8")
    elsewhere = str(tmp_path / "elsewhere")
    want = expected(install)

    root_only = read_config(install.prefix, {"HOME": str(home), "CONDA_ROOT": elsewhere})
    assert root_only.files[0] == home / ".condarc"
    scalars = ["channel_priority", "ssl_verify", "auto_update_conda", "override_channels_enabled"]
    assert root_only.values(scalars) == {k: want[k] for k in scalars}
    assert root_only.value("channels")[: len(CHANNELS)] == CHANNELS

    both = {"HOME": str(home), "CONDA_ROOT": elsewhere, "CONDA_PREFIX": elsewhere}
    config = read_config(install.prefix, both)
    assert config.files == [home / ".condarc"]
    assert config.values(list(USER_CONDARC)) == USER_CONDARC


def test_a_missing_enforced_file_fails_the_install(tmp_path: Path, cert: bytes, shell: str) -> None:
    install = sh_install(tmp_path, cert, "user")
    install.prefix.joinpath(*ENFORCED_STAGED_RELPATH).unlink()
    result = install.post_install(shell=shell, HOME=str(tmp_path / "root-home"))
    assert result.returncode != 0
    assert b"condarc-enforced.yml.pending not found" in result.stderr


@second_user
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_a_second_user_gets_the_enforced_settings(cert: bytes, shell: str, scope: str) -> None:
    """Installed as root under a strict umask; an unprivileged account with its own HOME and
    its own ~/.condarc reads the installation (tests/test_tokens_install.py, same pattern)."""
    with tempfile.TemporaryDirectory(prefix="if-enforce-", dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        install = sh_install(root, cert, scope)
        root_home, other_home = root / "root-home", root / "other-home"
        root_home.mkdir(mode=0o700)
        other_home.mkdir()
        os.chown(other_home, NOBODY, NOBODY)
        before = os.umask(0o077)
        try:
            result = install.post_install(shell=shell, HOME=str(root_home))
        finally:
            os.umask(before)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        final = install.prefix / FINAL
        read = as_nobody("cat", str(final), home=other_home)
        if scope == "user":
            assert read.returncode != 0
            assert b"Permission denied" in read.stderr
            return
        assert read.returncode == 0, read.stderr
        assert read.stdout == final.read_bytes()
        listed = as_nobody("ls", str(final.parent), home=other_home)
        assert listed.stdout.split() == [final.name.encode()]
        own = other_home / ".condarc"
        own.write_text(yaml_text(USER_CONDARC) + "\n", encoding="utf-8")
        os.chown(own, NOBODY, NOBODY)
        config = read_config(install.prefix, {"HOME": str(other_home)})
        assert other_home / ".condarc" in config.files
        want = expected(install)
        assert config.values(list(want)) == want
        assert config.value("report_errors") is True


# --- Windows: the post-install in cmd.exe under wine -----------------------------------------


def bat_install(root: Path, cert: bytes, wine: Wine, recorder: Path, scope: str) -> Install:
    profile = write_profile(root / "profile", [Platform.win_64], cert, scope=scope)
    exe = recorder.read_bytes()
    # icacls is wine's no-op stub, so a recording icacls.exe first on PATH shows the call
    write_tree(root / "tools", {"icacls.exe": exe})
    return lay_out(
        root, render(profile, Platform.win_64), prefix_name=PREFIX_NAME, conda=exe, wine=wine
    )


@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_windows_enforces_the_keys_and_sets_who_reads_them(
    tmp_path: Path, cert: bytes, wine: Wine, recorder: Path, scope: str
) -> None:
    install = bat_install(tmp_path, cert, wine, recorder, scope)
    result = install.post_install(WINEPATH=wine_path(tmp_path / "tools"))
    assert result.returncode == 0, result.stdout + result.stderr
    final = install.prefix / FINAL
    assert final.is_file()
    assert FINAL in install.created()
    assert not install.prefix.joinpath(*ENFORCED_STAGED_RELPATH).exists()
    grants = ["*S-1-5-18:(F)", "*S-1-5-32-544:(F)", "*S-1-3-4:(F)"]
    if scope == "all_users":
        grants.append("*S-1-5-32-545:(R)")
    icacls = [c for c in install.calls() if c and c[0] == wine_path(final)]
    assert icacls == [[wine_path(final), "/inheritance:r", "/grant:r", *grants]]
    want = expected(install)
    for place in PLACES:
        seen = effective(install, place, tmp_path / "user-home")
        assert {k: seen[k] for k in want} == want, place
        assert seen["report_errors"] is True, place


def test_a_missing_enforced_file_fails_the_windows_install(
    tmp_path: Path, cert: bytes, wine: Wine, recorder: Path
) -> None:
    install = bat_install(tmp_path, cert, wine, recorder, "user")
    install.prefix.joinpath(*ENFORCED_STAGED_RELPATH).unlink()
    result = install.post_install(WINEPATH=wine_path(tmp_path / "tools"))
    assert result.returncode != 0
    assert b'condarc-enforced.yml.pending" not found' in result.stderr
    assert not (install.prefix / FINAL).exists()

"""Installed repository tokens: the generated post-install scripts, run for real.

A token is baked (the build puts it in the project as the extra file construct.yaml names,
and the installer carries it) or given at deploy time (an environment variable or a file
the desktop management system provides). Either way it must end up in exactly one place:
the prefix's `.condarc`, as the `/t/<token>` part of the channel URL that conda resolves
the profile's channels through, where every conda run from the prefix finds it, activated
or not. tests/conda_channels.py resolves channels as conda does, to show the URL conda
requests. Projects are installed by tests/fake_install.py; the scripts run in bash and
dash, and in cmd.exe under wine.
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
from fake_install import Install, lay_out
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from scripts_support import NOBODY, Wine, as_nobody, render, second_user, wine_path, yaml_text

from factory.leaks.scan import scan_paths
from factory.platforms import Platform
from factory.profiles.fields import GroupName
from factory.profiles.load import load_profile
from factory.render.project import render_project

URL = "https://repo.example.test/"
ALIAS = "https://repo.example.test/conda"  # the installed channel alias, under URL
# what conda reads as a token in a URL (split_anaconda_token, conda/common/url.py)
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
# a machine's account that never activated the prefix and has no token files of its own
BARE = {"HOME": "/nonexistent", "PATH": "/usr/bin:/bin"}


def sent(condarc_path: Path, subdir: str, environ: dict[str, str] | None = None) -> set[str]:
    """The token each channel of the installed .condarc is requested with ("" for none)."""
    condarc = YAML(typ="safe").load(condarc_path.read_text(encoding="utf-8"))
    urls = requests(condarc, subdir, environ or BARE)
    assert urls, condarc
    return {
        url.split("/t/", 1)[1].split("/", 1)[0] if "/t/" in url else "" for url in urls.values()
    }


def profile(
    root: Path, platform: Platform, install: str, scope: str | None = None, **deploy: Any
) -> Path:
    """A profile with one installed token; with `scope`, install.scope on every OS, and an
    all-users scope marks the token `shared` (a site token), as validate asks."""
    token: dict[str, Any] = {"url": URL, "install": install}
    if scope == "all_users":
        token["shared"] = True
    if install == "bake":
        token["env"] = "BUILD_REPO_TOKEN"
    else:
        token["deploy"] = deploy
    data = {
        "name": "Tok",
        "version": "1",
        "platforms": [platform.value],
        "channels": ["conda-forge"],
        "condarc": {"channel_alias": ALIAS},
        "packages": {"specs": {"base": ["python", "conda"]}},
        "tokens": {"repo": token},
    }
    if scope is not None:
        data["install"] = {"scope": {"linux": scope, "osx": scope, "win": scope}}
    return write_tree(root, {"profile.yaml": yaml_text(data) + "\n"}) / "profile.yaml"


class Case:
    """A rendered project installed as constructor's installer would, up to post-install."""

    def __init__(
        self,
        root: Path,
        platform: Platform,
        install: str,
        *,
        baked: str | None = None,
        conda: bytes | None = None,
        wine: Wine | None = None,
        scope: str | None = None,
        **deploy: Any,
    ):
        self.root = root
        written = profile(root / "profile", platform, install, scope, **deploy)
        self.project = render(written, platform)
        # as the build writes it: one line (factory/builds/job.py)
        staged = (baked + "\n").encode() if baked is not None else b""
        build_files = {self.staged_source(): staged} if baked is not None else {}
        layout: dict[str, Any] = {"wine": wine, "build_files": build_files}
        if conda is not None:
            layout["conda"] = conda
        self.install: Install = lay_out(root, self.project, **layout)

    def staged_source(self) -> str:
        """Where the build puts a baked token: the one extra file under tokens/."""
        construct = YAML(typ="safe").load(self.project.files["construct.yaml"])
        sources = [s for e in construct["extra_files"] for s in e if s.startswith("tokens/")]
        assert len(sources) == 1, construct["extra_files"]
        return sources[0]

    @property
    def condarc(self) -> Path:
        return self.install.prefix / ".condarc"

    def files_holding(self, value: str) -> list[str]:
        """Every file under the test's root that holds the value, except the project the
        build worked in (where a baked token waits for constructor)."""
        needle = value.encode()
        work = self.install.project_dir
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and work not in p.parents and needle in p.read_bytes()
        )


def unix_case(root: Path, install: str, **deploy: Any) -> Case:
    return Case(root, Platform.linux_64, install, **deploy)


def assert_installed_unix(case: Case, value: str, result: Any) -> None:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert sent(case.condarc, "linux-64") == {value}
    # a per-user install: the file that holds the token is the owner's alone
    assert stat.S_IMODE(case.condarc.stat().st_mode) == 0o600
    assert case.files_holding(value) == [str(case.condarc.relative_to(case.root))]
    assert value.encode() not in result.stdout + result.stderr
    assert case.install.calls() == []  # printf, a builtin: the token is on no command line
    assert case.install.created() == []


# --- Linux and macOS ----------------------------------------------------------------------


def test_baked_token_reaches_only_the_condarc(shell: str, tmp_path: Path) -> None:
    value = "tok-" + os.urandom(12).hex()
    case = unix_case(tmp_path, "bake", baked=value)
    staged = case.install.prefix / case.install.construct["extra_files"][0][case.staged_source()]
    assert staged.read_bytes() == (value + "\n").encode()  # carried, as extra_files say
    result = case.install.post_install(shell=shell)
    assert_installed_unix(case, value, result)
    assert not staged.exists()


def test_render_never_holds_a_baked_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = "tok-" + os.urandom(12).hex()
    monkeypatch.setenv("BUILD_REPO_TOKEN", value)
    for platform in (Platform.linux_64, Platform.win_64):
        project = render(profile(tmp_path / platform.value, platform, "bake"), platform)
        assert "tokens/repo.token" not in project.files
        assert all(value.encode() not in data for data in project.files.values())


def test_deploy_token_from_the_environment(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN")
    value = "dep-" + os.urandom(12).hex()
    result = case.install.post_install(shell=shell, ACME_TOKEN=value)
    assert_installed_unix(case, value, result)


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
@pytest.mark.parametrize("remove", [True, False])
def test_deploy_token_from_a_file(shell: str, tmp_path: Path, ending: str, remove: bool) -> None:
    source = tmp_path / "mdm" / "token.txt"
    case = unix_case(tmp_path / "case", "deploy", unix_file=str(source), remove_file=remove)
    value = "file-" + os.urandom(12).hex()
    source.parent.mkdir()
    source.write_bytes((value + ending).encode())
    assert sent(case.condarc, "linux-64") == {""}  # as the installer wrote it: no token
    result = case.install.post_install(shell=shell)
    assert_installed_unix(case, value, result)
    assert source.exists() is not remove


def test_the_environment_wins_over_the_file(shell: str, tmp_path: Path) -> None:
    source = tmp_path / "token.txt"
    source.write_text("from-the-file-0000\n")
    case = unix_case(tmp_path / "case", "deploy", env="ACME_TOKEN", unix_file=str(source))
    value = "from-the-env-1111"
    result = case.install.post_install(shell=shell, ACME_TOKEN=value)
    assert result.returncode == 0, result.stderr
    assert sent(case.condarc, "linux-64") == {value}


def test_unattended_install_without_a_token_fails_clearly(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN", unix_file="/nonexistent/token")
    result = case.install.post_install(shell=shell)
    assert result.returncode == 1
    message = result.stderr.decode()
    assert "token repo: none given to this unattended install" in message
    assert "ACME_TOKEN" in message and "/nonexistent/token" in message
    assert sent(case.condarc, "linux-64") == {""}
    assert case.install.calls() == []


def test_attended_install_without_a_token_warns_and_goes_on(shell: str, tmp_path: Path) -> None:
    case = unix_case(tmp_path, "deploy", env="ACME_TOKEN")
    result = case.install.post_install(shell=shell, unattended=False)
    assert result.returncode == 0, result.stderr
    assert b"warning: token repo not installed" in result.stdout
    # the channels stay usable, without a token, until one is given
    assert sent(case.condarc, "linux-64") == {""}
    assert case.install.calls() == []


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(_TEXT, st.text(st.sampled_from(TOKEN_CHARS), min_size=1)))
def test_any_deploy_token_is_installed_exactly_or_refused(value: str, scratch: Path) -> None:
    value = "Tk9q" + value  # distinctive, so "not in the output" means something
    bash = shutil.which("bash")
    assert bash is not None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        case = unix_case(Path(tmp), "deploy", env="ACME_TOKEN")
        result = case.install.post_install(shell=bash, ACME_TOKEN=value)
        if all(ch in TOKEN_CHARS for ch in value):
            assert result.returncode == 0, result.stderr
            assert sent(case.condarc, "linux-64") == {value}
        else:
            assert result.returncode == 1
            assert b"refused: conda reads only letters, digits and - in a token" in result.stderr
            assert sent(case.condarc, "linux-64") == {""}
            assert case.install.created() == []
        assert value.encode() not in result.stdout + result.stderr


# --- shared installs: used by another account --------------------------------------------

SYSTEM_CONFIG = ("etc", "anaconda-client", "repo-cli-config.yaml")  # conda-repo-cli's


def shared_profile(root: Path, scope: str) -> Path:
    """A Linux profile with a PSM site and a deploy-time token, installed for `scope`."""
    token: dict[str, Any] = {"url": URL, "install": "deploy", "deploy": {"env": "ACME_TOKEN"}}
    if scope == "all_users":
        token["shared"] = True
    data = {
        "name": "Shared",
        "version": "1",
        "platforms": ["linux-64"],
        "channels": ["conda-forge"],
        "condarc": {"channel_alias": ALIAS},
        "packages": {"specs": {"base": ["python", "conda", "conda-repo-cli"]}},
        "auth": {"psm": {"site": "corp", "url": "https://repo.example.test/api"}},
        "tokens": {"repo": token},
        "install": {"scope": {"linux": scope}},
    }
    return write_tree(root, {"profile.yaml": yaml_text(data) + "\n"}) / "profile.yaml"


@second_user
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_a_second_user_reads_a_shared_install(shell: str, scope: str) -> None:
    """The post-install runs as root with its own HOME (and a strict umask, as management
    tools often have); then an unprivileged account with its own HOME opens what it wrote.
    /root and pytest's tmp folders are closed to other users, so the prefix lives in a
    world-traversable folder of its own."""
    with tempfile.TemporaryDirectory(prefix="if-shared-", dir="/tmp") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        project = render(shared_profile(root / "profile", scope), Platform.linux_64)
        install = lay_out(root, project)
        root_home, other_home = root / "root-home", root / "other-home"
        root_home.mkdir(mode=0o700)
        other_home.mkdir()
        os.chown(other_home, NOBODY, NOBODY)
        value = "site-" + os.urandom(12).hex()
        before = os.umask(0o077)
        try:
            result = install.post_install(shell=shell, HOME=str(root_home), ACME_TOKEN=value)
        finally:
            os.umask(before)
        assert result.returncode == 0, result.stderr.decode(errors="replace")

        prefix = install.prefix
        condarc = prefix / ".condarc"
        system_config = prefix.joinpath(*SYSTEM_CONFIG)
        repo_calls = [c for c in install.calls() if c[0] == "conda-repo"]
        assert len(repo_calls) == 4
        shared = scope == "all_users"
        # conda-repo-cli's system scope for all users; the installing account's own otherwise
        assert all((c[1:3] == ["config", "--system"]) is shared for c in repo_calls)
        assert not list(root_home.iterdir())  # nothing landed in root's own home
        # the installing account's own conda, never activated, sends the token too
        assert sent(condarc, "linux-64", {"HOME": str(root_home)}) == {value}

        read = as_nobody("cat", str(condarc), home=other_home)
        if shared:
            assert read.returncode == 0, read.stderr
            # what the second account's conda reads ($CONDA_ROOT/.condarc) and sends, with
            # its own HOME, no token files of its own and no `conda activate`
            seen = root / "seen-by-the-other-account.condarc"
            seen.write_bytes(read.stdout)
            assert sent(seen, "linux-64", {"HOME": str(other_home)}) == {value}
            read_config = as_nobody("cat", str(system_config), home=other_home)
            assert read_config.returncode == 0, read_config.stderr
            assert read_config.stdout == system_config.read_bytes() != b""
            assert stat.S_IMODE(condarc.stat().st_mode) == 0o644
            assert stat.S_IMODE(system_config.stat().st_mode) == 0o644
        else:
            assert read.returncode != 0
            assert b"Permission denied" in read.stderr
            assert value.encode() not in read.stdout
            # the settings went to the installing account (conda-repo-cli's user file),
            # which no other user reads: there is no system file
            assert not system_config.exists()
            assert stat.S_IMODE(condarc.stat().st_mode) == 0o600


# --- Windows, in cmd.exe under wine ---------------------------------------------------------

# Characters cmd.exe treats specially, mixed into tokens. `!` and `%` are left out: wine's
# cmd expands them again inside an already expanded value, which real cmd.exe never does.
CMD_SPECIALS = '&|<>()^" ;,='


def windows_case(
    root: Path,
    wine: Wine,
    recorder: Path,
    install: str,
    baked: str | None = None,
    scope: str | None = None,
    **deploy: Any,
) -> Case:
    exe = recorder.read_bytes()
    case = Case(
        root, Platform.win_64, install, baked=baked, conda=exe, wine=wine, scope=scope, **deploy
    )
    # icacls is wine's no-op stub, so a recording icacls.exe first on PATH shows the call
    write_tree(root / "tools", {"icacls.exe": exe})
    return case


def run_bat(
    case: Case, unattended: bool = True, **extra: str
) -> subprocess.CompletedProcess[bytes]:
    tools = wine_path(case.root / "tools")
    return case.install.post_install(unattended=unattended, WINEPATH=tools, **extra)


def icacls_call(case: Case, shared: bool = False) -> list[str]:
    """SYSTEM, Administrators and the owner; in an all-users install also read for the
    local Users group (well-known SID S-1-5-32-545)."""
    target = wine_path(case.condarc)
    return [
        target,
        "/inheritance:r",
        "/grant:r",
        "*S-1-5-18:(F)",
        "*S-1-5-32-544:(F)",
        "*S-1-3-4:(F)",
        *(["*S-1-5-32-545:(R)"] if shared else []),
    ]


def assert_installed_windows(case: Case, value: str, result: Any, shared: bool = False) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert sent(case.condarc, "win-64") == {value}
    assert case.files_holding(value) == [str(case.condarc.relative_to(case.root))]
    assert value.encode() not in result.stdout + result.stderr
    assert case.install.calls() == [icacls_call(case, shared)]
    assert case.install.created() == []


def assert_refused_windows(case: Case, value: str, result: Any) -> None:
    """Refused before anything is written, and nothing in the value ran as a command."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert b"refused: conda reads only letters, digits and - in a token" in result.stderr
    assert sent(case.condarc, "win-64") == {""}
    assert value.encode() not in result.stdout + result.stderr
    assert case.install.calls() == []
    assert case.install.created() == []


@needs_wine
def test_windows_baked_token_is_moved_into_place(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    value = "tok-" + os.urandom(12).hex()
    case = windows_case(tmp_path, wine, recorder, "bake", baked=value)
    staged = case.install.prefix / case.install.construct["extra_files"][0][case.staged_source()]
    assert staged.read_bytes() == (value + "\n").encode()
    result = run_bat(case)
    assert_installed_windows(case, value, result)
    assert not staged.exists()


@needs_wine
def test_windows_deploy_token_from_the_environment(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    case = windows_case(tmp_path / "good", wine, recorder, "deploy", env="ACME_TOKEN")
    value = "tok-" + os.urandom(12).hex()
    assert_installed_windows(case, value, run_bat(case, ACME_TOKEN=value))
    hostile = windows_case(tmp_path / "bad", wine, recorder, "deploy", env="ACME_TOKEN")
    value = 'tok&echo pwned>x"(a)^b|c<d;e,f=g h'
    assert_refused_windows(hostile, value, run_bat(hostile, ACME_TOKEN=value))


@needs_wine
@pytest.mark.parametrize("remove", [True, False])
def test_windows_deploy_token_from_a_file(
    wine: Wine, recorder: Path, tmp_path: Path, remove: bool
) -> None:
    source = tmp_path / "mdm" / "token.txt"
    source.parent.mkdir()
    case = windows_case(
        tmp_path / "case", wine, recorder, "deploy", win_file=wine_path(source), remove_file=remove
    )
    value = "file-" + os.urandom(12).hex()
    # with its line break: wine's `set /p` drops the last character of a file without one
    source.write_bytes((value + "\r\n").encode())
    result = run_bat(case)
    assert_installed_windows(case, value, result)
    assert source.exists() is not remove


@needs_wine
def test_windows_unattended_install_without_a_token_fails(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    case = windows_case(tmp_path, wine, recorder, "deploy", env="ACME_TOKEN")
    result = run_bat(case)
    assert result.returncode == 1
    assert b"token repo: none given to this unattended install" in result.stderr
    assert sent(case.condarc, "win-64") == {""}
    assert case.install.calls() == []

    attended = run_bat(case, unattended=False)
    assert attended.returncode == 0, attended.stderr
    assert b"warning: token repo not installed" in attended.stdout
    assert sent(case.condarc, "win-64") == {""}


@needs_wine
@pytest.mark.parametrize("scope", ["all_users", "user"])
def test_windows_all_users_install_lets_the_users_group_read_the_condarc(
    wine: Wine, recorder: Path, tmp_path: Path, scope: str
) -> None:
    case = windows_case(tmp_path, wine, recorder, "deploy", env="ACME_TOKEN", scope=scope)
    value = "tok-" + os.urandom(12).hex()
    result = run_bat(case, ACME_TOKEN=value)
    assert_installed_windows(case, value, result, shared=scope == "all_users")


@pytest.mark.slow
@needs_wine
@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.sampled_from(TOKEN_CHARS + CMD_SPECIALS), min_size=1, max_size=60))
def test_windows_tokens_are_written_exactly_or_refused(
    value: str, wine: Wine, recorder: Path, scratch: Path
) -> None:
    # distinctive, so "not in the output" means something; and set /p drops leading blanks
    # of its prompt, which no token starts with
    value = "Tk9q" + value
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        case = windows_case(Path(tmp), wine, recorder, "deploy", env="ACME_TOKEN")
        result = run_bat(case, ACME_TOKEN=value)
        if all(c in TOKEN_CHARS for c in value):
            assert_installed_windows(case, value, result)
        else:
            assert_refused_windows(case, value, result)


def test_a_trailing_line_break_makes_a_token_uninstallable() -> None:
    from factory.profiles.tokens import installable

    assert installable("abcdefgh12") and not installable("abcdefgh12\n")


# --- names we write ourselves never look like secrets -----------------------------------

# the model's own pattern for a token's name (a `tokens` key)
_NAME_PATTERN = next(
    m.pattern for m in GroupName.__metadata__ if getattr(m, "pattern", None) is not None
)
_TOKEN_NAMES = st.from_regex(_NAME_PATTERN, fullmatch=True).filter(lambda n: len(n) <= 60)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(_TOKEN_NAMES, min_size=1, max_size=3, unique=True))
def test_projects_with_baked_tokens_hold_nothing_token_shaped(
    names: list[str], scratch: Path
) -> None:
    """build scans its own project with every shape on (README: Scanning); the staged
    token paths, file names and URLs a project names must never read as a secret, whatever
    the tokens are called (`name2` once made construct.yaml's extra_files line an
    "assigned secret")."""
    tokens = {
        name: {
            "env": f"T{index}_TOKEN",
            "url": f"https://repo{index}.example.test/api/repo/",
            "install": "bake",
        }
        for index, name in enumerate(names)
    }
    data = {
        "name": "Tok",
        "version": "1",
        "platforms": ["linux-64", "win-64"],
        "channels": ["conda-forge"],
        "condarc": {
            "channels": [f"https://repo{i}.example.test/api/repo/c{i}" for i in range(len(names))]
        },
        "packages": {"specs": {"base": ["python", "conda"]}},
        "tokens": tokens,
    }
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        write_tree(root / "profile", {"profile.yaml": yaml_text(data) + "\n"})
        loaded = load_profile(root / "profile" / "profile.yaml")
        for platform in (Platform.linux_64, Platform.win_64):
            project = render_project(loaded, platform)
            write_tree(root / platform.value, dict(project.files))
        result = scan_paths([root / p for p in ("linux-64", "win-64")], shapes=True)
        assert result.findings == [], [str(f) for f in result.findings]

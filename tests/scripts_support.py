"""Helpers for the tests that run generated post-install scripts for real.

A profile is written from a `Spec` (what the test means), loaded and rendered in memory
with the product's own entry points, and installed by tests/fake_install.py into a prefix
whose `conda` only records its arguments. The calls a spec should produce, and the files
its installation holds, are worked out here from the spec alone, never from the
renderer's output.

Both `conda` stand-ins (POSIX sh below, tests/recorder/conda_recorder.c for Windows) write
one line per call: each argument as hex followed by "00". Any byte string round-trips
and an empty argument stays visible.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, write_tree
from hypothesis import strategies as st

from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.profiles.secret_values import URL_TOKEN
from factory.profiles.settings_rules import SECRET_NAME
from factory.render.project import RenderedProject, render_project

# Where the installed layout keeps things (constructor's extra_files put the bundle there).
BUNDLE_PARTS = ("etc", "installer-factory", "ca-bundle.pem")
CERT_FILE = "root-ca.pem"
SH_SCRIPT = "post_install.sh"
BAT_SCRIPT = "post_install.bat"
TIMEOUT = 60  # seconds; a hung script is a failure, not a stuck test run

# --- profiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Psm:
    site: str = "corp"
    url: str = "https://repo.example.test/api"
    oauth2: bool = True
    ssl_verify: bool | str | None = None  # None: left out of the profile
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """The parts of a profile that decide what a post-install script does."""

    name: str = "Hostile"
    version: str = "1"
    platforms: tuple[str, ...] = ("linux-64", "osx-arm64", "win-64")
    ca_certs: bool = True
    condarc_ssl_verify: bool | str | None = None  # None: left out of the profile
    psm: Psm | None = field(default_factory=Psm)
    trust_env: tuple[str, ...] | None = None  # None: left out (the default is PIP_CERT)
    scope: str = "user"  # install.scope on every OS; "user" is left out (the default here)

    def data(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "version": self.version,
            "platforms": list(self.platforms),
            "channels": ["conda-forge"],
            "packages": {"specs": {"base": ["python", "conda", "conda-repo-cli"]}},
        }
        if self.ca_certs:
            out["ca_certs"] = {"root": CERT_FILE}
        if self.condarc_ssl_verify is not None:
            out["condarc"] = {"ssl_verify": self.condarc_ssl_verify}
        if self.trust_env is not None:
            out["trust"] = {"env": list(self.trust_env)}
        if self.scope != "user":
            scope = {"linux": self.scope, "osx": self.scope, "win": self.scope}
            # a .pkg for every user installs into the local system only (README: install.scope)
            domains = {"enable_currentUserHome": False, "enable_localSystem": True}
            out["install"] = {
                "scope": scope,
                "pkg_domains": domains,
                "default_location_pkg": "Library",
            }
        if self.psm is not None:
            psm: dict[str, object] = {
                "site": self.psm.site,
                "url": self.psm.url,
                "oauth2": self.psm.oauth2,
                "settings": dict(self.psm.settings),
            }
            if self.psm.ssl_verify is not None:
                psm["ssl_verify"] = self.psm.ssl_verify
            out["auth"] = {"psm": psm}
        return out


def yaml_text(value: object) -> str:
    """Flow-style YAML (JSON-shaped) with every string double-quoted and escaped.

    Non-printable characters become `\\U........` escapes, so any string, even one the
    profile must reject, reaches the loader exactly (json.dumps would split astral
    characters into surrogate pairs, which ruamel does not join back).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        body = "".join(
            "\\" + ch if ch in '"\\' else ch if ch.isprintable() else f"\\U{ord(ch):08x}"
            for ch in value
        )
        return f'"{body}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_text(k)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    raise TypeError(f"no YAML for {value!r}")


def write_profile(directory: Path, spec: Spec, cert: bytes) -> Path:
    write_tree(directory, {CERT_FILE: cert, "profile.yaml": yaml_text(spec.data()) + "\n"})
    return directory / "profile.yaml"


def render(profile: Path, platform: Platform) -> RenderedProject:
    """The product's own path: load and check the profile, then render one platform."""
    return render_project(load_profile(profile), platform)


# Where each installer type keeps its post-install script (constructor's names).
SCRIPT_IN_PREFIX = {
    "SH": "pkgs/post_install.sh",
    "PKG": "pkgs/user_post_install",
    "EXE": "pkgs/post_install.bat",
}


def expected_files(spec: Spec, kind: str, conda: bool = True, marker: bool = False) -> list[str]:
    """What an installation of `kind` holds before its post-install step: conda (its
    package's, unless left out), .condarc (README: always shipped), the script, and under
    etc/installer-factory (README) the CA bundle when the profile has certificates and the
    version marker when it has a deploy section."""
    files = [".condarc", SCRIPT_IN_PREFIX[kind]]
    if conda:
        files.append("Scripts/conda.exe" if kind == "EXE" else "bin/conda")
        # conda-repo-cli's package: the specs always hold it
        files.append("Scripts/conda-repo.exe" if kind == "EXE" else "bin/conda-repo")
    if spec.ca_certs:
        files.append("/".join(BUNDLE_PARTS))
    if marker:  # placed aside; the post-install's last step moves it into place
        files.append("etc/installer-factory/installer.json.pending")
    return sorted(files)


# conda-repo-cli's system configuration file under the conda root (repo_cli/utils/config.py)
REPO_SYSTEM_CONFIG = ("etc", "anaconda-client", "repo-cli-config.yaml")


def expected_created(spec: Spec, kind: str) -> list[str]:
    """Files the post-install leaves in the prefix besides the token store: the recording
    sh stand-in writes conda-repo-cli's system file for `config --system` as the real tool
    does (the Windows recorder only records)."""
    if spec.psm is not None and spec.scope == "all_users" and kind != "EXE":
        return ["/".join(REPO_SYSTEM_CONFIG)]
    return []


def expected_calls(spec: Spec, prefix: str, sep: str) -> list[list[str]]:
    """The conda calls the spec asks for, in order (README/model: ssl_verify defaults)."""
    bundle = sep.join((prefix, *BUNDLE_PARTS))
    calls: list[list[str]] = []
    if spec.ca_certs and spec.condarc_ssl_verify in (None, "ca_bundle"):
        calls.append(["config", "--file", f"{prefix}{sep}.condarc", "--set", "ssl_verify", bundle])
    env = ("PIP_CERT",) if spec.trust_env is None else spec.trust_env
    if spec.ca_certs and env:  # "Variables set to the bundle's path in the base environment"
        calls.append(
            ["env", "config", "vars", "set", "-p", prefix, *(f"{name}={bundle}" for name in env)]
        )
    psm = spec.psm
    if psm is not None:
        verify = psm.ssl_verify
        if verify is None:  # "Default: ca_bundle when ca_certs are given, else true."
            verify = "ca_bundle" if spec.ca_certs else True
        verify_arg = bundle if verify == "ca_bundle" else str(verify).lower()
        # conda-repo-cli's executable; an all-users install writes its system file
        # (README: What an installed machine gets), a per-user one the account's own
        system = ["--system"] if spec.scope == "all_users" else []
        repo = ["conda-repo", "config", *system, "--set"]
        calls += [
            [*repo, "oauth2", "true" if psm.oauth2 else "false"],
            [*repo, f"sites.{psm.site}.url", psm.url],
            [*repo, "default_site", psm.site],
            [*repo, "ssl_verify", verify_arg],
        ]
        calls += [[*repo, key, psm.settings[key]] for key in sorted(psm.settings)]
    return calls


# --- the recording conda ---------------------------------------------------------------

# Same log format as tests/recorder/conda_recorder.c; the call number is the line count.
# The same file stands in for conda (bin/conda) and for conda-repo-cli's executable
# (bin/conda-repo, where its package puts it); a call through the latter is logged with
# "conda-repo" as its first argument. Like conda 26.3 and later, which no longer runs
# `conda-*` executables as subcommands (conda pull request 15840, "Remove legacy
# subcommand detection", conda/cli/conda_argparse.py), `conda repo ...` is refused by
# argparse: "invalid choice: 'repo'", exit status 2.
#
# `conda-repo config --system --set KEY VALUE` is written where conda-repo-cli writes it,
# following its config module (repo_cli/utils/config.py): SYSTEM_CONFIG = SITE_CONFIG =
# $CONDA_ROOT/etc/anaconda-client/repo-cli-config.yaml, a folder on its SEARCH_PATH that
# every user's conda-repo reads; save_config makes the folder as needed and opens the file
# for writing, so its mode follows the process umask. CONDA_ROOT is the installation the
# executable belongs to (two folders up from bin/conda-repo). The stand-in appends the call
# in the log's format rather than YAML: tests check where it lands and who can read it.
# Without --system conda-repo-cli writes ~/.conda/repo-cli-config.yaml (USER_CONFIG); the
# stand-in only records those calls, so no test writes into the developer's home.
RECORDING_CONDA_SH = r"""#!/bin/sh
# Recording stand-in for conda and conda-repo: one log line per call, each argument as hex
# plus "00"; conda-repo's calls start with the argument "conda-repo".
calls=0
[ -f "$RECORDER_LOG" ] && calls=$(wc -l <"$RECORDER_LOG")
program=${0##*/}
if [ "$program" = conda-repo ]; then set -- conda-repo "$@"; fi
if [ "$#" -gt 0 ]; then printf '%s\000' "$@"; fi | od -An -v -tx1 | tr -d ' \n' >>"$RECORDER_LOG"
echo >>"$RECORDER_LOG"
if [ "$program" = conda-repo ] && [ "${2:-}" = config ] && [ "${3:-}" = --system ]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  system_config="$root/etc/anaconda-client/repo-cli-config.yaml"
  mkdir -p "${system_config%/*}"
  shift
  printf '%s\000' "$@" | od -An -v -tx1 | tr -d ' \n' >>"$system_config"
  echo >>"$system_config"
fi
if [ "$program" = conda ] && [ "${1:-}" = repo ]; then
  echo "usage: conda [-h] [-v] [--no-plugins] [-V] COMMAND ..." >&2
  printf '%s' "conda: error: argument COMMAND: invalid choice: 'repo' (choose from " >&2
  echo "'activate', 'clean', 'config', 'create', 'env', 'info', 'install', 'remove')" >&2
  exit 2
fi
[ "$calls" -lt "${RECORDER_FAIL_AT:-0}" ] && exit 0
exit "${RECORDER_EXIT:-0}"
"""


def read_log(log: Path, encoding: str = "utf-8") -> list[list[str]]:
    if not log.exists():
        return []
    calls = []
    for line in log.read_bytes().decode("ascii").splitlines():
        raw = bytes.fromhex(line)
        assert raw == b"" or raw.endswith(b"\0"), f"truncated log line {line!r}"
        calls.append([arg.decode(encoding) for arg in raw.split(b"\0")[:-1]])
    return calls


def base_env() -> dict[str, str]:
    """A small, predictable environment: nothing from the developer's shell leaks in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def run_sh(
    shell: str, script: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [shell, str(script)],
        env={**base_env(), **env},
        cwd=cwd,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )


def shellcheck(script: Path, *exclude: str) -> subprocess.CompletedProcess[str]:
    # every severity, shell taken from the #!/bin/sh line: the script must be POSIX sh
    excluded = [f"--exclude={','.join(exclude)}"] if exclude else []
    return subprocess.run(
        ["shellcheck", "--severity=style", *excluded, str(script)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


# --- Windows: MinGW recorder and wine ---------------------------------------------------

WINE = Path("/usr/lib/wine/wine64")
WINESERVER = Path("/usr/lib/wine/wineserver64")
MINGW = "x86_64-w64-mingw32-gcc"
RECORDER_SOURCE = REPO / "tests" / "recorder" / "conda_recorder.c"


def wine_missing() -> str | None:
    """Why the wine tests cannot run here, or None when they can."""
    if not os.access(WINE, os.X_OK):
        return f"wine is not installed ({WINE} missing): .bat scripts cannot run"
    if shutil.which(MINGW) is None:
        return f"MinGW ({MINGW}) is not installed: the conda.exe recorder cannot be built"
    return None


def compile_recorder(out_dir: Path) -> Path:
    exe = out_dir / "conda.exe"
    subprocess.run(
        [MINGW, "-O2", "-s", "-Wall", "-Wextra", "-Werror", "-o", str(exe), str(RECORDER_SOURCE)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return exe


def wine_path(path: Path) -> str:
    """A Linux path as wine's cmd sees it: drive Z: is the Unix root."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


# Now and then, in long test sessions, wine's cmd fails to start a program it has parsed
# correctly and says `Can't recognize '"<exe>" <args>' as an internal or external command`.
# Only that message, naming a conda.exe or conda-repo.exe recorder as the whole command, is
# retried; a quoting mistake would show a different command there. Under load (one wine
# server per test worker) it may instead fail inside ShellExecuteEx with "Internal error":
# that message is wine's own and no command line of ours can produce it.
SPAWN_RETRIES = 2
_HICCUP = re.compile(rb"Can't recognize '\"[A-Z]:\\[^\"]*\\conda(?:-repo)?\.exe\" ")
_SHELL_EXECUTE = b"ShellExecuteEx failed: Internal error."


# wine64 on Debian 12 now and then trips a glibc assertion while a finished process tears
# down, after its output and exit status are settled. The line is the loader's, never the
# script's, so it is dropped from stderr; anything else there still fails a test.
_LOADER_NOISE = re.compile(
    rb"^Inconsistency detected by ld\.so: dl-fini\.c: \d+: _dl_fini: Assertion `[^\n]*\n",
    re.M,
)


def _spawn_hiccup(result: subprocess.CompletedProcess[bytes]) -> bool:
    return bool(_HICCUP.search(result.stderr)) or _SHELL_EXECUTE in result.stdout + result.stderr


def unix_path(windows: str) -> str:
    """The inverse of wine_path for Z: paths."""
    assert windows[:2].upper() == "Z:", windows
    return windows[2:].replace("\\", "/")


class Wine:
    """One WINEPREFIX for the session with a persistent wineserver, so each cmd start
    takes a fraction of a second instead of the ~10 s of a fresh prefix."""

    def __init__(self, home: Path):
        self.home = home
        self.env = {
            **base_env(),
            "HOME": str(home),
            "WINEPREFIX": str(home / "prefix"),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono/Gecko install prompts
        }

    def start(self) -> None:
        # wineserver needs the prefix directory; the first cmd start then fills it in
        Path(self.env["WINEPREFIX"]).mkdir(parents=True, exist_ok=True)
        # the daemon keeps any inherited pipe open, so it must not get ours
        subprocess.run(
            [str(WINESERVER), "-p"],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        # the first start launches wine's background services, which live as long as the
        # server: they must not inherit (and hold open) pipes we wait on
        subprocess.run(
            [str(WINE), "cmd", "/c", "exit 0"],
            env=self.env,
            cwd=self.home,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        )

    def stop(self) -> None:
        subprocess.run(
            [str(WINESERVER), "-k"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def cmd(
        self, args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = TIMEOUT
    ) -> subprocess.CompletedProcess[bytes]:
        for _attempt in range(SPAWN_RETRIES + 1):
            result = subprocess.run(
                [str(WINE), "cmd", *args],
                env={**self.env, **env},
                cwd=cwd,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
            result.stderr = _LOADER_NOISE.sub(b"", result.stderr)
            if not _spawn_hiccup(result):
                return result
            log = env.get("RECORDER_LOG")
            if log:  # start the call log afresh for the retry
                Path(unix_path(log)).unlink(missing_ok=True)
        return result

    def run_bat(
        self, script: Path, env: Mapping[str, str], cwd: Path
    ) -> subprocess.CompletedProcess[bytes]:
        # the path has no spaces (tmp dirs), so cmd /c needs no extra quoting rules
        assert " " not in str(script)
        return self.cmd(["/c", wine_path(script)], env, cwd)


# --- hostile text -----------------------------------------------------------------------

# Pieces that mean something to sh, cmd.exe, the C runtime's argv parser or Jinja.
HOSTILE_PIECES: tuple[str, ...] = (
    "'",
    '"',
    "$(touch pwned-dollar)",
    "`touch pwned-backtick`",
    "$HOME",
    "${PATH}",
    "$1",
    "$@",
    "%PATH%",
    "%PREFIX%",
    "%%",
    "%~dp0",
    "%0",
    "%*",
    "!PATH!",
    "!",
    "&",
    "&&",
    "& echo pwned-amp>pwned-amp",
    "|",
    "||",
    "^",
    "^^",
    "^&",
    "<",
    ">",
    ">pwned-gt",
    "\\",
    "\\\\",
    '\\"',
    '""',
    "'\"'\"'",
    ";",
    "*",
    "?",
    "~",
    "#",
    "(",
    ")",
    "{{",
    "{%",
    "{#",
    "}}",
    "%}",
    "#}",
    "{{ x }}",
    "-",
    "--set",
    " ",
    "\t",
)


def hostile_text(
    *, ascii_only: bool, whitespace: bool = True, printable: bool = True
) -> st.SearchStrategy[str]:
    """Text built mostly from HOSTILE_PIECES: printable (tab allowed), or with
    `printable=False` any character but NUL and surrogates."""
    if printable:
        chars = st.characters(
            blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
            max_codepoint=0x7E if ascii_only else None,
        )
    else:
        chars = st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\0",
            max_codepoint=0x7F if ascii_only else None,
        )
    pieces = [p for p in HOSTILE_PIECES if whitespace or not any(c.isspace() for c in p)]
    parts = st.one_of(st.sampled_from(pieces), chars)
    return st.lists(parts, max_size=12).map("".join)


def _no_url_token(text: str) -> bool:
    """validate refuses conda's /t/<token> in a URL (factory/profiles/secret_values.py)"""
    return URL_TOKEN.search(text) is None


def hostile_url(*, ascii_only: bool) -> st.SearchStrategy[str]:
    # the model wants an https URL with no whitespace (plain http is refused unless the
    # profile allows it): the hostile text goes in the path
    return st.builds(
        lambda path: f"https://repo.example.test/{path}",
        hostile_text(ascii_only=ascii_only, whitespace=False),
    ).filter(_no_url_token)


# secret-named settings are refused: they go through `tokens:` (settings_rules.py)
SETTING_KEYS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}", fullmatch=True).filter(
    lambda key: SECRET_NAME.search(key) is None
)


def hostile_spec(*, ascii_only: bool) -> st.SearchStrategy[Spec]:
    psm = st.builds(
        Psm,
        url=hostile_url(ascii_only=ascii_only),
        oauth2=st.booleans(),
        settings=st.dictionaries(
            SETTING_KEYS, hostile_text(ascii_only=ascii_only).filter(_no_url_token), max_size=4
        ),
    )
    return st.builds(Spec, psm=psm)


def fixed_hostile_spec(**changes: object) -> Spec:
    """Every hostile piece at once: in the URL path and in one setting each."""
    url_path = "".join(p for p in HOSTILE_PIECES if not any(c.isspace() for c in p))
    settings = {f"k{index:02d}": piece for index, piece in enumerate(HOSTILE_PIECES)}
    settings["all"] = "".join(HOSTILE_PIECES)
    settings["empty"] = ""
    settings["trailing-backslash"] = "C:\\dir\\"
    psm = Psm(url=f"https://repo.example.test/{url_path}", settings=settings)
    return dataclasses.replace(Spec(psm=psm), **changes)


# Profile variants both script tests run: which steps appear depends on these settings.
# The last two once left the CA bundle variable undefined (condarc not using the bundle
# while the PSM default does).
VARIANTS: dict[str, Spec] = {
    "ca-bundle-only": Spec(psm=None),
    "psm-without-ca": Spec(ca_certs=False),
    "psm-verify-false": Spec(psm=Psm(ssl_verify=False)),
    "psm-verify-true-with-ca": Spec(psm=Psm(ssl_verify=True)),
    "psm-explicit-ca-bundle": Spec(psm=Psm(ssl_verify="ca_bundle", oauth2=False)),
    "condarc-explicit-ca-bundle": Spec(condarc_ssl_verify="ca_bundle"),
    "condarc-verify-true-psm-default": Spec(condarc_ssl_verify=True),
    "more-bundle-variables": Spec(trust_env=("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "PIP_CERT")),
    "no-bundle-variables": Spec(trust_env=(), psm=Psm(ssl_verify=True)),
    "truststore": Spec(condarc_ssl_verify="truststore", trust_env=()),
    "condarc-verify-false-psm-ca-bundle": Spec(
        condarc_ssl_verify=False, psm=Psm(ssl_verify="ca_bundle")
    ),
    # install.scope all_users: conda-repo-cli's system file instead of the account's own
    "all-users": Spec(scope="all_users", psm=Psm(settings={"extra": "x y"})),
}


# --- a second account on the machine ----------------------------------------------------------

NOBODY = 65534  # an unprivileged account with no home of ours

# Installing as root and reading as another account needs root and setpriv.
second_user = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="installing as root and reading as a second account needs root and setpriv",
)


def as_nobody(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run a command as a second, unprivileged account with its own HOME and no groups."""
    setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        [*setpriv, *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C", **env},
        capture_output=True,
        timeout=60,
        check=False,
    )

"""What the post-install step does for the repository authentication methods besides PSM
(`auth.anaconda_auth`, `auth.conda_token`, `auth.anon_usage`, `auth.channel_settings`;
the upstream facts are in factory/profiles/auth_methods.py).

Installs run as root or SYSTEM, never as the people who use the machine, so nothing goes
to the installing account's home: every file lands in the prefix, which conda reads for
every user (`$CONDA_ROOT/condarc.d/`, `$CONDA_ROOT/org_token`, the base environment's
activation scripts). A file that holds a secret is the owner's alone in a per-user install
(0600; on Windows SYSTEM, Administrators and the owner) and readable by the machine's
users in an all-users install (0644; Windows adds Users read), as the tokens' .condarc.

- conda_token: no file of its own. The token is an ordinary installed token (it rides as
  `/t/<token>` in the .condarc: token_carriers.py), and the .condarc gets what
  `conda token set --system` sets (`auth_condarc`).
- anaconda_auth: `condarc.d/installer-factory-anaconda-auth.yml` selects anaconda-auth's
  handler for the organization's channels (and the site's domain); the API key goes to
  `etc/installer-factory/anaconda-auth/api_key`, and activation scripts of the base
  environment export it as ANACONDA_AUTH_API_KEY, the variable the handler reads first
  (anaconda-auth has no system-wide credential store). No login runs at install time.
- anon_usage: `org_token` in the prefix; `anaconda_anon_usage: true #!final` is written
  with `condarc.enforce`'s final settings (factory/profiles/enforce.py).
- channel_settings: `condarc.d/installer-factory-channel-settings.yml`, one conda-auth
  `http-basic` entry per mirror with its username and password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factory.output.layout import TOKENS_DIR
from factory.platforms import OS, STAGED_TOKENS_RELPATH, Platform
from factory.profiles.auth_methods import (
    CONDA_TOKEN_REPO,
    ORG_TOKEN_CHARS,
    ORG_TOKEN_MAX,
    SECRET_CHARS,
    SECRET_MIN,
    SecretKind,
    conda_token_channels,
    secret_tokens,
)
from factory.profiles.model import Profile
from factory.profiles.tokens import staged_name

ANACONDA_REPO = (
    "https://repo.anaconda.cloud/repo/"  # where anaconda.com organizations' channels are
)
API_KEY_RELPATH = ("etc", "installer-factory", "anaconda-auth", "api_key")
ACTIVATE_NAME = "installer-factory-anaconda-auth"
_KIND_TEXT = {
    "api_key": "an API key",
    "org_token": "an organization token",
    "password": "a password",
}


@dataclass(frozen=True)
class SecretRead:
    """One secret the step reads (from the installer, a variable or a file) and checks."""

    name: str  # the tokens: entry
    var: str  # script variable: letters, digits and _
    kind: SecretKind
    what: str  # "an API key", for messages
    chars: str  # every character it may hold
    longest: int
    mode: str  # bake | deploy
    source: str | None  # bake: relative to the prefix; deploy: absolute file or None
    env: str | None
    remove: bool

    @property
    def shortest(self) -> int:
        return SECRET_MIN

    @property
    def others(self) -> str:
        """The characters besides letters and digits, for messages: `. _ -`."""
        return " ".join(c for c in self.chars if not c.isalnum())

    @property
    def sh_class(self) -> str:
        """The characters as a sh bracket expression body (ranges, `-` last)."""
        extra = "".join(c for c in self.chars if not c.isalnum() and c != "-")
        return "A-Za-z0-9" + extra + "-"


@dataclass(frozen=True)
class Segment:
    text: str | None = None  # literal text
    var: str | None = None  # or a secret's script variable


@dataclass(frozen=True)
class AuthFile:
    """One file the step writes, line by line; `secret` files get the scope's modes."""

    rel: str  # under the prefix, with the target's separator
    folder: str
    lines: tuple[tuple[Segment, ...], ...]
    secret: bool
    needs: tuple[str, ...]  # secret variables it holds (written only when all are given)
    purpose: str

    def printf_format(self, line: tuple[Segment, ...]) -> str:
        return "%s" * len(line) + "\\n"


@dataclass(frozen=True)
class AuthSteps:
    secrets: tuple[SecretRead, ...]
    files: tuple[AuthFile, ...]
    assets: dict[str, bytes]  # project files (activation scripts), shipped as extra files
    extra_files: tuple[tuple[str, str], ...]  # (project path, path under the prefix)


def _lit(text: str) -> tuple[Segment, ...]:
    return (Segment(text=text),)


def _secret_reads(profile: Profile, platform: Platform) -> list[SecretRead]:
    out = []
    sep = platform.facts.sep
    for name, (kind, _) in sorted(secret_tokens(profile.auth).items()):
        token = profile.tokens.get(name)
        if token is None or token.install == "none":
            continue  # validate refuses it (auth_rules.py)
        deploy = token.deploy
        source = None
        if token.install == "bake":
            source = sep.join((*STAGED_TOKENS_RELPATH, staged_name(name)))
        elif deploy is not None:
            source = deploy.win_file if platform.os is OS.win else deploy.unix_file
        org = kind == "org_token"
        out.append(
            SecretRead(
                name=name,
                var=f"auth_secret_{len(out) + 1}",
                kind=kind,
                what=_KIND_TEXT[kind],
                chars=ORG_TOKEN_CHARS if org else SECRET_CHARS,
                longest=ORG_TOKEN_MAX if org else 4096,
                mode=token.install,
                source=source,
                env=deploy.env if deploy is not None else None,
                remove=token.install == "bake" or (deploy is not None and deploy.remove_file),
            )
        )
    return out


def _quoted(value: str) -> str:
    """A YAML single-quoted scalar (the model's patterns keep quotes out of values)."""
    return "'" + value.replace("'", "''") + "'"


def plan_auth(profile: Profile, platform: Platform) -> AuthSteps | None:
    """The post-install's part for these methods on one platform; None when it has none."""
    auth = profile.auth
    sep = platform.facts.sep
    reads = _secret_reads(profile, platform)
    var = {r.name: r.var for r in reads}
    files: list[AuthFile] = []
    assets: dict[str, bytes] = {}
    extra: list[tuple[str, str]] = []

    def add(parts: tuple[str, ...], lines: list[tuple[Segment, ...]], secret: bool, why: str):
        needs = tuple(s.var for line in lines for s in line if s.var is not None)
        files.append(
            AuthFile(sep.join(parts), sep.join(parts[:-1]), tuple(lines), secret, needs, why)
        )

    head = "# Written by installer-factory's post-install step"
    if auth.anaconda_auth is not None:
        aa = auth.anaconda_auth
        globs = [f"{ANACONDA_REPO}{aa.org}/*"]
        if aa.domain != "anaconda.com":
            globs.append(f"https://{aa.domain}/*")
        lines = [_lit(f"{head} (auth.anaconda_auth)."), _lit("channel_settings:")]
        for glob in globs:
            lines += [_lit(f"  - channel: {_quoted(glob)}"), _lit("    auth: 'anaconda-auth'")]
        add(("condarc.d", "installer-factory-anaconda-auth.yml"), lines, False, "anaconda-auth")
        if aa.api_key in var:
            key = [(Segment(var=var[aa.api_key]),)]
            add(API_KEY_RELPATH, key, True, "anaconda-auth API key")
            for folder, suffixes in _activation(platform).items():
                for suffix, text in suffixes.items():
                    project = f"auth/{folder}/{ACTIVATE_NAME}{suffix}"
                    assets[project] = text.encode()
                    extra.append((project, f"etc/conda/{folder}/{ACTIVATE_NAME}{suffix}"))
    if auth.anon_usage is not None and auth.anon_usage.org_token in var:
        token = [(Segment(var=var[auth.anon_usage.org_token]),)]
        # `anaconda_anon_usage: true #!final` goes with condarc.enforce (final_settings)
        add(("org_token",), token, True, "anaconda-anon-usage organization token")
    if auth.channel_settings:
        lines = [_lit(f"{head} (auth.channel_settings)."), _lit("channel_settings:")]
        for entry in auth.channel_settings:
            lines += [
                _lit(f"  - channel: {_quoted(entry.channel)}"),
                _lit("    auth: 'http-basic'"),
                _lit(f"    username: {_quoted(entry.username)}"),
            ]
            if entry.password in var:
                lines.append(
                    (
                        Segment(text="    password: '"),
                        Segment(var=var[entry.password]),
                        Segment(text="'"),
                    )
                )
        add(("condarc.d", "installer-factory-channel-settings.yml"), lines, True, "http-basic")
    for read in reads:
        if read.mode == "bake":
            staged = "/".join((*STAGED_TOKENS_RELPATH, staged_name(read.name)))
            extra.append((f"{TOKENS_DIR}/{staged_name(read.name)}", staged))
    if not files:
        return None
    return AuthSteps(tuple(reads), tuple(files), assets, tuple(extra))


def _activation(platform: Platform) -> dict[str, dict[str, str]]:
    """activate.d and deactivate.d scripts of the base environment (conda runs *.sh in
    POSIX shells, *.bat in cmd.exe, *.ps1 in PowerShell). A variable the user set before
    is left alone."""
    key = "/".join(API_KEY_RELPATH)
    win_key = "\\".join(API_KEY_RELPATH)
    note = "installer-factory (auth.anaconda_auth): the organization's API key for anaconda-auth"
    if platform.os is not OS.win:
        on = (
            f"# {note}\n"
            f'if [ -z "${{ANACONDA_AUTH_API_KEY:-}}" ] && [ -r "${{CONDA_PREFIX}}/{key}" ]; then\n'
            f'  ANACONDA_AUTH_API_KEY=$(cat "${{CONDA_PREFIX}}/{key}")\n'
            "  export ANACONDA_AUTH_API_KEY\n"
            "  _IF_ANACONDA_AUTH_KEY=1\n"
            "fi\n"
        )
        off = (
            f"# {note}\n"
            'if [ -n "${_IF_ANACONDA_AUTH_KEY:-}" ]; then\n'
            "  unset ANACONDA_AUTH_API_KEY _IF_ANACONDA_AUTH_KEY\n"
            "fi\n"
        )
        return {"activate.d": {".sh": on}, "deactivate.d": {".sh": off}}
    on_bat = (
        f"@rem {note}\r\n"
        "@if defined ANACONDA_AUTH_API_KEY goto :eof\r\n"
        f'@if not exist "%CONDA_PREFIX%\\{win_key}" goto :eof\r\n'
        f'@set /p ANACONDA_AUTH_API_KEY=<"%CONDA_PREFIX%\\{win_key}"\r\n'
        '@set "_IF_ANACONDA_AUTH_KEY=1"\r\n'
    )
    off_bat = (
        f"@rem {note}\r\n"
        "@if not defined _IF_ANACONDA_AUTH_KEY goto :eof\r\n"
        '@set "ANACONDA_AUTH_API_KEY="\r\n'
        '@set "_IF_ANACONDA_AUTH_KEY="\r\n'
    )
    on_ps1 = (
        f"# {note}\r\n"
        f"$IfKey = Join-Path $Env:CONDA_PREFIX '{win_key}'\r\n"
        "if (-not $Env:ANACONDA_AUTH_API_KEY -and (Test-Path -LiteralPath $IfKey)) {\r\n"
        "  $Env:ANACONDA_AUTH_API_KEY = Get-Content -LiteralPath $IfKey -TotalCount 1\r\n"
        "  $Env:_IF_ANACONDA_AUTH_KEY = '1'\r\n"
        "}\r\n"
        "Remove-Variable IfKey\r\n"  # conda dot-sources it into the user's session
    )
    off_ps1 = (
        f"# {note}\r\n"
        "if ($Env:_IF_ANACONDA_AUTH_KEY) {\r\n"
        "  Remove-Item Env:ANACONDA_AUTH_API_KEY, Env:_IF_ANACONDA_AUTH_KEY\r\n"
        "}\r\n"
    )
    return {
        "activate.d": {".bat": on_bat, ".ps1": on_ps1},
        "deactivate.d": {".bat": off_bat, ".ps1": off_ps1},
    }


def auth_condarc(profile: Profile, condarc: dict[str, Any]) -> None:
    """What `conda token set --system` puts into the system .condarc (anaconda-auth's
    _conda/repo_config.py token_set): default_channels, add_anaconda_token, and with
    signature verification extra_safety_checks and signing_metadata_url_base."""
    conda_token = profile.auth.conda_token
    if conda_token is None:
        return
    if "default_channels" not in condarc:
        condarc["default_channels"] = conda_token_channels(conda_token)
    condarc["add_anaconda_token"] = True
    if conda_token.signature_verification:
        condarc["extra_safety_checks"] = True
        condarc["signing_metadata_url_base"] = CONDA_TOKEN_REPO.rstrip("/")

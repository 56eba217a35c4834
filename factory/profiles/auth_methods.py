"""Repository authentication methods besides the PSM site: `auth.anaconda_auth`,
`auth.conda_token`, `auth.anon_usage` and `auth.channel_settings`.

Each names the secret it needs by a `tokens:` entry, so a secret has one model (where the
build machine holds it, whether the installer bakes it or the deployment hands it over)
and the deployment kits, redaction and `scan` treat it like every token. Only
`conda_token`'s is a repository token conda sends as `/t/<token>`; the others are
secrets conda never puts in a URL (`secret_tokens`), so token_carriers.py gives them no
.condarc carrier and the post-install step writes them into their own files.

What each method writes follows its upstream tool (facts from their sources):
- anaconda-auth (anaconda/anaconda-auth, `_conda/auth_handler.py`, `_conda/config.py`):
  its conda auth handler `anaconda-auth` is chosen by `channel_settings`, and sends
  `Bearer $ANACONDA_AUTH_API_KEY` before looking at any per-user store (`~/.anaconda/
  config.toml`, `~/.anaconda/keyring`). It has no system-wide credential location.
- conda-token (`conda token set`, `_conda/repo_config.py` `token_set`): the token for
  https://repo.anaconda.cloud/repo/, `add_anaconda_token: true` and default_channels
  main, r, msys2 (plus archive channels), optionally signature verification.
- anaconda-anon-usage (`tokens.py` `_search_path`, `_system_tokens`; README "System
  tokens"): `org_token` in a conda configuration folder, among them `$CONDA_ROOT`; at most
  36 of A-Z a-z 0-9 _ -; and `anaconda_anon_usage: true #!final` in a system condarc.
- conda-auth (conda-incubator/conda-auth, `handlers/basic_auth.py`): the `http-basic`
  handler takes `username` and `password` from the matching `channel_settings` entry
  before its per-user keyring; it refuses plain http.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StringConstraints

from factory.formats.base import StrictModel
from factory.profiles.fields import GroupName

# conda-token's repository (REPO_URL in anaconda-auth's _conda/repo_config.py)
CONDA_TOKEN_REPO = "https://repo.anaconda.cloud/repo/"
CONDA_TOKEN_CHANNELS = ("main", "r", "msys2")  # MAIN_CHANNEL + ACTIVE_CHANNELS
ARCHIVE_CHANNELS = ("free", "mro-archive", "pro")

# Characters a secret of these methods may hold on the target machine: what API keys
# (JWTs: base64url and dots) and HTTP passwords made as tokens (Artifactory identity and
# reference tokens, Nexus user tokens) use; nothing sh, cmd.exe or a YAML single-quoted
# value would treat specially.
SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
# anaconda-anon-usage keeps only ^[A-Za-z0-9_-]{1,36}$ (VALID_TOKEN_RE in tokens.py);
# fewer than 8 characters could not be redacted from logs (leaks/shapes.py)
ORG_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
ORG_TOKEN_MAX = 36
SECRET_MIN = 8

Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]
Domain = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+$"),
]
_GLOB = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~*/-]*)?$")


def _channel_glob(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError(
            "must start with https:// (conda-auth sends no credentials over plain http)"
        )
    if len(value) > 400 or not _GLOB.match(value):
        raise ValueError(
            "must be an https URL pattern of a host and a path of letters, digits and "
            ". _ ~ * / -, e.g. https://art.corp.example/artifactory/api/conda/*"
        )
    return value


# an https URL pattern as conda matches channel_settings (fnmatch on host and path)
ChannelGlob = Annotated[str, AfterValidator(_channel_glob)]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")]


class AnacondaAuth(StrictModel):
    """anaconda-auth for an Anaconda organization, with an API key for unattended use."""

    org: Slug = Field(description="Organization name (slug) on the site, as `--org` takes it.")
    domain: Domain = Field(
        "anaconda.com", description="The site's domain (anaconda-auth's `domain`)."
    )
    api_key: GroupName = Field(
        description="Name of the `tokens:` entry holding the API key (install: bake or deploy)."
    )


class CondaTokenAuth(StrictModel):
    """What `conda token set --system` configures, for a token given like every token."""

    token: GroupName = Field(
        description="Name of the `tokens:` entry holding the organization token; its url "
        f"must be {CONDA_TOKEN_REPO}."
    )
    archive_channels: list[Literal[ARCHIVE_CHANNELS]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Archive channels added to default_channels."
    )
    signature_verification: StrictBool = Field(
        False, description="conda's package signature verification (extra_safety_checks)."
    )


class AnonUsageAuth(StrictModel):
    """anaconda-anon-usage's organization token, and telemetry kept on (`#!final`)."""

    org_token: GroupName = Field(
        description="Name of the `tokens:` entry holding the organization token."
    )


class ChannelSettingsAuth(StrictModel):
    """One `channel_settings` entry for a mirror behind HTTP basic authentication
    (Artifactory, Nexus), through conda-auth's `http-basic` handler."""

    channel: ChannelGlob = Field(
        description="https URL pattern of the channels, e.g. https://art.corp/api/conda/*."
    )
    username: Username = Field(description="The account conda logs in as.")
    password: GroupName = Field(
        description="Name of the `tokens:` entry holding the password (or the API token "
        "the repository accepts as one)."
    )


SecretKind = Literal["api_key", "org_token", "password"]


def secret_tokens(auth: object) -> dict[str, tuple[SecretKind, tuple[str | int, ...]]]:
    """The `tokens:` entries the methods use as secrets conda never puts in a URL, with
    their kind and the key that names them. `auth` is the profile's `auth`."""
    out: dict[str, tuple[SecretKind, tuple[str | int, ...]]] = {}
    anaconda = getattr(auth, "anaconda_auth", None)
    if anaconda is not None:
        out.setdefault(anaconda.api_key, ("api_key", ("auth", "anaconda_auth", "api_key")))
    anon = getattr(auth, "anon_usage", None)
    if anon is not None:
        out.setdefault(anon.org_token, ("org_token", ("auth", "anon_usage", "org_token")))
    for i, entry in enumerate(getattr(auth, "channel_settings", None) or []):
        out.setdefault(entry.password, ("password", ("auth", "channel_settings", i, "password")))
    return out


def secret_acceptable(kind: SecretKind, value: str) -> bool:
    """Whether the post-install step would write this secret (it refuses anything else)."""
    chars = ORG_TOKEN_CHARS if kind == "org_token" else SECRET_CHARS
    longest = ORG_TOKEN_MAX if kind == "org_token" else 4096
    return SECRET_MIN <= len(value) <= longest and all(c in chars for c in value)


def conda_token_channels(conda_token: CondaTokenAuth) -> list[str]:
    """default_channels as conda-token sets them: main first, then r, msys2, archives."""
    names = [*CONDA_TOKEN_CHANNELS, *conda_token.archive_channels]
    return [CONDA_TOKEN_REPO + name for name in names]


def final_settings(auth: object) -> dict[str, object]:
    """condarc keys a method needs users not to override (written `#!final` with
    `condarc.enforce`, factory/profiles/enforce.py): anaconda-anon-usage's README asks
    for `anaconda_anon_usage: true #!final` beside a system org_token."""
    if getattr(auth, "anon_usage", None) is not None:
        return {"anaconda_anon_usage": True}
    return {}

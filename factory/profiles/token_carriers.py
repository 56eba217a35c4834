"""Where an installed token rides in the shipped .condarc, so that every conda finds it.

conda takes a repository token from two places only: a channel URL holding `/t/<token>`
(`split_anaconda_token` in conda/common/url.py), or a file under `$BINSTAR_CONFIG_DIR/data`
or the user's own binstar folder (conda/gateways/anaconda_client.py). The variable reaches
only shells that ran `conda activate`, and the folder only the account that installed, so
the installed token goes into the prefix's `.condarc`, which conda reads for every user,
activated or not (`$CONDA_ROOT/.condarc`).

Channels are not rewritten one by one. conda gives a channel the token of the location it
resolves to (`_read_channel_configuration` in conda/models/channel.py): first a
`custom_channels` entry whose location and name start the URL, then `channel_alias`. So a
token rides on `channel_alias` when the alias lies under the token's URL (every channel
under the alias, named or full, gets it), and on one `custom_channels` entry per full
channel URL the alias does not cover. Both keys are a scalar or a map, so the post-install
step can append them to the shipped file; the render leaves a carried `channel_alias` out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from factory.profiles import channels as ch
from factory.profiles.auth_methods import conda_token_channels, secret_tokens
from factory.profiles.finding import Finding
from factory.profiles.model import Profile

# a custom_channels name conda treats as a channel name (no path separators)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Carrier:
    """One .condarc value that ends in the token: `<location>/t/<token>`."""

    token: str  # the profile's token name
    key: str  # "channel_alias", or a name under custom_channels
    location: str  # the URL the token follows, without a trailing slash

    @property
    def on_alias(self) -> bool:
        return self.key == "channel_alias"

    @property
    def marker(self) -> str:
        """Text the .condarc holds once a token rides here (kits check for it)."""
        return f"{self.location}/t/"


@dataclass(frozen=True)
class _Entry:
    text: str  # as the profile lists it
    url: str  # normalized, no trailing slash
    by_name: bool  # resolved through channel_alias


def _alias(profile: Profile) -> str:
    return ch.normalize(profile.condarc.channel_alias or ch.CHANNEL_ALIAS)


def _entries(profile: Profile) -> list[_Entry]:
    """The channels of the shipped .condarc, as the URLs conda resolves them to."""
    alias = _alias(profile)
    defaults = installed_default_channels(profile)
    out: list[_Entry] = []
    listed = ch.installed_channels(profile) + list(defaults or [])
    for text in listed:
        if text == "defaults":
            if defaults is None:
                out += [_Entry(url, url, False) for url in ch.DEFAULTS]
            continue
        if "://" in text:
            out.append(_Entry(text, ch.normalize(text), False))
        else:
            out.append(_Entry(text, f"{alias}/{text.strip('/')}", True))
    return out


def installed_default_channels(profile: Profile) -> list[str] | None:
    """condarc.default_channels, or with auth.conda_token the ones conda-token sets."""
    conda_token = profile.auth.conda_token
    if profile.condarc.default_channels is None and conda_token is not None:
        return conda_token_channels(conda_token)
    return profile.condarc.default_channels


def _under(url: str, base: str) -> bool:
    return (url + "/").startswith(base + "/")


def _installed(profile: Profile) -> list[tuple[str, str]]:
    # secrets of the auth methods never ride in a URL (auth_methods.py secret_tokens)
    secrets = secret_tokens(profile.auth)
    return [
        (name, ch.normalize(token.url))
        for name, token in sorted(profile.tokens.items())
        if token.install != "none" and name not in secrets
    ]


def _plan(profile: Profile) -> tuple[list[Carrier], list[Finding]]:
    alias = _alias(profile)
    entries = _entries(profile)
    names = {e.text.strip("/") for e in entries if e.by_name}
    carriers: list[Carrier] = []
    findings: list[Finding] = []
    custom: dict[str, Carrier] = {}
    for name, base in _installed(profile):
        where = ("tokens", name, "url")
        on_alias = _under(alias, base)
        if on_alias:
            carriers.append(Carrier(name, "channel_alias", alias))
        hits = [e for e in entries if _under(e.url, base)]
        if not hits and not on_alias:
            findings.append(
                Finding(
                    where,
                    f"no channel of the installed .condarc is under {base}/, nor is "
                    "condarc.channel_alias: conda would never send this token; give the "
                    "URL of the repository the channels are on",
                )
            )
        for entry in hits:
            if on_alias and _under(entry.url, alias):
                continue  # the alias carries it
            if entry.by_name:
                findings.append(
                    Finding(
                        where,
                        f"channel `{entry.text}` reaches {entry.url} through "
                        f"condarc.channel_alias ({alias}), which is wider than this token's "
                        "URL; conda sends a token on the alias to every channel under it: "
                        f"give the token the alias URL ({alias}/) or list the channel by "
                        "its full URL",
                    )
                )
                continue
            location, _, key = entry.url.rpartition("/")
            if "://" not in location or not _NAME.match(key):
                findings.append(
                    Finding(
                        where,
                        f"channel {entry.url} has no name conda can file its token under "
                        "(custom_channels); list it as <repository URL>/<channel name>",
                    )
                )
                continue
            carrier = Carrier(name, key, location)
            known = custom.get(key)
            if known is not None and known != carrier:
                findings.append(
                    Finding(
                        where,
                        f"channels {known.location}/{key} and {entry.url} share the name "
                        f"`{key}`, and conda files a channel's token by name "
                        "(custom_channels): rename one of them on the server",
                    )
                )
            elif key in names:
                findings.append(
                    Finding(
                        where,
                        f"the token for {entry.url} would make the channel name `{key}`, "
                        "which the .condarc also lists by name, mean this URL; list that "
                        "channel by its full URL",
                    )
                )
            elif known is None:
                custom[key] = carrier
                carriers.append(carrier)
    if custom and "custom_channels" in profile.condarc.settings:
        findings.append(
            Finding(
                ("condarc", "settings", "custom_channels"),
                "installed tokens ride in custom_channels, which the post-install step "
                "writes: list these channels in `channels` instead",
            )
        )
    return carriers, findings


def token_carriers(profile: Profile) -> tuple[Carrier, ...]:
    """Every carrier, the alias first, then custom channels by name (validate refuses
    the profiles where some installed token would have none)."""
    carriers, _ = _plan(profile)
    return tuple(sorted(carriers, key=lambda c: (not c.on_alias, c.key)))


def carrier_findings(profile: Profile) -> Iterator[Finding]:
    _, findings = _plan(profile)
    yield from findings

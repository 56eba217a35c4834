"""Cross-key rules for the authentication methods besides PSM (auth_methods.py): the
`tokens:` entries they name, the packages whose tools read what the post-install writes,
and the .condarc keys they set. rules.py lists AUTH_RULES in RULES.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatch
from urllib.parse import urlparse

from factory.profiles import channels as ch
from factory.profiles.auth_methods import CONDA_TOKEN_REPO, secret_tokens
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources
from factory.profiles.spec_rules import spec_name
from factory.profiles.token_carriers import installed_default_channels

Where = tuple[str | int, ...]

# what reads each method's files on the installed machine
_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "anaconda_auth": (
        ("conda", "its conda plugin is conda's"),
        ("anaconda-auth", "its conda plugin sends the API key (auth: anaconda-auth)"),
    ),
    "anon_usage": (("anaconda-anon-usage", "it reads the org_token and sends it"),),
    "channel_settings": (
        ("conda", "conda reads channel_settings (conda 23.9 or later)"),
        ("conda-auth", "its `http-basic` handler sends the username and password"),
    ),
}


def _references(profile: Profile) -> list[tuple[str, Where]]:
    auth = profile.auth
    out: list[tuple[str, Where]] = []
    if auth.anaconda_auth is not None:
        out.append((auth.anaconda_auth.api_key, ("auth", "anaconda_auth", "api_key")))
    if auth.conda_token is not None:
        out.append((auth.conda_token.token, ("auth", "conda_token", "token")))
    if auth.anon_usage is not None:
        out.append((auth.anon_usage.org_token, ("auth", "anon_usage", "org_token")))
    for i, entry in enumerate(auth.channel_settings):
        out.append((entry.password, ("auth", "channel_settings", i, "password")))
    return out


def auth_tokens(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Each named secret is a `tokens:` entry the installer installs, used for one thing."""
    used: dict[str, Where] = {}
    secrets = secret_tokens(profile.auth)
    for name, where in _references(profile):
        token = profile.tokens.get(name)
        if token is None:
            known = ", ".join(sorted(profile.tokens)) or "none"
            # the value is not repeated: it may be a pasted secret (secret_values.py)
            yield Finding(where, f"names no `tokens:` entry (known: {known})")
            continue
        if name in used and used[name][:2] != where[:2]:
            yield Finding(
                where,
                f"token `{name}` is already used by {'.'.join(map(str, used[name]))}; each "
                "method needs its own secret",
            )
            continue
        used.setdefault(name, where)
        if token.install == "none":
            yield Finding(
                ("tokens", name, "install"),
                f"{'.'.join(map(str, where))} uses it on the installed machine: give "
                "`install: bake` or `install: deploy`",
            )
    conda_token = profile.auth.conda_token
    if conda_token is not None and conda_token.token in profile.tokens:
        token = profile.tokens[conda_token.token]
        if conda_token.token in secrets:
            return  # reported above as used twice
        if ch.normalize(token.url) != ch.normalize(CONDA_TOKEN_REPO):
            yield Finding(
                ("tokens", conda_token.token, "url"),
                f"auth.conda_token's token is for {CONDA_TOKEN_REPO} (conda-token's "
                "repository): give that url",
            )


def auth_packages(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """The tools that read what a method writes must be installed."""
    auth = profile.auth
    given = {
        "anaconda_auth": auth.anaconda_auth is not None,
        "anon_usage": auth.anon_usage is not None,
        "channel_settings": bool(auth.channel_settings),
    }
    for method, on in given.items():
        if not on:
            continue
        for platform in profile.platforms:
            names = {spec_name(s) for s in profile.packages.specs_for(platform)}
            missing = [(p, why) for p, why in _NEEDS[method] if p not in names]
            if missing:
                package, why = missing[0]
                yield Finding(
                    ("auth", method),
                    f"needs `{package}` in packages for {platform.value}: {why}",
                )
                break


def auth_condarc(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """The .condarc keys a method sets are not set otherwise."""
    auth = profile.auth
    settings = profile.condarc.settings
    if auth.conda_token is not None and profile.condarc.default_channels is not None:
        yield Finding(
            ("condarc", "default_channels"),
            "auth.conda_token sets default_channels as `conda token set` does "
            f"({CONDA_TOKEN_REPO}main, r, msys2 and archive_channels); remove this key",
        )
    if auth.conda_token is not None:
        for key in ("add_anaconda_token", "extra_safety_checks", "signing_metadata_url_base"):
            if key in settings:
                yield Finding(
                    ("condarc", "settings", key),
                    f"auth.conda_token sets `{key}` as `conda token set` does; remove it here",
                )
    if auth.conda_token is not None and "defaults" not in ch.installed_channels(profile):
        yield Finding(
            ("auth", "conda_token"),
            "the installed channels do not list `defaults`, so conda uses the default "
            "channels conda-token sets only when asked for them (-c defaults); add "
            "`defaults` to condarc.channels",
            "warning",
        )
    if auth.anon_usage is not None and "anaconda_anon_usage" in settings:
        yield Finding(
            ("condarc", "settings", "anaconda_anon_usage"),
            "auth.anon_usage writes `anaconda_anon_usage: true #!final`; remove it here",
        )


def _channel_urls(profile: Profile) -> list[str]:
    """The full URLs of the installed channels, as conda resolves them."""
    alias = ch.normalize(profile.condarc.channel_alias or ch.CHANNEL_ALIAS)
    listed = ch.installed_channels(profile) + list(installed_default_channels(profile) or [])
    out = []
    for text in listed:
        if text == "defaults":
            continue
        out.append(ch.normalize(text) if "://" in text else f"{alias}/{text.strip('/')}")
    return out


def _matches(glob: str, url: str) -> bool:
    """conda's match of a channel_settings `channel` against a URL (get_session in
    conda/gateways/connection/session.py): same scheme, fnmatch on host and path."""
    pattern, target = urlparse(glob), urlparse(url + "/")
    if pattern.scheme != target.scheme:
        return False
    return fnmatch(target.netloc + target.path, pattern.netloc + pattern.path) or fnmatch(
        target.netloc + target.path.rstrip("/"), pattern.netloc + pattern.path
    )


def auth_channel_settings(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Each mirror entry applies to some installed channel, once."""
    urls = _channel_urls(profile)
    seen: set[str] = set()
    for i, entry in enumerate(profile.auth.channel_settings):
        where: Where = ("auth", "channel_settings", i, "channel")
        if entry.channel in seen:
            yield Finding(where, "given twice; conda uses the last entry that matches")
            continue
        seen.add(entry.channel)
        if not any(_matches(entry.channel, url) for url in urls):
            yield Finding(
                where,
                "matches no channel of the installed .condarc, so conda would never send "
                "these credentials; give a pattern such as https://host/path/*",
                "warning",
            )


AUTH_RULES = (auth_tokens, auth_packages, auth_condarc, auth_channel_settings)

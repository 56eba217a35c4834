"""Rules about where a profile's URLs send tokens and logins: never in plain http://.

Installed machines send repository tokens and PSM OAuth traffic to these URLs; over
http:// anyone on the path reads them. A profile may still accept http:// with
`allow_insecure_http: true`, and then every such URL is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources

KeyPath = tuple[str | int, ...]


def _secured_urls(profile: Profile) -> Iterator[tuple[KeyPath, str]]:
    """The URLs installed machines (or tokens) talk to, by key."""
    for index, remap in enumerate(profile.channels_remap):
        yield ("channels_remap", index, "dest"), remap.dest
    for env_name, env in profile.extra_envs.items():  # an env's .condarc lists these
        for index, remap in enumerate(env.channels_remap or []):
            yield ("extra_envs", env_name, "channels_remap", index, "dest"), remap.dest
    rc = profile.condarc
    for key in ("channels", "default_channels", "allowlist_channels"):
        for index, channel in enumerate(getattr(rc, key) or []):
            yield ("condarc", key, index), channel
    if rc.channel_alias is not None:
        yield ("condarc", "channel_alias"), rc.channel_alias
    if profile.auth.psm is not None:
        yield ("auth", "psm", "url"), profile.auth.psm.url
    for name, token in profile.tokens.items():
        yield ("tokens", name, "url"), token.url


def plain_http(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    for path, url in _secured_urls(profile):
        if not url.lower().startswith("http://"):
            continue
        if profile.allow_insecure_http:
            yield Finding(
                path,
                "http:// sends tokens and logins in plain text; accepted because "
                "allow_insecure_http is true",
                "warning",
            )
        else:
            yield Finding(
                path,
                "http:// would send tokens and logins in plain text; use https://, or set "
                "`allow_insecure_http: true` to accept it (validate then warns)",
            )

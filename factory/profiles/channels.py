"""Channels at build time versus on installed machines, and the .condarc that ships.

constructor's own `write_condarc` copies the build-time channel URLs; the factory always
ships an explicit `condarc` built here from the remapped (dest) URLs instead.
"""

from __future__ import annotations

from typing import Any

from factory.profiles.model import Profile


def normalize(url: str) -> str:
    """Compare channels as constructor does: http and https alike, no trailing slash."""
    text = url.rstrip("/")
    if text.startswith("http://"):
        text = "https://" + text[len("http://") :]
    return text


def remap(profile: Profile) -> dict[str, str]:
    return {normalize(r.src): r.dest for r in profile.channels_remap}


def build_channels(profile: Profile) -> list[str]:
    """What the build solves from: `channels`, then remap sources not already listed."""
    out = list(profile.channels)
    listed = {normalize(c) for c in out}
    out += [r.src for r in profile.channels_remap if normalize(r.src) not in listed]
    return out


# conda's `defaults` on a machine with no .condarc of its own
DEFAULTS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
DEFAULTS_WIN = ("https://repo.anaconda.com/pkgs/msys2",)
CHANNEL_ALIAS = "https://conda.anaconda.org"


def channel_urls(channel: str, subdir: str) -> list[str]:
    """The base URLs a profile's channel stands for (names go through conda's alias)."""
    if "://" in channel:
        return [channel.rstrip("/")]
    if channel == "defaults":
        return list(DEFAULTS) + (list(DEFAULTS_WIN) if subdir.startswith("win-") else [])
    return [f"{CHANNEL_ALIAS}/{channel}"]


def installed_channels(profile: Profile) -> list[str]:
    """The channel list installed machines use: explicit, or the build channels remapped."""
    if profile.condarc.channels is not None:
        return list(profile.condarc.channels)
    mapping = remap(profile)
    out: list[str] = []
    for channel in build_channels(profile):
        target = mapping.get(normalize(channel), channel)
        if target not in out:
            out.append(target)
    return out


def unmapped_urls(profile: Profile) -> list[str]:
    """Build channels given as URLs that would ship as they are (no remap, no override)."""
    if profile.condarc.channels is not None:
        return []
    mapping = remap(profile)
    return [c for c in build_channels(profile) if "://" in c and normalize(c) not in mapping]


def ca_bundle_in_use(profile: Profile) -> bool:
    """Whether the installed conda is pointed at the shipped CA bundle (set at install time)."""
    wanted = profile.condarc.ssl_verify
    return bool(profile.ca_certs) and wanted in (None, "ca_bundle")


def bundle_env_vars(profile: Profile) -> list[str]:
    """Variables the post-install step points at the bundle (none without a bundle)."""
    return list(profile.trust.env) if profile.ca_certs else []


def scripts_use_bundle(profile: Profile) -> bool:
    """Whether the post-install step refers to the installed CA bundle at all."""
    return (
        ca_bundle_in_use(profile)
        or psm_ssl_verify(profile) == "ca_bundle"
        or bool(bundle_env_vars(profile))
    )


def psm_ssl_verify(profile: Profile) -> bool | str | None:
    psm = profile.auth.psm
    if psm is None:
        return None
    if psm.ssl_verify is None:
        return "ca_bundle" if profile.ca_certs else True
    return psm.ssl_verify


def condarc_content(profile: Profile) -> dict[str, Any]:
    """The shipped .condarc as ordered data. `ssl_verify` pointing at the CA bundle needs the
    install prefix, so the post-install script writes that one key."""
    rc = profile.condarc
    out: dict[str, Any] = {"channels": installed_channels(profile)}
    if rc.default_channels is not None:
        out["default_channels"] = list(rc.default_channels)
    if rc.channel_alias is not None:
        out["channel_alias"] = rc.channel_alias
    out["channel_priority"] = rc.channel_priority
    out["report_errors"] = rc.report_errors
    if isinstance(rc.ssl_verify, bool) or rc.ssl_verify == "truststore":
        out["ssl_verify"] = rc.ssl_verify
    if rc.proxy_servers is not None:
        proxies = rc.proxy_servers.model_dump(exclude_none=True)
        if proxies:
            out["proxy_servers"] = proxies
    for key in ("pkgs_dirs", "envs_dirs", "allowlist_channels"):
        value = getattr(rc, key)
        if value is not None:
            out[key] = list(value)
    for key in sorted(rc.settings):
        out[key] = rc.settings[key]
    return out

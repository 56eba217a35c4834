"""`condarc.enforce` names keys the installation's .condarc sets, each once, and none that
an installed token rides on (factory/profiles/enforce.py says where they are written)."""

from __future__ import annotations

from collections.abc import Iterator

from factory.profiles.enforce import enforceable
from factory.profiles.finding import Finding
from factory.profiles.model import CONDARC_MANAGED, Profile
from factory.profiles.sources import ProfileSources
from factory.profiles.token_carriers import token_carriers


def _channels_open(profile: Profile) -> bool:
    """`--override-channels -c URL` skips `channels` (conda's `Context.channels`) unless
    `override_channels_enabled` is false, final too; `allowlist_channels` still applies."""
    rc = profile.condarc
    closed = (
        rc.settings.get("override_channels_enabled") is False
        and "override_channels_enabled" in rc.enforce
    )
    return not closed and rc.allowlist_channels is None


def enforced_keys(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    enforce = profile.condarc.enforce
    if not enforce:
        return
    settable = enforceable(profile)
    carriers = token_carriers(profile)
    for index, key in enumerate(enforce):
        where = ("condarc", "enforce", index)
        if key in enforce[:index]:
            yield Finding(where, f"{key} is listed twice")
        elif key == "channel_alias" and any(c.on_alias for c in carriers):
            token = next(c.token for c in carriers if c.on_alias)
            yield Finding(
                where,
                f"the installed token `{token}` rides on channel_alias, which the "
                "post-install step appends to the .condarc with the token; a final "
                "channel_alias without it would keep conda from sending the token: remove "
                "channel_alias from condarc.enforce",
            )
        elif key == "custom_channels" and any(not c.on_alias for c in carriers):
            yield Finding(
                where,
                "installed tokens ride in custom_channels, which the post-install step "
                "writes; it cannot be enforced: remove it from condarc.enforce",
            )
        elif key == "ssl_verify" and key not in settable:
            yield Finding(
                where,
                "the .condarc does not set ssl_verify: set condarc.ssl_verify (or give "
                "ca_certs, which point it at the installed CA bundle), or remove it from "
                "condarc.enforce",
            )
        elif key == "channels" and _channels_open(profile):
            yield Finding(
                where,
                "users can still pick other channels with `conda install --override-channels "
                "-c URL`, which does not read `channels`: also set "
                "condarc.settings.override_channels_enabled: false and enforce it, or set "
                "condarc.allowlist_channels",
                "warning",
            )
        elif key not in settable:
            where_to = f"condarc.{key}" if key in CONDARC_MANAGED else f"condarc.settings.{key}"
            yield Finding(
                where,
                f"the .condarc does not set {key}, so there is nothing to enforce: set "
                f"{where_to}, or remove it from condarc.enforce",
            )
    own = sorted(n for n, e in profile.extra_envs.items() if e.channels is not None)
    if "channels" in enforce and own:
        yield Finding(
            ("condarc", "enforce", enforce.index("channels")),
            f"extra_envs {', '.join(own)} bring their own channels in envs/<name>/.condarc, "
            "which a final `channels` overrides: conda in those environments will use only "
            "the enforced channels; list theirs in condarc.channels, or do not enforce "
            "channels",
            "warning",
        )

"""Channels of an extra environment at build time and on installed machines.

constructor gives each of `extra_envs` the top-level `channels` and `channels_remap` unless
it sets its own (constructor/fcp.py `_main`, preconda.py `write_channels_txt`); the solve
reads the channels plus the remap sources (fcp.py `_solve_precs`), as for base.
"""

from __future__ import annotations

from factory.profiles.channels import build_channels, installed_channels, normalize
from factory.profiles.model import ChannelRemap, ExtraEnv, Profile


def env_remap(profile: Profile, env: ExtraEnv) -> list[ChannelRemap]:
    return list(profile.channels_remap if env.channels_remap is None else env.channels_remap)


def env_build_channels(profile: Profile, env: ExtraEnv) -> list[str]:
    """What the environment solves from: its channels (or the profile's), then remap
    sources not already listed."""
    if env.channels is None and env.channels_remap is None:
        return build_channels(profile)
    out = list(profile.channels if env.channels is None else env.channels)
    listed = {normalize(c) for c in out}
    out += [r.src for r in env_remap(profile, env) if normalize(r.src) not in listed]
    return out


def own_channels(env: ExtraEnv) -> bool:
    """Whether the environment's channels differ from base's by its own settings."""
    return env.channels is not None or env.channels_remap is not None


def env_installed_channels(profile: Profile, env: ExtraEnv) -> list[str]:
    """The channels installed machines use in the environment: base's when it sets none
    of its own, else its build channels through its remap."""
    if not own_channels(env):
        return installed_channels(profile)
    mapping = {normalize(r.src): r.dest for r in env_remap(profile, env)}
    out: list[str] = []
    for channel in env_build_channels(profile, env):
        target = mapping.get(normalize(channel), channel)
        if target not in out:
            out.append(target)
    return out

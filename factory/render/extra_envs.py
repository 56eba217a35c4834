"""The protected base and the extra environments of one project: constructor's
`freeze_base` and `extra_envs`, decided here for plan.py.

constructor (3.16, read at f57a3e7b) gives each extra environment the top-level
`channels`, `channels_remap`, `exclude` and `menu_packages` unless it sets its own
(fcp.py `_main`, preconda.py `write_channels_txt`, `write_shortcuts_txt`); it does not
inherit `user_requested_specs` (preconda.py `write_files`), so it is always written. With
a lock, an environment is built as base is: from an explicit list of exactly its locked
records (`environment_file`, which makes constructor ignore `specs` and `channels`).

On installed machines conda reads `<env>/.condarc` while that environment is active
(conda/base/constants.py SEARCH_PATH `$CONDA_PREFIX/.condarc`), and merges its `channels`
ahead of base's; constructor writes none, it uses an environment's channels only while
installing (CONDA_CHANNELS). An environment with channels of its own therefore ships one
listing them (remapped), so that `conda install` in it looks there first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from factory.formats.lock_file import PlatformLock
from factory.lock.lockfile import explicit_text
from factory.platforms import Platform
from factory.profiles.env_channels import env_installed_channels, own_channels
from factory.profiles.model import Freeze, Profile
from factory.quoting import yamltext

ENVS_DIR = "envs"  # in the project: envs/<name>.txt, envs/<name>.condarc


def frozen(freeze: Freeze | None) -> dict[str, Any] | None:
    """constructor's `freeze_base`/`freeze_env` value: the `conda` mapping is what the
    installer writes, as JSON, to conda-meta/frozen (preconda.py `write_frozen`)."""
    if freeze is None:
        return None
    return {"conda": freeze.model_dump(exclude_none=True)}


@dataclass(frozen=True)
class EnvPlan:
    name: str
    key: str  # the name as a YAML key
    spec_groups: tuple[tuple[str, tuple[str, ...]], ...]
    environment_file: str | None  # with a lock: its explicit list, a file of the project
    explicit: str | None  # that file's text
    channels: tuple[str, ...] | None  # only its own, and only when it solves
    channels_remap: tuple[tuple[str, str], ...] | None
    exclude: tuple[str, ...] | None
    menu_packages: tuple[str, ...] | None
    freeze_env: Mapping[str, Any] | None
    condarc: str | None  # the project file of its installed .condarc, when it has one
    installed_channels: tuple[str, ...]

    def context(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": self.key,
            "spec_groups": [(group, list(specs)) for group, specs in self.spec_groups],
            "environment_file": self.environment_file,
            "channels": None if self.channels is None else list(self.channels),
            "channels_remap": None
            if self.channels_remap is None
            else [{"src": src, "dest": dest} for src, dest in self.channels_remap],
            "exclude": None if self.exclude is None else list(self.exclude),
            "menu_packages": None if self.menu_packages is None else list(self.menu_packages),
            "freeze_env": None if self.freeze_env is None else dict(self.freeze_env),
        }

    @property
    def condarc_destination(self) -> str:
        return f"{ENVS_DIR}/{self.name}/.condarc"


def plan_envs(
    profile: Profile, platform: Platform, locked: PlatformLock | None
) -> tuple[EnvPlan, ...]:
    """One EnvPlan per extra environment, in name order. `locked`: the platform's lock,
    whose `envs` hold every environment (render refuses a stale lock before this)."""
    out = []
    for name in sorted(profile.extra_envs):
        env = profile.extra_envs[name]
        env_lock = locked.envs.get(name) if locked is not None else None
        explicit = None
        if env_lock is not None:
            explicit = explicit_text(platform, env_lock.packages, name)
        remap = env.channels_remap
        has_rc = own_channels(env)
        channels = env.channels
        if locked is not None and explicit is None:
            # base is built from its lock and has no `channels` for this one to inherit
            # (a stale lock missing this environment, rendered with --allow-stale)
            channels = env.channels or profile.channels
        out.append(
            EnvPlan(
                name=name,
                key=yamltext.key(name),
                spec_groups=tuple((g, tuple(s)) for g, s in env.groups_for(platform)),
                environment_file=f"{ENVS_DIR}/{name}.txt" if explicit is not None else None,
                explicit=explicit,
                channels=tuple(channels) if channels and explicit is None else None,
                channels_remap=None if remap is None else tuple((r.src, r.dest) for r in remap),
                exclude=None if env.exclude is None else tuple(env.exclude),
                menu_packages=None if env.menu_packages is None else tuple(env.menu_packages),
                freeze_env=frozen(env.freeze),
                condarc=f"{ENVS_DIR}/{name}.condarc" if has_rc else None,
                installed_channels=tuple(env_installed_channels(profile, env)),
            )
        )
    return tuple(out)


def env_files(envs: tuple[EnvPlan, ...]) -> dict[str, bytes]:
    """The project files of the extra environments: explicit lists and .condarc files."""
    out: dict[str, bytes] = {}
    for env in envs:
        if env.environment_file is not None and env.explicit is not None:
            out[env.environment_file] = env.explicit.encode()
        if env.condarc is not None:
            text = (
                f"# Channels of environment {env.name}: conda reads this file while the "
                "environment is active\n# and puts these channels ahead of base's.\n"
            )
            text += yamltext.dump({"channels": list(env.installed_channels)})
            out[env.condarc] = text.encode()
    return out


def env_extra_files(envs: tuple[EnvPlan, ...]) -> list[tuple[str, str]]:
    """(project file, path under the prefix) of each environment's installed .condarc."""
    return [(e.condarc, e.condarc_destination) for e in envs if e.condarc is not None]

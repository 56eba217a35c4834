"""Cross-key rules of `extra_envs` and `freeze_base`: what constructor 3.16 refuses or
silently does differently, checked up front (constructor/fcp.py `_main`,
`_solve_precs`; main.py `main_build`; utils.py `get_final_url`).
"""

from __future__ import annotations

from collections.abc import Iterator

from factory.profiles import channels as ch
from factory.profiles.env_channels import env_build_channels, env_remap, own_channels
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources
from factory.profiles.spec_rules import spec_name


def envs_need_conda(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """fcp.py `_main`: "conda needs to be present in 'base' environment for 'extra_envs'
    to work" (the installer installs each environment with base's conda)."""
    if not profile.extra_envs:
        return
    for platform in profile.platforms:
        if not any(spec_name(s) == "conda" for s in profile.packages.specs_for(platform)):
            yield Finding(
                ("extra_envs",),
                f"needs `conda` in packages for {platform.value}: constructor installs "
                "extra environments with base's conda and refuses them without it",
            )
            return


def env_packages(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Each environment has specs on every platform, names each package once, and does
    not drop what it asks for (its own exclude, or packages.exclude it inherits)."""
    for env_name, env in profile.extra_envs.items():
        found: dict[tuple[str | int, ...], Finding] = {}
        for platform in profile.platforms:
            groups = env.groups_for(platform)
            if not any(specs for _, specs in groups):
                yield Finding(
                    ("extra_envs", env_name, "specs"),
                    f"no packages for {platform.value}: give the environment at least one "
                    "spec there (or a group under os/platform for it)",
                )
                break
            first: dict[str, str] = {}
            for group, specs in groups:
                for index, spec in enumerate(specs):
                    name = spec_name(spec)
                    path = (*_group_path(env_name, group), index)
                    if name in first:
                        message = f"`{name}` is already requested by group {first[name]}"
                        found.setdefault(path, Finding(path, message + "; list each once"))
                    first.setdefault(name, group)
            excluded = env.exclude if env.exclude is not None else profile.packages.exclude
            for index, name in enumerate(excluded):
                if name.lower() not in first:
                    continue
                if env.exclude is not None:
                    where: tuple[str | int, ...] = ("extra_envs", env_name, "exclude", index)
                    message = f"`{name}` is both requested and excluded"
                else:
                    where = ("extra_envs", env_name)
                    message = (
                        f"requests `{name}`, which packages.exclude drops: constructor applies "
                        "the top-level exclude to an environment without its own; set "
                        f"extra_envs.{env_name}.exclude"
                    )
                found.setdefault(where, Finding(where, message))
        yield from found.values()


def _group_path(env_name: str, label: str) -> tuple[str, ...]:
    parts = label.split(".", 2)
    if parts[0] in ("os", "platform") and len(parts) == 3:
        return ("extra_envs", env_name, parts[0], parts[1], parts[2])
    return ("extra_envs", env_name, "specs", label)


def env_channels(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """constructor records every environment's package URLs through the top-level
    channels_remap only (preconda.py `write_files` calls utils.py `get_final_url` with
    the installer's own settings), so an environment's own remap changes what conda
    reads while installing, not the URLs installed conda-meta records."""
    top = {ch.normalize(r.src): r.dest for r in profile.channels_remap}
    for env_name, env in profile.extra_envs.items():
        if not own_channels(env):
            continue
        mine = {ch.normalize(r.src): r.dest for r in env_remap(profile, env)}
        for index, remap in enumerate(env.channels_remap or []):
            if top.get(ch.normalize(remap.src)) != remap.dest:
                yield Finding(
                    ("extra_envs", env_name, "channels_remap", index),
                    "constructor records the environment's packages with the top-level "
                    "channels_remap only: add this entry there too, or installed machines "
                    "keep the build-time URL in the environment's conda-meta",
                    "warning",
                )
        for channel in env_build_channels(profile, env):
            if "://" in channel and ch.normalize(channel) not in mine:
                listed = env.channels or []
                index = listed.index(channel) if channel in listed else 0
                yield Finding(
                    ("extra_envs", env_name, "channels", index),
                    f"{channel} has no channels_remap entry, so installed machines use this "
                    "build-time URL in the environment; add a remap",
                    "warning",
                )


def duplicate_files(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """fcp.py `_main` skips the duplicate-files check whenever extra_envs are used."""
    if profile.extra_envs and profile.install.ignore_duplicate_files is False:
        yield Finding(
            ("install", "ignore_duplicate_files"),
            "has no effect with extra_envs: constructor skips the duplicate files check "
            "for every environment then",
            "warning",
        )


ENV_RULES = (envs_need_conda, env_packages, env_channels, duplicate_files)

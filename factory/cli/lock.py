"""`lock`, `doctor` and `sbom`: arguments and printing; the work is in factory.lock."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from factory.cli.common import (
    AddCommand,
    load_all,
    platform_option,
    profile_argument,
    select_targets,
)
from factory.cli.output import Console
from factory.errors import InputError, display_path


def add_lock(add: AddCommand) -> None:
    p = add(
        "lock",
        "solve a profile once per platform and write its lock file",
        "Solve each platform's specs (base and every extra environment) with py-rattler\n"
        "against the profile's build channels (an environment's own, if it has them)\n"
        "(tokens from the environment, channel priority as the profile says, the\n"
        "platform's virtual packages) and write <profile>.lock.yaml beside the profile.\n"
        "Where the solution has python, pip is added as conda adds it (unless the\n"
        "profile's condarc sets add_pip_as_python_dependency: false).\n"
        "The lock keeps the specs it came from, so validate and render notice a profile\n"
        "changed after locking. What changed is printed after every lock.\n\n"
        "exit status: 0 locked, 1 invalid profile or no solution (see `doctor`)",
    )
    _common(p)
    p.add_argument(
        "--update",
        nargs="+",
        metavar="NAME",
        help="re-solve letting only these packages move; every other keeps its pin (a "
        "package just added to the profile's specs is solved freshly)",
    )
    p.add_argument(
        "--diff", action="store_true", help="solve and show what would change; write nothing"
    )
    p.add_argument(
        "--packages-dir",
        type=Path,
        metavar="DIR",
        help="a folder of the downloaded Windows packages: lock reads their file lists to "
        "record the longest path the installer writes (file:// channels need none), so "
        "validate and render can check the Windows prefixes against MAX_PATH",
    )
    p.set_defaults(func=cmd_lock)


def add_doctor(add: AddCommand) -> None:
    p = add(
        "doctor",
        "explain why a profile does not solve",
        "Solve each platform; for one that fails, say which specs conflict and which have\n"
        "no candidate. With --reference-channel (an unfiltered snapshot), solve again with\n"
        "it at the lowest priority and list exactly the packages the organization's\n"
        "channels are missing or filter out, with the versions that would do.\n\n"
        "exit status: 0 every platform solves, 1 one does not (or invalid profile)",
    )
    _common(p)
    p.add_argument(
        "--reference-channel",
        action="append",
        default=[],
        metavar="URL",
        help="an unfiltered channel to compare with (repeatable)",
    )
    p.set_defaults(func=cmd_doctor)


def add_sbom(add: AddCommand) -> None:
    p = add(
        "sbom",
        "write CycloneDX SBOMs from a profile's lock",
        "One CycloneDX 1.5 JSON file per platform from the lock: every package with\n"
        "version, build, channel, hashes and licence; each extra environment is a\n"
        "component (envs/<name>) holding its own. `build` also writes one beside\n"
        "each installer.",
    )
    profile_argument(p)
    platform_option(p)
    p.add_argument("--output", "-o", type=Path, metavar="DIR", default=Path("."), help="default: .")
    p.set_defaults(func=cmd_sbom)


def _common(p: argparse.ArgumentParser) -> None:
    profile_argument(p)
    platform_option(p)
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="repodata cache (default: $INSTALLER_FACTORY_CACHE_DIR, else the user cache dir)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=None,
        metavar="SECONDS",
        help="use cached repodata this young without asking the server (default 900)",
    )
    p.add_argument("--refresh", action="store_true", help="download repodata again")
    p.add_argument(
        "--virtual-package",
        action="append",
        default=[],
        metavar="NAME=VERSION",
        help="assume this virtual package on target machines, e.g. __cuda=12.4 or "
        "__glibc=2.28 (repeatable)",
    )


# --- shared -----------------------------------------------------------------------------


def _profile(args: argparse.Namespace, out: Console) -> tuple[Any, list[Any]]:
    _, loaded = load_all([args.profile], out)
    targets = select_targets(loaded, args.platform, "lock")
    return loaded[0], [t.platform for t in targets]


def _fetcher(item: Any, args: argparse.Namespace) -> Any:
    from factory.lock.repodata import DEFAULT_MAX_AGE, Fetcher, default_cache_dir
    from factory.profiles.tokens import token_values

    tokens = {item.profile.tokens[n].url: v for n, v in token_values(item).items()}
    ca = item.sources.ca_bundle
    return Fetcher(
        cache_dir=args.cache_dir or default_cache_dir(),
        tokens=tokens,
        ca_bundle=ca,
        max_age=DEFAULT_MAX_AGE if args.max_age is None else args.max_age,
        refresh=args.refresh,
    )


def _overrides(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, version = value.partition("=")
        if not sep or not name.startswith("__") or not version:
            raise InputError(f"--virtual-package {value}: expected NAME=VERSION, e.g. __cuda=12.4")
        out[name] = version
    return out


# --- commands ---------------------------------------------------------------------------


def cmd_lock(args: argparse.Namespace, out: Console) -> int:
    from factory.lock.lockfile import dump_lock, lock_path, read_lock
    from factory.lock.solve import lock_profile
    from factory.output.atomic import write_bytes_atomic

    item, platforms = _profile(args, out)
    path = lock_path(item.file)
    previous = read_lock(path)
    fetcher = _fetcher(item, args)
    run = lock_profile(
        item,
        platforms,
        fetcher,
        previous=previous,
        update=args.update,
        virtual_overrides=_overrides(args.virtual_package),
        progress=out.progress,
        packages_dir=args.packages_dir,
    )
    text = dump_lock(run.lock, item.file)
    unchanged = path.is_file() and path.read_text(encoding="utf-8") == text
    if not args.diff and not unchanged:
        write_bytes_atomic(path, text.encode())
    if args.json:
        out.json(
            {
                "ok": True,
                "lock": str(path),
                "changed": not unchanged,
                "written": not args.diff and not unchanged,
                "platforms": {
                    p: {
                        "packages": len(run.lock.platforms[p].packages),
                        "changes": [c.as_dict() for c in run.changes.get(p, [])],
                        "envs": {
                            name: {
                                "packages": len(env.packages),
                                "changes": [
                                    c.as_dict() for c in run.env_changes.get(p, {}).get(name, [])
                                ],
                            }
                            for name, env in run.lock.platforms[p].envs.items()
                        },
                    }
                    for p in run.solved
                },
                "repodata": {"requests": fetcher.requests, "downloaded": fetcher.downloaded},
            }
        )
        return 0
    for platform in run.solved:
        changes = run.changes.get(platform, [])
        count = len(run.lock.platforms[platform].packages)
        out.emit(f"{platform}: {count} package(s), {_summary(changes)}")
        for change in changes:
            out.emit(f"  {change}")
        for name, env in sorted(run.lock.platforms[platform].envs.items()):
            env_changes = run.env_changes.get(platform, {}).get(name, [])
            out.emit(
                f"{platform} envs/{name}: {len(env.packages)} package(s), {_summary(env_changes)}"
            )
            for change in env_changes:
                out.emit(f"  {change}")
    shown = display_path(path)
    if unchanged:
        # a re-solve gives exactly the lock there is: say so, with --diff too
        out.emit(f"unchanged: {shown} (a re-solve gives no change)", err=True)
    else:
        out.emit(f"{'would write' if args.diff else 'wrote'} {shown}", err=True)
    return 0


def _summary(changes: list[Any]) -> str:
    if not changes:
        return "no change"
    kinds: dict[str, int] = {}
    for change in changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))


def cmd_doctor(args: argparse.Namespace, out: Console) -> int:
    from factory.lock.doctor import diagnose

    item, platforms = _profile(args, out)
    results = diagnose(
        item,
        platforms,
        _fetcher(item, args),
        args.reference_channel,
        _overrides(args.virtual_package),
        progress=out.progress,
    )
    ok = all(r.ok for r in results)
    if args.json:
        out.json({"ok": ok, "platforms": [r.as_dict() for r in results]})
        return 0 if ok else 1
    for result in results:
        if result.ok:
            out.emit(f"{result.platform}: solves ({result.packages} packages)")
            continue
        out.emit(f"{result.platform}: does not solve")
        for line in result.explanation.splitlines():
            out.emit(f"  {line}")
        for unmatched in result.unmatched:
            out.emit(f"  - {unmatched}")
        if result.missing:
            out.emit(
                "  missing from or filtered out of the build channels (the reference has them):"
            )
            for record in result.missing:
                out.emit(f"    {record.name} {record.version} {record.build}  ({record.channel})")
        elif args.reference_channel and not result.reference_error:
            out.emit("  the reference channels add nothing that would help")
        if result.reference_error:
            out.emit("  it does not solve with the reference channels either:")
            for line in result.reference_error.splitlines():
                out.emit(f"    {line}")
    return 0 if ok else 1


def cmd_sbom(args: argparse.Namespace, out: Console) -> int:
    from factory.lock.lockfile import lock_path, read_lock, stale_platforms
    from factory.lock.sbom import env_records, installed_channels, sbom_text
    from factory.output.atomic import write_bytes_atomic

    item, platforms = _profile(args, out)
    path = lock_path(item.file)
    lock = read_lock(path)
    if lock is None:
        raise InputError(f"{display_path(path)}: no lock; run `installer-factory lock` first")
    stale = stale_platforms(item.profile, lock, platforms)
    if stale:
        raise InputError(f"{display_path(path)}: stale for {', '.join(stale)}; lock again")
    written = []
    channels = installed_channels(item.profile)
    for platform in platforms:
        entry = lock.platforms[platform.value]
        name, version = item.profile.name, item.profile.installer_version
        target = args.output / f"{name}-{version}-{platform.value}.cdx.json"
        envs = env_records(item.profile, entry.envs)
        text = sbom_text(name, version, platform.value, entry.packages, channels, envs)
        write_bytes_atomic(target, text.encode())
        written.append(str(target))
    if args.json:
        out.json({"ok": True, "files": written})
    else:
        for file in written:
            out.emit(file)
    return 0

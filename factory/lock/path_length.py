"""Windows path length: will a locked installer fit in the profile's Windows prefixes?

constructor's NSIS installer adds the prefix's length, one separator and the longest path
it will write below the prefix, and refuses the folder when that is over 259 characters
(MAX_PATH, 260, less the terminating NUL) unless long paths are enabled; run as an
administrator on Windows 10 or later it turns `LongPathsEnabled` on for the whole machine
instead (constructor/nsis/main.nsi.tmpl). The longest path is a package's file as conda
first extracts it, `pkgs/<name-version-build>/<path>`, which is longer than where it is
linked (constructor/fcp.py). So the length is known only from the packages' own file
lists (`info/paths.json`): `lock` measures the Windows packages it can read where they
lie (file:// channels, or a folder of downloaded packages) and records the figure.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from factory.errors import Problem
from factory.formats.lock_file import Locked, PlatformLock
from factory.platforms import OS, Platform
from factory.profiles.load import LoadedProfile

MAX_PATH = 259  # usable characters: MAX_PATH (260) less the terminating NUL
_INFO = "info/paths.json"


def _paths_json(data: bytes) -> list[str]:
    return [entry["_path"] for entry in json.loads(data).get("paths", [])]


def package_paths(archive: Path) -> list[str]:
    """The files a package installs, relative to the prefix (its info/paths.json)."""
    if archive.name.endswith(".conda"):
        import zstandard

        with zipfile.ZipFile(archive) as outer:
            info = next(n for n in outer.namelist() if n.startswith("info-"))
            raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(outer.read(info)))
            with tarfile.open(fileobj=raw, mode="r|") as tar:
                for member in tar:
                    if member.name == _INFO:
                        handle = tar.extractfile(member)
                        return _paths_json(handle.read()) if handle else []
        return []
    with tarfile.open(archive, mode="r:bz2") as tar:
        handle = tar.extractfile(_INFO)
        return _paths_json(handle.read()) if handle else []


def _local_archive(record: Locked, packages_dir: Path | None) -> Path | None:
    if packages_dir is not None and (packages_dir / record.file).is_file():
        return packages_dir / record.file
    url = urlparse(record.url)
    if url.scheme == "file":
        path = Path(unquote(url.path))
        return path if path.is_file() else None
    return None


def longest_path(
    records: Sequence[Locked], packages_dir: Path | None = None, env_prefix: str = ""
) -> int | None:
    """The longest path the installer writes below its prefix, or None when some package
    cannot be read here (a remote channel without `packages_dir`). `env_prefix`: an extra
    environment's `envs/<name>/`, under which its packages are linked (fcp.py
    `check_duplicates_files` counts both that path and the extracted one)."""
    longest = 0
    for record in records:
        archive = _local_archive(record, packages_dir)
        if archive is None:
            return None
        try:
            paths = package_paths(archive)
        except (OSError, KeyError, StopIteration, ValueError, tarfile.TarError, zipfile.BadZipFile):
            return None
        dist = record.file.removesuffix(".conda").removesuffix(".tar.bz2")
        extracted = len("pkgs/") + len(dist) + len("/")
        start = max(extracted, len(env_prefix))
        longest = max([longest, *(start + len(p) for p in paths)])
    return longest


def longest_with_envs(
    packages: Sequence[Locked],
    envs: Mapping[str, Sequence[Locked]],
    packages_dir: Path | None = None,
) -> int | None:
    """The longest path over base and every extra environment; None when some package
    could not be read."""
    figures = [longest_path(packages, packages_dir)]
    figures += [longest_path(records, packages_dir, f"envs/{n}/") for n, records in envs.items()]
    known = [f for f in figures if f is not None]
    return None if len(known) != len(figures) else max(known)


def _prefixes(loaded: LoadedProfile) -> Iterator[tuple[tuple[str, ...], str, bool]]:
    """(key path, prefix, whether the installer may run as an administrator)."""
    profile = loaded.profile
    deploy = profile.deploy
    if deploy is not None and deploy.windows is not None:
        win = deploy.windows
        suffix = f"-{profile.installer_version}" if deploy.upgrade == "side_by_side" else ""
        yield ("deploy", "windows", "prefix"), win.prefix + suffix, win.install_type == "AllUsers"
    prefix = profile.install.default_prefix
    for key, value, admin in (
        ("win", prefix.win, False),
        ("win_all_users", prefix.win_all_users, True),
        ("win_domain_user", prefix.win_domain_user, False),
    ):
        if value is not None and "%" not in value:  # variables expand on the machine
            yield ("install", "default_prefix", key), value, admin


def path_length_problems(
    loaded: LoadedProfile, platform: Platform, locked: PlatformLock | None
) -> list[Problem]:
    """Errors where constructor would refuse the prefix, warnings where it would turn long
    paths on for the whole machine; one warning when the lock has no measurement."""
    if platform.os is not OS.win:
        return []
    longest = locked.longest_path if locked is not None else None
    problems: list[Problem] = []
    for path, prefix, admin in _prefixes(loaded):
        where = loaded.layered.location(path)
        key = ".".join(path)
        if longest is None:
            continue
        room = MAX_PATH - longest - 1
        if len(prefix) <= room:
            continue
        said = (
            f"{len(prefix)} characters, but the longest path the {platform.value} installer "
            f"writes below it is {longest}, so the prefix may have at most {room} "
            "(constructor's MAX_PATH check)"
        )
        if admin:
            problems.append(
                Problem(
                    where,
                    key,
                    f"{said}; run as an administrator, the installer sets LongPathsEnabled "
                    "for the whole machine instead of failing",
                    "warning",
                )
            )
        else:
            problems.append(Problem(where, key, f"{said}; choose a shorter folder"))
    if longest is None and locked is not None and any(True for _ in _prefixes(loaded)):
        problems.append(
            Problem(
                loaded.layered.location(("packages",)),
                "packages",
                f"the lock does not say how long the {platform.value} installer's paths are, "
                "so the Windows prefixes are not checked against MAX_PATH; run `lock "
                "--packages-dir DIR` with the downloaded packages (file:// channels are "
                "measured by themselves)",
                "warning",
            )
        )
    return problems

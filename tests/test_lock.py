"""`lock`, `lock --update`, `lock --diff`, stale locks, locked renders, `doctor` and `sbom`,
against real local channels built at run time (tests/channels.py) and reached as file://
URLs: every platform is solved from this one Linux machine."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import constructor_reader
import pytest
from channels import PLATFORM_SUBDIRS, Pkg, filtered_copy, make_channel, standard_packages

from factory.lock.lockfile import LockData, Locked, PlatformLock, read_lock
from factory.lock.solve import Change, diff


def everywhere(name: str, version: str, *depends: str, build: str = "0") -> list[Pkg]:
    return [Pkg(name, version, build, depends=depends, subdir=s) for s in PLATFORM_SUBDIRS]


SMALL = [
    *everywhere("app", "1.0", "lib >=1"),
    *everywhere("lib", "1.0"),
    *everywhere("tool", "1.0"),
    *everywhere("conda", "24.11.0"),
]
NEWER = [*everywhere("lib", "1.1"), *everywhere("tool", "1.1")]


def profile_text(channel: str, specs: list[str], platforms: str = "") -> str:
    return f"""
name: Locked
version: "1"
{platforms or "platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]"}
channels: ["{channel}"]
condarc: {{channels: [internal]}}
packages:
  specs:
    base: {json.dumps(specs)}
"""


@pytest.fixture(autouse=True)
def user_config(isolated_user_dirs: Path) -> None:
    """An empty user config (the defaults): $INSTALLER_FACTORY_CONFIG must name a file."""
    (isolated_user_dirs / "config.yaml").touch()


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_channel(tmp_path_factory.mktemp("standard"), standard_packages())


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def lock(cli, profile: Path, cache: Path, *extra: object):
    return cli("lock", profile, "--cache-dir", cache, *extra)


def records(profile: Path, platform: str) -> dict[str, Locked]:
    data = read_lock(profile.with_name(profile.stem + ".lock.yaml"))
    assert data is not None
    return {r.name: r for r in data.platforms[platform].packages}


# --- locking ------------------------------------------------------------------------------


def test_all_five_platforms_lock_from_one_machine(standard: str, cli, write, cache) -> None:
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda", "numpy", "pandas"]))
    result = lock(cli, profile, cache)
    assert result.code == 0, result.err
    data = read_lock(profile.with_name("p.lock.yaml"))
    assert data is not None
    assert sorted(data.platforms) == sorted(PLATFORM_SUBDIRS)
    for platform, entry in data.platforms.items():
        got = {r.name: r for r in entry.packages}
        assert got["python"].version.startswith("3.12.")
        assert {"conda", "numpy", "pandas"} <= set(got)
        assert all(r.subdir in (platform, "noarch") for r in entry.packages)
        assert all(
            len(r.sha256) == 64 and r.channel == standard.rstrip("/") for r in entry.packages
        )
        assert f"{platform}: {len(entry.packages)} package(s)" in result.out


def test_a_lock_is_byte_identical_across_runs(standard: str, cli, write, tmp_path) -> None:
    specs = ["python 3.12.*", "conda", "numpy"]
    first = write("a/p.yaml", profile_text(standard, specs))
    second = write("b/p.yaml", profile_text(standard, specs))
    assert lock(cli, first, tmp_path / "c1").code == 0
    assert lock(cli, second, tmp_path / "c2").code == 0
    text = first.with_name("p.lock.yaml").read_bytes()
    assert text == second.with_name("p.lock.yaml").read_bytes()
    again = lock(cli, first, tmp_path / "c1")
    assert again.code == 0 and "unchanged" in again.err
    assert first.with_name("p.lock.yaml").read_bytes() == text


def test_virtual_packages_come_from_the_platform_and_the_command_line(
    standard: str, cli, write, cache
) -> None:
    profile = write("p.yaml", profile_text(standard, ["cuda-only"], "platforms: [linux-64]"))
    refused = lock(cli, profile, cache)
    assert refused.code == 1
    assert "__cuda" in refused.err and "doctor" in refused.err
    allowed = lock(cli, profile, cache, "--virtual-package", "__cuda=12.4")
    assert allowed.code == 0, allowed.err
    lock_text = profile.with_name("p.lock.yaml").read_text()
    assert '"__cuda=12.4=0"' in lock_text and '"__glibc=2.17=0"' in lock_text


# --- update and diff ----------------------------------------------------------------------


@pytest.fixture
def moving(tmp_path: Path, write) -> tuple[Path, Path]:
    """A channel that gains newer lib and tool after the first lock."""
    root = tmp_path / "moving"
    url = make_channel(root, SMALL)
    profile = write("m.yaml", profile_text(url, ["app", "tool"], "platforms: [linux-64, win-64]"))
    return root, profile


def test_update_lets_only_the_named_packages_move(moving, cli, cache) -> None:
    root, profile = moving
    assert lock(cli, profile, cache).code == 0
    make_channel(root, SMALL + NEWER)

    updated = lock(cli, profile, cache, "--max-age", "0", "--update", "lib")
    assert updated.code == 0, updated.err
    for platform in ("linux-64", "win-64"):
        got = records(profile, platform)
        assert got["lib"].version == "1.1" and got["tool"].version == "1.0"
        assert got["app"].version == "1.0"
    assert updated.out.count("~ lib 1.0 0 -> 1.1 0 (upgraded)") == 2
    assert "tool" not in updated.out

    everything = lock(cli, profile, cache, "--max-age", "0")
    assert everything.code == 0
    assert records(profile, "linux-64")["tool"].version == "1.1"


def test_update_of_a_package_neither_locked_nor_asked_for_is_refused(moving, cli, cache) -> None:
    _, profile = moving
    assert lock(cli, profile, cache).code == 0
    before = profile.with_name("m.lock.yaml").read_bytes()
    result = lock(cli, profile, cache, "--update", "nosuch")
    assert result.code == 1
    assert "--update nosuch: not in the lock (linux-64, win-64)" in result.err
    assert "not among the profile's specs" in result.err
    assert profile.with_name("m.lock.yaml").read_bytes() == before


def test_update_locks_a_package_just_added_to_the_profile(moving, cli, cache) -> None:
    """Issue 12, item 11: add a spec, then lock just it; everything else stays pinned."""
    root, profile = moving
    both = profile.read_text()
    profile.write_text(both.replace('["app", "tool"]', '["app"]'))
    assert lock(cli, profile, cache).code == 0
    assert "tool" not in records(profile, "linux-64")
    make_channel(root, SMALL + NEWER)  # lib 1.1 and tool 1.1 appear
    profile.write_text(both)
    added = lock(cli, profile, cache, "--max-age", "0", "--update", "tool")
    assert added.code == 0, added.err
    for platform in ("linux-64", "win-64"):
        got = records(profile, platform)
        assert got["tool"].version == "1.1"  # solved freshly: the newest
        assert got["lib"].version == "1.0" and got["app"].version == "1.0"  # still pinned
    assert added.out.count("+ tool 1.1 0") == 2
    assert "lib" not in added.out
    assert "stale" not in cli("validate", profile).err  # the lock has the new spec


def test_diff_shows_what_would_change_and_writes_nothing(moving, cli, cache) -> None:
    root, profile = moving
    assert lock(cli, profile, cache).code == 0
    before = profile.with_name("m.lock.yaml").read_bytes()
    make_channel(root, SMALL + NEWER)
    shown = lock(cli, profile, cache, "--max-age", "0", "--diff", "--json")
    assert shown.code == 0, shown.err
    changes = json.loads(shown.out)["platforms"]["linux-64"]["changes"]
    assert {(c["kind"], c["name"], c["old"], c["new"]) for c in changes} == {
        ("upgraded", "lib", "1.0 0", "1.1 0"),
        ("upgraded", "tool", "1.0 0", "1.1 0"),
    }
    assert profile.with_name("m.lock.yaml").read_bytes() == before


def test_diff_without_a_change_says_so(moving, cli, cache) -> None:
    """Issue 12, item 14."""
    _, profile = moving
    assert lock(cli, profile, cache).code == 0
    shown = lock(cli, profile, cache, "--diff")
    assert shown.code == 0, shown.err
    assert shown.out.count(": 3 package(s), no change") == 2
    assert "m.lock.yaml (a re-solve gives no change)" in shown.err
    assert "would write" not in shown.err
    as_json = json.loads(lock(cli, profile, cache, "--diff", "--json").out)
    assert as_json["changed"] is False and as_json["written"] is False


def _lock(*entries: tuple[str, str, str]) -> LockData:
    packages = [
        Locked(n, v, b, "file:///c", "linux-64", f"{n}.conda", "", "", 1) for n, v, b in entries
    ]
    digest = "0" * 64
    return LockData(["file:///c"], "strict", {"linux-64": PlatformLock([], [], digest, packages)})


def test_diff_names_every_kind_of_change() -> None:
    old = _lock(("a", "1.0", "0"), ("b", "2.0", "0"), ("c", "1.0", "0"), ("d", "1.0", "0"))
    new = _lock(("b", "1.9", "0"), ("c", "1.0", "1"), ("d", "1.10", "0"), ("e", "0.1", "0"))
    assert diff(old, new)["linux-64"] == [
        Change("removed", "a", "1.0 0", None),
        Change("downgraded", "b", "2.0 0", "1.9 0"),
        Change("rebuilt", "c", "1.0 0", "1.0 1"),
        Change("upgraded", "d", "1.0 0", "1.10 0"),  # version order, not text order
        Change("added", "e", None, "0.1 0"),
    ]


# --- stale locks and locked renders -------------------------------------------------------


def test_render_builds_from_an_explicit_list_of_exactly_the_locked_records(
    standard: str, cli, write, cache, tmp_path
) -> None:
    """Issue 11, item 1: no `channel::name==version=build` specs for conda to misread; an
    @EXPLICIT environment file of full URLs with their sha256, and nothing left to solve.
    Item 3: conda-meta/history is to record the profile's own specs as requested."""
    specs = ["python 3.12.*", "conda", "numpy"]
    profile = write("p.yaml", profile_text(standard, specs))
    assert lock(cli, profile, cache).code == 0
    result = cli("render", profile, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    for platform in PLATFORM_SUBDIRS:
        project = tmp_path / "out" / "Locked" / platform
        data = constructor_reader.parse((project / "construct.yaml").read_text())
        assert constructor_reader.schema_errors(data) == []
        assert constructor_reader.build_time_errors(data, platform, project) == []
        assert data["environment_file"] == "environment.txt"
        assert "specs" not in data and "channels" not in data  # nothing for constructor to solve
        assert data["user_requested_specs"] == specs
        text = (project / "environment.txt").read_text()
        entries = constructor_reader.explicit_entries(text)
        assert entries is not None
        locked = records(profile, platform)
        assert sorted(m.group(0) for m in entries) == sorted(
            f"{r.url}#sha256:{r.sha256}" for r in locked.values()
        )
        assert all(m.group("url_p").startswith(standard.rstrip("/") + "/") for m in entries)
        assert f"# platform: {platform}" in text


def test_explicit_lines_are_full_urls_with_their_hash() -> None:
    from factory.lock.lockfile import explicit_text
    from factory.platforms import Platform

    host = "https://anacondaserver.corp/api/repo/main"  # a host conda does not know
    sha, md5 = "ab" * 32, "cd" * 16
    packages = [
        Locked("b", "1", "0", host, "linux-64", "b-1-0.conda", sha, md5, 1),
        Locked("a", "1", "0", host, "noarch", "a-1-0.tar.bz2", "", md5, 1),  # no sha256
    ]
    text = explicit_text(Platform.linux_64, packages)
    assert text.splitlines()[3:] == [
        "@EXPLICIT",
        f"{host}/noarch/a-1-0.tar.bz2#{md5}",
        f"{host}/linux-64/b-1-0.conda#sha256:{sha}",
    ]
    entries = constructor_reader.explicit_entries(text)
    assert entries is not None
    assert [(m.group("md5"), m.group("sha256")) for m in entries] == [(md5, None), (None, sha)]


# --- what conda adds: pip with every python ---------------------------------------------------


def test_the_lock_holds_pip_where_conda_adds_it(standard: str, cli, write, cache) -> None:
    """Issue 11, item 2: conda appends pip to every python's depends (condarc
    add_pip_as_python_dependency, default true); pip brings setuptools and wheel."""
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "numpy"]))
    assert lock(cli, profile, cache).code == 0
    for platform in PLATFORM_SUBDIRS:
        got = records(profile, platform)
        assert {"pip", "setuptools", "wheel"} <= set(got), platform
        assert got["pip"].subdir == "noarch"
    data = read_lock(profile.with_name("p.lock.yaml"))
    assert data is not None
    assert data.platforms["linux-64"].specs == ["python 3.12.*", "numpy"]  # the profile's own

    without = write("n.yaml", profile_text(standard, ["ca-certificates"]))
    assert lock(cli, without, cache).code == 0
    assert set(records(without, "linux-64")) == {"ca-certificates"}  # no python, no pip


def test_add_pip_as_python_dependency_false_leaves_pip_out(
    standard: str, cli, write, cache
) -> None:
    text = profile_text(standard, ["python 3.12.*"], "platforms: [linux-64, win-64]")
    off = text.replace(
        "condarc: {channels: [internal]}",
        "condarc: {channels: [internal], settings: {add_pip_as_python_dependency: false}}",
    )
    profile = write("p.yaml", off)
    assert lock(cli, profile, cache).code == 0
    for platform in ("linux-64", "win-64"):
        assert not {"pip", "setuptools", "wheel"} & set(records(profile, platform))
    # the setting is one of the lock's inputs: turning it back on makes the lock stale
    profile.write_text(text)
    checked = cli("validate", profile)
    assert "p.lock.yaml is stale for linux-64, win-64" in checked.err
    assert lock(cli, profile, cache).code == 0
    assert "pip" in records(profile, "win-64")


def test_a_lock_made_before_pip_was_added_is_stale(standard: str, cli, write, cache) -> None:
    """Built as it is, such a lock would give an installer without pip: lock again."""
    import hashlib

    profile = write("p.yaml", profile_text(standard, ["python 3.12.*"], "platforms: [osx-64]"))
    assert lock(cli, profile, cache).code == 0
    path = profile.with_name("p.lock.yaml")
    data = read_lock(path)
    assert data is not None
    entry = data.platforms["osx-64"]
    inputs = {
        "channels": data.channels,
        "priority": data.channel_priority,
        "specs": entry.specs,
        "virtual": entry.virtual_packages,
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    before = hashlib.sha256(text.encode()).hexdigest()  # inputs_sha256 before pip
    path.write_text(path.read_text().replace(entry.inputs_sha256, before))
    assert "p.lock.yaml is stale for osx-64" in cli("validate", profile).err


def test_a_channel_without_pip_does_not_lock_python(
    standard: str, cli, write, cache, tmp_path
) -> None:
    """conda could not install such a python either: it needs pip. doctor says so."""
    source = Path(standard.removeprefix("file://"))
    no_pip = filtered_copy(source, tmp_path / "no-pip", lambda r: r["name"] == "pip")
    profile = write("p.yaml", profile_text(no_pip, ["python 3.12.*"], "platforms: [osx-64]"))
    refused = lock(cli, profile, cache)
    assert refused.code == 1 and "pip" in refused.err
    explained = cli("doctor", profile, "--cache-dir", cache)
    assert explained.code == 1
    assert "pip: no package of that name in the build channels" in explained.out


def test_lock_sbom_and_explicit_file_list_the_same_packages(
    standard: str, cli, write, cache, tmp_path
) -> None:
    """installer contents = lock = SBOM: constructor installs exactly the explicit file."""
    profile = write("p.yaml", profile_text(standard, ["python 3.11.*", "conda", "pandas"]))
    assert lock(cli, profile, cache).code == 0
    assert cli("render", profile, "-o", tmp_path / "out").code == 0
    assert cli("sbom", profile, "--output", tmp_path / "sbom").code == 0
    for platform in PLATFORM_SUBDIRS:
        locked = {(r.name, r.version, r.build) for r in records(profile, platform).values()}
        text = (tmp_path / "out" / "Locked" / platform / "environment.txt").read_text()
        entries = constructor_reader.explicit_entries(text)
        assert entries is not None
        listed = {tuple(m.group("fn").removesuffix(".conda").rsplit("-", 2)) for m in entries}
        bom = json.loads((tmp_path / "sbom" / f"Locked-1-{platform}.cdx.json").read_text())
        in_sbom = {
            (c["name"], c["version"], c["purl"].split("build=")[1].split("&")[0])
            for c in bom["components"]
        }
        assert locked == listed == in_sbom
        assert {"python", "pip", "setuptools", "wheel"} <= {name for name, _, _ in locked}


def test_a_stale_lock_is_noticed(standard: str, cli, write, cache, tmp_path) -> None:
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda"]))
    assert lock(cli, profile, cache).code == 0
    assert cli("validate", "--strict", profile).code == 0
    profile.write_text(profile_text(standard, ["python 3.12.*", "conda", "numpy"]))

    checked = cli("validate", profile)
    assert checked.code == 0
    assert "warning: p.lock.yaml is stale for linux-64, linux-aarch64" in checked.err
    assert cli("validate", "--strict", profile).code == 1

    refused = cli("render", profile, "-o", tmp_path / "out")
    assert refused.code == 1 and "stale for linux-64" in refused.err
    assert not (tmp_path / "out").exists()
    allowed = cli("render", profile, "-o", tmp_path / "out", "--allow-stale")
    assert allowed.code == 0
    text = (tmp_path / "out" / "Locked" / "linux-64" / "environment.txt").read_text()
    assert "/numpy-" not in text  # the old lock's records: numpy was not in it


# --- doctor -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filtered(standard: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A corporate mirror that dropped pandas altogether and numpy 2.x (a CVE policy, say)."""
    source = Path(standard.removeprefix("file://"))

    def drop(record: dict) -> bool:
        return record["name"] == "pandas" or (
            record["name"] == "numpy" and record["version"].startswith("2.")
        )

    return filtered_copy(source, tmp_path_factory.mktemp("filtered"), drop)


def test_doctor_names_exactly_what_the_filtered_channel_lacks(
    standard: str, filtered: str, cli, write, cache
) -> None:
    specs = ["python 3.12.*", "conda", "numpy >=2", "pandas"]
    profile = write("p.yaml", profile_text(filtered, specs, "platforms: [linux-64, osx-arm64]"))
    alone = cli("doctor", profile, "--cache-dir", cache)
    assert alone.code == 1
    assert "numpy >=2: no candidate matches; the channels have 1.26.4" in alone.out
    assert "pandas: no package of that name in the build channels" in alone.out

    result = cli("doctor", profile, "--cache-dir", cache, "--reference-channel", standard, "--json")
    assert result.code == 1
    for platform in json.loads(result.out)["platforms"]:
        assert not platform["ok"]
        missing = {(m["name"], m["version"]) for m in platform["missing_from_channels"]}
        assert {name for name, _ in missing} == {"numpy", "pandas"}
        assert all(m["channel"] == standard.rstrip("/") for m in platform["missing_from_channels"])
        assert next(v for n, v in missing if n == "numpy").startswith("2.")


def test_doctor_says_when_everything_solves(standard: str, cli, write, cache) -> None:
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "numpy"]))
    result = cli("doctor", profile, "--cache-dir", cache)
    assert result.code == 0, result.out
    assert result.out.count("solves (") == 5


def test_doctor_explains_a_conflict(standard: str, cli, write, cache) -> None:
    profile = write(
        "p.yaml",
        profile_text(standard, ["python 3.11.*", "python_abi 3.12.*"], "platforms: [win-64]"),
    )
    result = cli("doctor", profile, "--cache-dir", cache)
    assert result.code == 1
    assert "win-64: does not solve" in result.out
    assert "python 3.11" in result.out and "python_abi 3.12" in result.out
    assert "no candidate" not in result.out  # both exist; they just do not go together


# --- SBOM ---------------------------------------------------------------------------------


def test_sbom_is_cyclonedx_and_lists_every_locked_record(
    standard: str, cli, write, cache, tmp_path
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "numpy"]))
    assert lock(cli, profile, cache).code == 0
    out = tmp_path / "sbom"
    result = cli("sbom", profile, "--output", out, "--platform", "osx-arm64")
    assert result.code == 0, result.err
    file = out / "Locked-1-osx-arm64.cdx.json"
    text = file.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    bom = json.loads(text)
    locked = records(profile, "osx-arm64")
    assert {(c["name"], c["version"]) for c in bom["components"]} == {
        (r.name, r.version) for r in locked.values()
    }
    for component in bom["components"]:
        record = locked[component["name"]]
        assert {"alg": "SHA-256", "content": record.sha256} in component["hashes"]
        assert component["purl"].startswith(f"pkg:conda/{record.name}@{record.version}?build=")
    again = cli("sbom", profile, "--output", out, "--platform", "osx-arm64")
    assert again.code == 0 and file.read_text() == text


def test_sbom_names_spdx_licences_by_id_and_the_installed_channel(
    standard: str, cli, write, cache, tmp_path
) -> None:
    """Issue 12, item 17: `license.id` for SPDX identifiers; purls and download URLs use the
    channel installed machines use (channels_remap dest), never the build's local path."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from factory.lock.sbom import spdx_ids

    dest = "https://artifacts.example.internal/api/conda/main"
    text = profile_text(standard, ["python 3.12.*"], "platforms: [linux-64]")
    text += f"channels_remap:\n  - src: {standard}\n    dest: {dest}\n"
    profile = write("p.yaml", text)
    assert lock(cli, profile, cache).code == 0
    assert cli("sbom", profile, "--output", tmp_path / "sbom").code == 0
    body = (tmp_path / "sbom" / "Locked-1-linux-64.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(body) is None
    assert "file:" not in body and standard.removeprefix("file://") not in body
    locked = records(profile, "linux-64")
    for component in json.loads(body)["components"]:
        record = locked[component["name"]]
        assert f"channel={quote(dest, safe='')}" in component["purl"]
        url = f"{dest}/{record.subdir}/{record.file}"
        assert component["externalReferences"] == [{"type": "distribution", "url": url}]
        spdx = spdx_ids().get(str(record.license).lower())
        want = {"id": spdx} if spdx else {"name": record.license}
        assert component["licenses"] == [{"license": want}]
    assert '"id": "MIT"' in body  # the test channel's licences are SPDX identifiers


def test_sbom_licences_and_channels_without_a_remap() -> None:
    from factory.lock.sbom import cyclonedx

    def record(name: str, licence: str | None, channel: str) -> Locked:
        return Locked(
            name, "1", "0", channel, "noarch", f"{name}-1-0.conda", "ab" * 32, "", 1, licence
        )

    local, public = "file:///home/builder/channel", "https://conda.anaconda.org/conda-forge"
    bom = cyclonedx(
        "X",
        "1",
        "linux-64",
        [
            record("a", "bsd-3-clause", public),  # SPDX ids match case-insensitively
            record("b", "BSD", public),  # not an SPDX id: a name
            record("c", "LGPL-2.1-or-later", local),  # a local channel, not remapped
            record("d", None, public),
        ],
    )
    got = {c["name"]: c for c in bom["components"]}
    assert got["a"]["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert got["b"]["licenses"] == [{"license": {"name": "BSD"}}]
    assert got["c"]["licenses"] == [{"license": {"id": "LGPL-2.1-or-later"}}]
    assert "licenses" not in got["d"]
    assert "channel=" not in got["c"]["purl"] and "externalReferences" not in got["c"]
    assert "file:" not in json.dumps(bom)
    assert got["a"]["externalReferences"][0]["url"] == f"{public}/noarch/a-1-0.conda"


def test_the_spdx_list_is_the_one_cyclonedx_validates_against() -> None:
    import cyclonedx

    from factory.lock.sbom import spdx_ids

    schema = Path(cyclonedx.__file__).parent / "schema" / "_res" / "spdx.SNAPSHOT.schema.json"
    assert set(spdx_ids().values()) == set(json.loads(schema.read_text())["enum"])


# --- specs the solver cannot read ---------------------------------------------------------


def test_a_spec_the_solver_cannot_read_is_located_never_a_traceback(
    standard: str, cli, write, cache
) -> None:
    """Issue 12, item 2: `python =>3.12` gave `doctor` a traceback (exit 4)."""
    profile = write(
        "p.yaml", profile_text(standard, ["numpy", "python =>3.12"], "platforms: [linux-64]")
    )
    for command in (["lock"], ["lock", "--diff"], ["doctor"], ["doctor", "--json"]):
        result = cli(*command, profile, "--cache-dir", cache)
        assert result.code == 1, (command, result.err)
        assert "Traceback" not in result.err and "internal error" not in result.err
        assert re.search(r"p\.yaml:\d+:\d+: packages\.specs\.base\[1\]: ", result.err), result.err
        assert "=>3.12" in result.err
    assert not profile.with_name("p.lock.yaml").exists()


def test_lock_and_doctor_refuse_unreadable_specs_themselves(standard: str, write, cache) -> None:
    """Library callers get the located problem too, whatever validation ran before."""
    import dataclasses

    from factory.errors import ProfileInvalid
    from factory.lock.doctor import diagnose
    from factory.lock.repodata import Fetcher
    from factory.lock.solve import lock_profile
    from factory.platforms import Platform
    from factory.profiles.load import load_profile

    profile = write("p.yaml", profile_text(standard, ["numpy"], "platforms: [linux-64]"))
    loaded = load_profile(profile)
    packages = loaded.profile.packages.model_copy(update={"specs": {"base": ["python =>3.12"]}})
    bad = dataclasses.replace(
        loaded, profile=loaded.profile.model_copy(update={"packages": packages})
    )
    for call in (
        lambda: lock_profile(bad, [Platform.linux_64], Fetcher(cache)),
        lambda: diagnose(bad, [Platform.linux_64], Fetcher(cache), []),
    ):
        with pytest.raises(ProfileInvalid) as raised:
            call()
        (problem,) = raised.value.problems
        assert problem.path == "packages.specs.base[0]"
        assert problem.location.file.endswith("p.yaml") and problem.location.line > 1
        assert "=>3.12" in problem.message


# --- progress -----------------------------------------------------------------------------


def test_lock_and_doctor_say_what_they_read_and_solve(standard: str, cli, write, cache) -> None:
    """Issue 12, item 18: one line per step on stderr; stdout stays what scripts parse."""
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*"], "platforms: [osx-64]"))
    for command in ("lock", "doctor"):
        result = cli(command, profile, "--cache-dir", cache)
        assert result.code == 0, result.err
        assert re.search(rf"reading osx-64 from {re.escape(standard)} \([\d.]+ kB\)", result.err)
        assert re.search(rf"reading noarch from {re.escape(standard)} \(", result.err)
        assert re.search(r"solving osx-64 \([\d,]+ records\)", result.err)
        assert "reading" not in result.out and "solving" not in result.out


def test_fetch_progress_names_the_clean_url_and_size_never_the_token(
    standard: str, tmp_path
) -> None:
    import http.server
    import threading
    from functools import partial

    from factory.lock.repodata import Fetcher

    token = "tk-" + "9f3a" * 6
    root = Path(standard.removeprefix("file://"))
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            seen.append(path)
            return super().translate_path(path.replace(f"/t/{token}", "", 1))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Handler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        messages: list[str] = []
        fetcher = Fetcher(cache_dir=tmp_path / "cache", tokens={url: token})
        assert fetcher.repodata(url, "win-64", progress=messages.append) is not None
        again = Fetcher(cache_dir=tmp_path / "cache", tokens={url: token})
        again.repodata(url, "win-64", progress=messages.append)  # fresh in the cache
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [f"/t/{token}/win-64/repodata.json"]  # the token on the wire only
    assert re.fullmatch(rf"fetching win-64 from {url} \([\d.]+ kB\)", messages[0]), messages
    assert messages[1].startswith(f"using cached win-64 of {url} (")
    assert not any(token in m for m in messages)

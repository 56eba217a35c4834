"""Locks, locked renders, SBOMs and builds of profiles with `extra_envs`: every environment
is solved per platform, recorded in the lock, pinned by render from its own explicit list
and listed in the SBOM under its name. Real local channels (tests/channels.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import constructor_reader
import pytest
from channels import PLATFORM_SUBDIRS, Pkg, make_channel, standard_packages

from factory.formats.lock_file import LockData, Locked, PlatformLock
from factory.lock.lockfile import dump_lock, read_lock


def everywhere(name: str, version: str, *depends: str) -> list[Pkg]:
    return [Pkg(name, version, depends=depends, subdir=s) for s in PLATFORM_SUBDIRS]


SMALL = [
    *everywhere("app", "1.0", "lib >=1"),
    *everywhere("lib", "1.0"),
    *everywhere("tool", "1.0"),
    *everywhere("conda", "24.11.0"),
]
NEWER = [*everywhere("lib", "1.1"), *everywhere("tool", "1.1")]


def profile_text(channel: str, base: list[str], work: list[str], extra: str = "") -> str:
    return (
        textwrap.dedent(f"""
        name: Envs
        version: "1"
        platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]
        channels: ["{channel}"]
        condarc: {{channels: [internal]}}
        packages:
          specs:
            base: {json.dumps(base)}
        freeze_base: {{message: protected}}
        extra_envs:
          work:
            specs:
              main: {json.dumps(work)}
            freeze: {{}}
        """)
        + extra
    )


@pytest.fixture(autouse=True)
def user_config(isolated_user_dirs: Path) -> None:
    (isolated_user_dirs / "config.yaml").touch()


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_channel(tmp_path_factory.mktemp("standard"), standard_packages())


def lock(cli, profile: Path, tmp_path: Path, *extra: object):
    return cli("lock", profile, "--cache-dir", tmp_path / "cache", *extra)


def locked(profile: Path) -> LockData:
    data = read_lock(profile.with_name(profile.stem + ".lock.yaml"))
    assert data is not None
    return data


def names(records: list[Locked]) -> set[str]:
    return {r.name for r in records}


def test_every_environment_is_locked_on_every_platform(standard, cli, write, tmp_path) -> None:
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda"], ["numpy"]))
    result = lock(cli, profile, tmp_path)
    assert result.code == 0, result.err
    data = locked(profile)
    text = profile.with_name("p.lock.yaml").read_text()
    assert "version: 2" in text
    for platform in PLATFORM_SUBDIRS:
        entry = data.platforms[platform]
        assert set(entry.envs) == {"work"}
        work = entry.envs["work"]
        assert work.specs == ["numpy"] and work.channels == [standard]
        assert {"numpy", "python", "pip"} <= names(work.packages)  # conda adds pip there too
        assert "numpy" not in names(entry.packages)  # base keeps its own
        assert "conda" not in names(work.packages)
        assert f"{platform} envs/work: {len(work.packages)} package(s)" in result.out
    again = lock(cli, profile, tmp_path)
    assert again.code == 0 and profile.with_name("p.lock.yaml").read_text() == text


def test_a_lock_without_environments_keeps_version_1_and_both_versions_load(tmp_path) -> None:
    record = Locked("a", "1", "0", "https://c", "linux-64", "a-1-0.conda", "0" * 64, "", 1)
    entry = PlatformLock(
        specs=["a"], virtual_packages=["__unix=0=0"], inputs_sha256="x", packages=[record]
    )
    text = dump_lock(
        LockData(channels=["https://c"], channel_priority="strict", platforms={"linux-64": entry}),
        tmp_path / "p.yaml",
    )
    assert "version: 1\n" in text and "envs" not in text
    (tmp_path / "p.lock.yaml").write_text(text)
    assert read_lock(tmp_path / "p.lock.yaml") is not None
    (tmp_path / "p.lock.yaml").write_text(text.replace("version: 1", "version: 3"))
    from factory.errors import InputError

    with pytest.raises(InputError, match="not a version 1 or 2 lock file"):
        read_lock(tmp_path / "p.lock.yaml")


def test_render_pins_each_environment_from_the_lock(standard, cli, write, tmp_path) -> None:
    specs = ["python 3.12.*", "conda"]
    profile = write("p.yaml", profile_text(standard, specs, ["numpy", "python 3.11.*"]))
    assert lock(cli, profile, tmp_path).code == 0
    assert cli("render", profile, "-o", tmp_path / "out").code == 0
    data_lock = locked(profile)
    for platform in PLATFORM_SUBDIRS:
        project = tmp_path / "out" / "Envs" / platform
        data = constructor_reader.parse((project / "construct.yaml").read_text())
        assert constructor_reader.schema_errors(data) == []
        assert constructor_reader.build_time_errors(data, platform, project) == []
        work = data["extra_envs"]["work"]
        assert work["environment_file"] == "envs/work.txt"
        assert work["user_requested_specs"] == ["numpy", "python 3.11.*"]
        assert "specs" not in work and "channels" not in work
        assert work["freeze_env"] == {"conda": {}}
        entries = constructor_reader.explicit_entries((project / "envs/work.txt").read_text())
        assert entries is not None
        want = data_lock.platforms[platform].envs["work"].packages
        assert sorted(m.group(0) for m in entries) == sorted(
            f"{r.url}#sha256:{r.sha256}" for r in want
        )
        pythons = [m.group("fn") for m in entries if m.group("fn").startswith("python-")]
        assert pythons and all(fn.startswith("python-3.11") for fn in pythons)


@pytest.mark.parametrize(
    "change",
    [
        ('main: ["numpy"]', 'main: ["numpy", "pandas"]'),  # an environment's specs
        ("    freeze: {}\n", "    freeze: {}\n  more:\n    specs: {x: [numpy]}\n"),  # one added
        ("    freeze: {}\n", "    freeze: {}\n    channels: [other]\n"),  # its channels
    ],
)
def test_a_changed_environment_makes_the_lock_stale(standard, cli, write, tmp_path, change) -> None:
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda"], ["numpy"]))
    assert lock(cli, profile, tmp_path).code == 0
    assert cli("validate", "--strict", profile).code == 0
    text = profile.read_text()
    assert change[0] in text
    profile.write_text(text.replace(*change))
    assert "p.lock.yaml is stale for linux-64" in cli("validate", profile).err
    refused = cli("render", profile, "-o", tmp_path / "out")
    assert refused.code == 1 and "stale for" in refused.err
    assert cli("render", profile, "-o", tmp_path / "out", "--allow-stale").code == 0


def test_dropping_an_environment_makes_the_lock_stale(standard, cli, write, tmp_path) -> None:
    text = profile_text(standard, ["python 3.12.*", "conda"], ["numpy"])
    profile = write("p.yaml", text)
    assert lock(cli, profile, tmp_path).code == 0
    profile.write_text(text.split("extra_envs:")[0])
    assert "stale for linux-64" in cli("validate", profile).err


def test_update_and_diff_cover_environments(cli, write, tmp_path) -> None:
    root = tmp_path / "moving"
    url = make_channel(root, SMALL)
    extra = "        platforms: [linux-64, win-64]\n"
    text = profile_text(url, ["conda", "tool"], ["app", "tool"]).replace(
        "platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]\n", ""
    )
    profile = write("m.yaml", text + textwrap.dedent(extra))
    assert lock(cli, profile, tmp_path).code == 0, "first lock"
    make_channel(root, SMALL + NEWER)

    shown = lock(cli, profile, tmp_path, "--max-age", "0", "--diff", "--json")
    assert shown.code == 0, shown.err
    envs = json.loads(shown.out)["platforms"]["win-64"]["envs"]
    assert {(c["name"], c["new"]) for c in envs["work"]["changes"]} == {
        ("lib", "1.1 0"),
        ("tool", "1.1 0"),
    }
    updated = lock(cli, profile, tmp_path, "--max-age", "0", "--update", "lib")
    assert updated.code == 0, updated.err
    for platform in ("linux-64", "win-64"):
        entry = locked(profile).platforms[platform]
        work = {r.name: r.version for r in entry.envs["work"].packages}
        assert work == {"app": "1.0", "lib": "1.1", "tool": "1.0"}
        assert {r.name: r.version for r in entry.packages}["tool"] == "1.0"
    assert updated.out.count("~ lib 1.0 0 -> 1.1 0 (upgraded)") == 2  # in work, twice
    assert "tool 1.0 0 ->" not in updated.out


def test_an_environment_solves_from_its_own_channels(standard, cli, write, tmp_path) -> None:
    other = make_channel(tmp_path / "other", SMALL)
    extra = f'    channels: ["{other}"]\n'
    text = profile_text(standard, ["python 3.12.*", "conda"], ["app"])
    profile = write("p.yaml", text.replace("    freeze: {}\n", "    freeze: {}\n" + extra))
    assert lock(cli, profile, tmp_path, "--platform", "linux-64").code == 0
    work = locked(profile).platforms["linux-64"].envs["work"]
    assert work.channels == [other]
    assert {r.channel for r in work.packages} == {other.rstrip("/")}


def test_the_sbom_lists_each_environment(standard, cli, write, tmp_path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda"], ["numpy"]))
    assert lock(cli, profile, tmp_path).code == 0
    out = tmp_path / "sbom"
    assert cli("sbom", profile, "--output", out, "--platform", "win-64").code == 0
    body = (out / "Envs-1-win-64.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(body) is None
    bom = json.loads(body)
    entry = locked(profile).platforms["win-64"]
    base = [c for c in bom["components"] if c["type"] == "library"]
    (work,) = [c for c in bom["components"] if c["type"] == "application"]
    assert {c["name"] for c in base} == names(entry.packages)
    assert work["name"] == "envs/work"
    assert {(c["name"], c["version"]) for c in work["components"]} == {
        (r.name, r.version) for r in entry.envs["work"].packages
    }
    refs = [c["bom-ref"] for c in base + work["components"]]
    assert len(refs) == len(set(refs))  # python in both: two components, two refs
    depends = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert set(depends[work["bom-ref"]]) == {c["bom-ref"] for c in work["components"]}


def test_the_windows_path_check_counts_the_environment_folder(tmp_path) -> None:
    """fcp.py `check_duplicates_files`: a file of an extra environment is linked at
    envs/<name>/<path>, which for a long name is longer than pkgs/<dist>/<path>."""
    from factory.lock.path_length import longest_path, longest_with_envs

    url = make_channel(tmp_path / "c", [Pkg("lib", "1.0", subdir="win-64")])
    (file,) = (tmp_path / "c" / "win-64").glob("lib-*.conda")
    record = Locked("lib", "1.0", "0", url, "win-64", file.name, "", "", file.stat().st_size)
    base = longest_path([record])
    assert base is not None
    name = "a-very-long-environment-name-for-the-data-science-team"
    longer = longest_with_envs([record], {name: [record]})
    assert longer is not None and longer > base
    extracted = len(f"pkgs/{file.name.removesuffix('.conda')}/")
    assert longer - base == len(f"envs/{name}/") - extracted


def test_a_locked_build_installs_base_and_the_environment_frozen(
    cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `build` and the stand-in constructor (tests/standins/constructor): each
    environment is created from its own explicit list, its history records its own specs,
    and the frozen markers are in the payload; the build's SBOM lists the environment."""
    import io
    import tarfile

    from conftest import REPO

    from factory.builds.host import host_platform

    built = host_platform()
    if built is None:
        pytest.skip("this host builds no target platform")
    monkeypatch.setenv("PATH", f"{REPO / 'tests' / 'standins'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    monkeypatch.chdir(tmp_path)
    packages = [Pkg(n, "1.0", subdir=built.value) for n in ("python", "conda", "numpy")]
    channel = make_channel(tmp_path / "channel", packages, subdirs=[built.value])
    text = profile_text(channel, ["python", "conda"], ["python", "numpy"])
    text = text.replace(
        "platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]",
        f"platforms: [{built.value}]",
    )
    write("p.yaml", text)
    assert cli("lock", "p.yaml", "--cache-dir", tmp_path / "cache").code == 0
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    directory = Path("out") / "Envs" / built.value
    data = (directory / "Envs-installer.sh").read_bytes()
    body = data[data.index(b"@@END_HEADER@@\n") + len(b"@@END_HEADER@@\n") :]
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        members = {m.name: tar.extractfile(m).read().decode() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert json.loads(members["conda-meta/frozen"]) == {"message": "protected"}
    assert json.loads(members["envs/work/conda-meta/frozen"]) == {}
    listed = members["envs/work/conda-meta/initial-state.explicit.txt"].splitlines()[1:]
    assert sorted(u.rsplit("/", 1)[1].split("-")[0] for u in listed) == ["numpy", "python"]
    assert "# update specs: ['python', 'numpy']" in members["envs/work/conda-meta/history"]
    bom = json.loads((directory / "sbom.cdx.json").read_text())
    (work,) = [c for c in bom["components"] if c["type"] == "application"]
    assert sorted(c["name"] for c in work["components"]) == ["numpy", "python"]


def test_doctor_explains_an_environment_that_does_not_solve(standard, cli, write) -> None:
    text = profile_text(standard, ["python 3.12.*", "conda"], ["numpy", "nosuch"])
    profile = write("p.yaml", text)
    result = cli("doctor", profile, "--platform", "linux-64", "--cache-dir", profile.parent / "c")
    assert result.code == 1
    assert "linux-64: solves" in result.out
    assert "linux-64 envs/work: does not solve" in result.out
    assert "nosuch: no package of that name in the build channels" in result.out


def test_an_environment_the_stale_lock_lacks_is_solved_from_the_channels(
    standard, cli, write, tmp_path
) -> None:
    """--allow-stale: base comes from its lock (no `channels` in construct.yaml), so an
    environment the lock lacks names the channels to solve from itself."""
    profile = write("p.yaml", profile_text(standard, ["python 3.12.*", "conda"], ["numpy"]))
    assert lock(cli, profile, tmp_path).code == 0
    more = "  more:\n    specs: {x: [numpy]}\n"
    profile.write_text(profile.read_text() + more)
    assert cli("render", profile, "-o", tmp_path / "out", "--allow-stale").code == 0
    project = tmp_path / "out" / "Envs" / "linux-64"
    data = constructor_reader.parse((project / "construct.yaml").read_text())
    assert constructor_reader.build_time_errors(data, "linux-64", project) == []
    assert data["extra_envs"]["more"] == {"channels": [standard], "specs": ["numpy"]}
    assert data["extra_envs"]["work"]["environment_file"] == "envs/work.txt"

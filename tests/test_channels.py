"""tests/channels.py builds real channels: hashes match, archives extract, rattler solves."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from channels import (
    ALL_SUBDIRS,
    PLATFORM_SUBDIRS,
    Pkg,
    filtered_copy,
    make_channel,
    standard_packages,
    virtual_packages_for,
)

rattler = pytest.importorskip("rattler")
cph_api = pytest.importorskip("conda_package_handling.api")

HASH_FIELDS = ("size", "sha256", "md5")
CHAIN_END = {
    "linux-64": "libgomp",  # numpy > libopenblas > libgfortran-ng > libgfortran5 > libgcc-ng > ...
    "linux-aarch64": "libgomp",
    "osx-64": "llvm-openmp",  # numpy > libopenblas > libgfortran > libgfortran5 > ...
    "osx-arm64": "llvm-openmp",
    "win-64": "ucrt",  # python > vc > vc14_runtime > ...
}


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("channel") / "main"
    url = make_channel(root, standard_packages())
    assert url == root.as_uri() and url.startswith("file:///")
    return root


def repodata(root: Path, subdir: str) -> dict[str, Any]:
    return json.loads((root / subdir / "repodata.json").read_text(encoding="utf-8"))


def solve(
    root: Path, subdir: str, specs: list[str], virtual: list[tuple[str, str]] | None = None
) -> dict[str, str]:
    """Solve with rattler straight from the channel's files: {name: version}."""
    channel = rattler.Channel(root.as_uri())
    sparse = [
        rattler.SparseRepoData(channel, s, root / s / "repodata.json") for s in (subdir, "noarch")
    ]
    virtual_packages = [
        rattler.GenericVirtualPackage(
            rattler.PackageName(name), rattler.Version(version), rattler.BuildString("0")
        )
        for name, version in (virtual_packages_for(subdir) if virtual is None else virtual)
    ]
    records = asyncio.run(
        rattler.solve_with_sparse_repodata(specs, sparse, virtual_packages=virtual_packages)
    )
    return {r.name.normalized: str(r.version) for r in records}


def test_every_subdir_has_repodata(channel: Path) -> None:
    for subdir in ALL_SUBDIRS:
        data = repodata(channel, subdir)
        assert data["info"] == {"subdir": subdir}
        assert data["packages"] == {}
        assert data["packages.conda"], subdir
        assert all(r["subdir"] == subdir for r in data["packages.conda"].values())


def test_repodata_size_and_hashes_match_the_files(channel: Path) -> None:
    listed = set()
    for subdir in ALL_SUBDIRS:
        for filename, record in repodata(channel, subdir)["packages.conda"].items():
            data = (channel / subdir / filename).read_bytes()
            assert record["size"] == len(data), filename
            assert record["sha256"] == hashlib.sha256(data).hexdigest(), filename
            assert record["md5"] == hashlib.md5(data).hexdigest(), filename
            listed.add(f"{subdir}/{filename}")
    on_disk = {f"{p.parent.name}/{p.name}" for p in channel.glob("*/*.conda")}
    assert listed == on_disk
    assert len(listed) == len(standard_packages())


def test_archives_extract_and_hold_the_record(channel: Path, tmp_path: Path) -> None:
    for subdir in ALL_SUBDIRS:
        for filename, record in repodata(channel, subdir)["packages.conda"].items():
            dest = tmp_path / subdir / filename
            cph_api.extract(str(channel / subdir / filename), str(dest))
            index = json.loads((dest / "info" / "index.json").read_text(encoding="utf-8"))
            core = {k: v for k, v in record.items() if k not in HASH_FIELDS}
            assert index == core, filename
            paths = json.loads((dest / "info" / "paths.json").read_text(encoding="utf-8"))
            (entry,) = paths["paths"]
            payload = (dest / entry["_path"]).read_bytes()
            assert entry["sha256"] == hashlib.sha256(payload).hexdigest()
            assert entry["size_in_bytes"] == len(payload)


@pytest.mark.parametrize("subdir", PLATFORM_SUBDIRS)
def test_rattler_solves_every_platform(channel: Path, subdir: str) -> None:
    solved = solve(channel, subdir, ["python 3.12.*", "conda", "numpy", "pandas"])
    assert solved["python"] == "3.12.4"
    assert solved["numpy"] == "2.1.0"
    assert solved["conda"] == "24.11.0"
    assert solved["pandas"] == "2.2.2"
    # the far end of each platform's runtime chain, the one that needs the virtual package
    assert CHAIN_END[subdir] in solved


def test_the_whole_universe_solves(channel: Path) -> None:
    specs = ["python 3.11.*", "conda", "conda-repo-cli", "scikit-learn", "ipython", "pandas"]
    for subdir in PLATFORM_SUBDIRS:
        solved = solve(channel, subdir, specs)
        assert solved["python"] == "3.11.9"
        assert ("colorama" in solved) == (subdir == "win-64")  # ipython's __win build


def test_virtual_packages_decide(channel: Path) -> None:
    from rattler.exceptions import SolverError

    with pytest.raises(SolverError, match="__osx"):
        solve(channel, "osx-arm64", ["python"], virtual=[("__glibc", "2.28")])
    with pytest.raises(SolverError, match="__glibc"):
        solve(channel, "linux-64", ["python"], virtual=[("__glibc", "2.12")])
    with pytest.raises(SolverError, match="__cuda"):
        solve(channel, "linux-64", ["cuda-only"])
    cuda = virtual_packages_for("linux-64", cuda="12.4")
    assert solve(channel, "linux-64", ["cuda-only"], virtual=cuda)["cuda-only"] == "1.0.0"
    with pytest.raises(SolverError, match="cuda-only"):
        solve(channel, "osx-arm64", ["cuda-only"], virtual=virtual_packages_for("osx-arm64"))


def test_make_channel_is_deterministic(channel: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    make_channel(again, reversed(standard_packages()))  # input order does not matter either
    for subdir in ALL_SUBDIRS:
        first = (channel / subdir / "repodata.json").read_bytes()
        assert (again / subdir / "repodata.json").read_bytes() == first, subdir


def test_filtered_copy_hides_records(channel: Path, tmp_path: Path) -> None:
    before = repodata(channel, "linux-64")
    url = filtered_copy(
        channel,
        tmp_path / "mirror",
        lambda r: r["name"] == "numpy" and r["version"].startswith("2."),
    )
    mirror = tmp_path / "mirror"
    assert url == mirror.as_uri()
    assert repodata(channel, "linux-64") == before  # the reference is untouched
    for subdir in ALL_SUBDIRS:
        kept = repodata(mirror, subdir)["packages.conda"]
        assert not [f for f in kept if f.startswith("numpy-2.")]
        assert sorted(p.name for p in (mirror / subdir).glob("*.conda")) == sorted(kept)
    assert solve(mirror, "linux-64", ["pandas"])["numpy"] == "1.26.4"
    assert solve(channel, "linux-64", ["pandas"])["numpy"] == "2.1.0"


def test_only_the_subdirs_asked_for(tmp_path: Path) -> None:
    tiny = [Pkg("a", "1", subdir="linux-64", depends=("b",)), Pkg("b", "2", noarch="generic")]
    make_channel(tmp_path / "c", tiny, subdirs=["linux-64", "win-64"])
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["linux-64", "noarch", "win-64"]
    assert repodata(tmp_path / "c", "win-64")["packages.conda"] == {}
    assert solve(tmp_path / "c", "linux-64", ["a"], virtual=[]) == {"a": "1", "b": "2"}
    with pytest.raises(ValueError, match="osx-64"):
        make_channel(tmp_path / "d", [Pkg("a", "1", subdir="osx-64")], subdirs=["linux-64"])


def test_pkg_rejects_inconsistent_noarch() -> None:
    with pytest.raises(ValueError, match="noarch"):
        Pkg("a", "1", subdir="linux-64", noarch="python")
    with pytest.raises(ValueError, match="noarch"):
        Pkg("a", "1", subdir="noarch")
    with pytest.raises(ValueError, match="subdir"):
        Pkg("a", "1", subdir="linux-32")

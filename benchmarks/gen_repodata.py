"""Synthetic conda repodata, shaped like a large real channel, generated deterministically.

For each of linux-64, linux-aarch64, osx-64, osx-arm64 and win-64: `--records` records
(default 60,000) in `OUT/<subdir>/repodata.json`, plus a small `OUT/noarch/repodata.json`,
and `OUT/specs.txt`: `--specs` package names (default 450, an Anaconda-distribution-sized
request) that solve on every platform. No archives are written: the records are for
solving and locking, never for downloading.

Shape: about 4,000 names; a few have hundreds of records, most have a handful (a Pareto
draw). Native libraries, Python extensions built once per Python (3.9-3.13, `pyXYZ` build
strings, `python_abi` pins) and noarch Python packages, pip, setuptools and wheel among
them (conda adds pip to every python, and so does `lock`). Dependencies only point at names
generated earlier (no cycles), mostly at popular low-level ones, with version ranges;
every latest version's ranges admit the latest version of each dependency, and every
latest extension has a build for every Python, so the newest of everything is a solution
(older records get tighter pins that may exclude newer dependencies). Native code on Linux
leads to `__glibc >=2.17`, on macOS to `__osx >=10.13` (x86_64) or `>=11.0` (arm64), on
Windows to `__win`, through per-platform runtimes (libgcc-ng, libcxx, vc14_runtime).

    python benchmarks/gen_repodata.py OUT [--records 60000] [--specs 450] [--seed 2026]
    python benchmarks/gen_repodata.py OUT --check linux-64   # then solve with py-rattler
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
DEFAULT_SEED = 2026
WEEK_MS = 604_800_000
SKEW = 8.0  # higher: fewer distinct dependencies; 8 solves 450 specs to about 900 packages
FORMAT = 2  # bump when the output changes, so cached copies are regenerated
PIP = {"pip", "setuptools", "wheel"}  # fixed records (pip_records), never generated names

# Per OS: the runtime everything native pins and the package it needs, which in turn needs
# the virtual package; then the pins native records carry.
RUNTIMES = {
    "linux": (("libgcc-ng", "14.2.0"), ("libgomp", "14.2.0")),
    "osx": (("libcxx", "18.1.8"), ("llvm-openmp", "18.1.8")),
    "win": (("vc14_runtime", "14.40.33810"), ("ucrt", "10.0.22621.0")),
}
RUNTIME_PINS = {
    "linux": ["libgcc-ng >=11.2.0"],
    "osx": ["libcxx >=14.0.6"],
    "win": ["ucrt >=10.0.20348.0", "vc14_runtime >=14.29.30133"],
}
VIRTUAL = {
    "linux-64": "__glibc >=2.17",
    "linux-aarch64": "__glibc >=2.17",
    "osx-64": "__osx >=10.13",
    "osx-arm64": "__osx >=11.0",
    "win-64": "__win",
}
# what a machine of each platform offers, for --check (name, version)
MACHINE = {
    "linux": [("__unix", "0"), ("__linux", "6.1"), ("__glibc", "2.28")],
    "osx": [("__unix", "0"), ("__osx", "14.5")],
    "win": [("__win", "0")],
}
LICENSES = [
    ("MIT", "MIT"),
    ("BSD-3-Clause", "BSD"),
    ("Apache-2.0", "Apache"),
    ("BSD-2-Clause", "BSD"),
    ("LGPL-2.1-or-later", "LGPL"),
    ("GPL-3.0-only", "GPL3"),
    ("MPL-2.0", "Other"),
    ("PSF-2.0", "PSF"),
]
WORDS = [
    "arrow", "async", "atom", "audio", "auth", "avro", "batch", "bio", "blob", "bloom", "boto",
    "bundle", "cache", "calc", "canvas", "cell", "chart", "cipher", "click", "cloud", "codec",
    "color", "config", "core", "crypto", "csv", "cube", "curl", "dash", "data", "date", "db",
    "delta", "diff", "disk", "dns", "doc", "event", "fast", "feed", "file", "flask", "flow",
    "font", "frame", "fuzzy", "geo", "git", "glob", "graph", "grid", "gzip", "hash", "heap",
    "html", "http", "image", "index", "ink", "io", "jit", "json", "kafka", "kernel", "lab",
    "lang", "layout", "lazy", "lint", "log", "lxml", "map", "markdown", "math", "matrix",
    "mesh", "meta", "mock", "msg", "net", "node", "numba", "oauth", "ode", "opt", "orm",
    "pack", "page", "param", "parse", "path", "pipe", "pixel", "plot", "poly", "pool", "port",
    "proto", "proxy", "query", "queue", "rank", "raster", "regex", "render", "report", "rest",
    "retry", "rpc", "rust", "schema", "scope", "sci", "search", "serial", "shape", "sign",
    "slug", "sort", "sound", "spark", "sparse", "spec", "sql", "stat", "stream", "sync",
    "table", "task", "tensor", "term", "test", "text", "thread", "tile", "time", "token",
    "trace", "tree", "type", "unit", "url", "uuid", "vector", "video", "view", "wasm", "watch",
    "wave", "web", "wheel", "widget", "word", "xml", "yaml", "zip", "zmq",
]  # fmt: skip


@dataclass
class Name:
    """One package name, the same on every platform (its runtimes excepted)."""

    name: str
    kind: str  # native, ext (a Python extension, built per Python), noarch, python
    versions: list[tuple[int, ...]]  # oldest first; only the ones that have records
    deps: list[int]  # indices of earlier names
    license: tuple[str, str]
    # (version index, python or "", build number) for every record, newest first
    builds: list[tuple[int, str, int]] = field(default_factory=list)
    # per version index: the depends that do not vary by platform
    depends: dict[int, list[str]] = field(default_factory=dict)
    constrains: dict[int, list[str]] = field(default_factory=dict)


def vstr(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def make_names(rng: random.Random, count: int) -> list[str]:
    names: dict[str, None] = {}
    while len(names) < count:
        first, second = rng.sample(WORDS, 2)
        shape = rng.random()
        if shape < 0.3:
            name = first
        elif shape < 0.55:
            name = f"{first}-{second}"
        elif shape < 0.7:
            name = f"py{first}"
        elif shape < 0.85:
            name = f"lib{first}"
        else:
            name = f"{first}{second}"
        if name in names or name in PIP:
            name = f"{name}-{rng.choice(WORDS)}"
        names.setdefault(name, None)
    return list(names)


def make_versions(rng: random.Random, count: int) -> list[tuple[int, ...]]:
    """`count` increasing versions: mostly patch releases, some minor, few major."""
    version = [rng.randint(0, 4), rng.randint(0, 20), 0]
    out = []
    for _ in range(count):
        out.append(tuple(version))
        roll = rng.random()
        if roll < 0.05:
            version = [version[0] + 1, 0, 0]
        elif roll < 0.35:
            version = [version[0], version[1] + 1, 0]
        else:
            version[2] += 1
    return out


def allocate(weights: list[float], minimums: list[int], total: int) -> list[int]:
    """Split `total` records over names in proportion to weights (largest remainder)."""
    spare = total - sum(minimums)
    if spare < 0:
        raise SystemExit(f"gen_repodata: {total} records are too few for {len(weights)} names")
    whole = sum(weights)
    shares = [w * spare / whole for w in weights]
    counts = [m + int(s) for m, s in zip(minimums, shares, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: int(shares[i]) - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def pick_builds(rng: random.Random, item: Name, budget: int) -> None:
    """Fill item.builds with exactly `budget` records, from the newest version back."""
    latest = len(item.versions) - 1
    step = rng.randint(2, 6)  # how many releases pass before a new Python gets builds
    builds: list[tuple[int, str, int]] = []
    for index in range(latest, -1, -1):
        age = latest - index
        numbers = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        if item.kind == "ext":
            newest = max(0, len(PYTHONS) - 1 - age // step)
            pythons = PYTHONS[max(0, newest - 3) : newest + 1] if age else PYTHONS
            combos = [(py, n) for py in reversed(pythons) for n in range(numbers)]
        else:
            combos = [("", n) for n in range(numbers)]
        for py, number in combos:
            builds.append((index, py, number))
        if len(builds) >= budget:
            break
    item.builds = builds[:budget]
    used = {index for index, _, _ in item.builds}
    # versions without records do not exist; renumber so dependants see real ones only
    keep = sorted(used)
    remap = {old: new for new, old in enumerate(keep)}
    item.versions = [item.versions[i] for i in keep]
    item.builds = [(remap[i], py, n) for i, py, n in item.builds]


def dep_spec(rng: random.Random, dep: Name, age: int) -> str:
    """A range on `dep` for a release `age` versions behind the newest of its dependant."""
    latest = len(dep.versions) - 1
    if age == 0:  # the newest release admits the newest dependency
        roll = rng.random()
        newest = dep.versions[latest]
        if roll < 0.2:
            return dep.name
        if dep.kind == "native" and roll < 0.7:  # run_exports-style pin
            low = dep.versions[max(0, latest - rng.randint(0, 2))]
            if low[:2] == newest[:2]:
                return f"{dep.name} >={vstr(low)},<{newest[0]}.{newest[1] + 1}.0a0"
            return f"{dep.name} >={vstr(low)},<{newest[0] + 1}.0a0"
        low = dep.versions[max(0, latest - rng.randint(0, 6))]
        if rng.random() < 0.5:
            return f"{dep.name} >={vstr(low)}"
        return f"{dep.name} >={vstr(low)},<{newest[0] + 1}"
    low_index = max(0, latest - age - rng.randint(0, 4))
    spec = f"{dep.name} >={vstr(dep.versions[low_index])}"
    high_index = low_index + 1 + rng.randint(0, 3)
    if high_index <= latest and rng.random() < 0.5:  # older releases pinned older deps
        spec += f",<{vstr(dep.versions[high_index])}"
    return spec


def build_universe(rng: random.Random, records: int) -> tuple[list[Name], list[Name]]:
    """(names in every platform subdir, names in noarch); dependencies point backwards."""
    total_names = max(60, records // 15)
    names = iter(make_names(rng, total_names))
    items: list[Name] = []
    lic = ("MIT", "MIT")
    # slots 0-1: the platform runtimes (names filled in per platform); then core libraries
    items += [Name(f"<runtime{n}>", "native", [(1,)], [], lic) for n in (0, 1)]
    core = 40
    for _ in range(core):
        items.append(Name(next(names), "native", [], [], rng.choice(LICENSES)))
    items.append(Name("python", "python", [], [], ("Python-2.0", "PSF")))
    items.append(Name("python_abi", "abi", [], [], ("BSD-3-Clause", "BSD")))
    noarch: list[Name] = [Name("tzdata", "generic", [(2024, 1)], [], lic)]
    for name in names:
        roll = rng.random()
        kind = "noarch" if roll < 0.075 else "native" if roll < 0.35 else "ext"
        (noarch if kind == "noarch" else items).append(
            Name(name, kind, [], [], rng.choice(LICENSES))
        )
    # record budgets: a few names with hundreds of records, most with a handful
    fixed = {"<runtime0>", "<runtime1>", "python", "python_abi"}
    python_records = sum(range(2, 2 + 6 * len(PYTHONS), 6))  # see below: patches x builds
    weights = [0.0 if i.name in fixed else min(rng.paretovariate(1.2), 80.0) for i in items]
    minimums = [0 if i.name in fixed else len(PYTHONS) if i.kind == "ext" else 1 for i in items]
    budgets = allocate(weights, minimums, records - python_records - len(PYTHONS) - 2)
    noarch_budgets = [max(1, min(int(rng.paretovariate(1.5)), 20)) for _ in noarch[1:]]
    for item, budget in zip(noarch[1:], noarch_budgets, strict=True):
        item.versions = make_versions(rng, budget)
        pick_builds(rng, item, budget)
    noarch[0].builds = [(0, "", 0)]

    by_kind: dict[str, list[int]] = {"native": [], "py": []}
    for index, (item, budget) in enumerate(zip(items, budgets, strict=True)):
        if item.name in fixed:
            if item.name == "python":
                # 3.9 has the most patch releases, 3.13 the fewest; 1-2 builds each
                for minor_index, minor in enumerate(PYTHONS):
                    patches = 2 + 6 * (len(PYTHONS) - 1 - minor_index)
                    for patch in range(patches):
                        major, number = map(int, minor.split("."))
                        item.versions.append((major, number, patch))
                item.builds = [(v, "", 0) for v in range(len(item.versions))]
                item.deps = by_kind["native"][2:12]  # openssl, zlib, ... in real life
            elif item.name == "python_abi":
                item.versions = [tuple(map(int, p.split("."))) for p in PYTHONS]
                item.builds = [(v, "", 0) for v in range(len(PYTHONS))]
            else:
                item.builds = [(0, "", 0)]
            continue
        item.versions = make_versions(rng, budget)
        pick_builds(rng, item, budget)
        pool = by_kind["native"] if item.kind == "native" else by_kind["py"] or []
        if pool:
            wanted = rng.choices([0, 1, 2, 3, 4, 5, 6, 8], [8, 20, 22, 18, 12, 9, 6, 5])[0]
            chosen = {popular(rng, pool) for _ in range(wanted)}
            if item.kind == "ext" and by_kind["native"] and rng.random() < 0.6:
                chosen.add(popular(rng, by_kind["native"]))
            item.deps = sorted(chosen)
        by_kind["native" if item.kind == "native" else "py"].append(index)
    by_name = {item.name: item for item in items}
    py_names = [items[i] for i in by_kind["py"]]
    for item in noarch[1:]:
        count = rng.choices([0, 1, 2, 3, 4], [15, 30, 30, 15, 10])[0]
        deps = {popular(rng, py_names).name for _ in range(count)}
        item.deps = [items.index(by_name[n]) for n in sorted(deps)] if deps else []

    for item in [*items, *noarch[1:]]:
        if item.name in fixed:
            continue
        for version in {index for index, _, _ in item.builds}:
            age = len(item.versions) - 1 - version
            depends = [dep_spec(rng, items[d], age) for d in item.deps if items[d].versions]
            if item.kind == "noarch":
                depends.append(f"python >=3.{rng.randint(7, 9)}")
            item.depends[version] = depends
            if rng.random() < 0.1 and item.deps:
                target = items[rng.choice(item.deps)]
                item.constrains[version] = [f"{target.name} >={vstr(target.versions[0])}"]
    return items, noarch


def popular(rng: random.Random, pool: list[T]) -> T:
    """Low-level, early names are depended on most (zlib, numpy): skew towards the start."""
    return pool[int(len(pool) * rng.random() ** SKEW)]


def fake_hash(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def emit(items: list[Name], subdir: str, rng: random.Random) -> dict[str, dict]:
    """The records of one platform subdir: {filename: record}."""
    system = subdir.split("-")[0]
    runtime_names = RUNTIMES[system]
    virtual = VIRTUAL[subdir]
    base_ts = 1_600_000_000_000
    packages: dict[str, dict] = {}
    for index, item in enumerate(items):
        name = runtime_names[index][0] if index < 2 else item.name
        for version_index, python, number in item.builds:
            version = runtime_names[index][1] if index < 2 else vstr(item.versions[version_index])
            depends: list[str] = []
            constrains: list[str] = []
            if index == 0:
                depends = [f"{runtime_names[1][0]} >={runtime_names[1][1]}"]
            elif index == 1:
                depends = [virtual]
            elif item.kind == "python":
                minor = ".".join(version.split(".")[:2])
                tag = minor.replace(".", "")
                depends = [f"{items[d].name}" for d in item.deps]
                depends += [f"python_abi {minor}.* *_cp{tag}", "tzdata"]
                depends += RUNTIME_PINS[system]
                if system != "win":
                    depends.append(virtual)
                build = f"h{fake_hash(rng, 28)}_{number}_cpython"
            elif item.kind == "abi":
                tag = version.replace(".", "")
                constrains = [f"python {version}.* *_cpython"]
                build = f"5_cp{tag}"
            else:
                depends = list(item.depends.get(version_index, []))
                constrains = list(item.constrains.get(version_index, []))
                depends += RUNTIME_PINS[system]
                if item.kind == "native" and rng.random() < 0.15 and system != "win":
                    depends.append(virtual)  # newer conda-forge style: the floor, stated
            if python:
                minor = python
                tag = minor.replace(".", "")
                major, number_ = minor.split(".")
                depends += [
                    f"python >={minor},<{major}.{int(number_) + 1}.0a0",
                    f"python_abi {minor}.* *_cp{tag}",
                ]
                build = f"py{tag}h{fake_hash(rng, 28)}_{number}"
            elif item.kind not in ("python", "abi"):
                build = f"h{fake_hash(rng, 28)}_{number}"
            record = {
                "build": build,
                "build_number": number,
                "depends": depends,
                "license": item.license[0],
                "license_family": item.license[1],
                "md5": fake_hash(rng, 128),
                "name": name,
                "sha256": fake_hash(rng, 256),
                "size": int(rng.lognormvariate(12, 1.6)) + 2000,
                "subdir": subdir,
                "timestamp": base_ts + version_index * WEEK_MS + rng.randint(0, WEEK_MS),
                "version": version,
            }
            if constrains:
                record["constrains"] = constrains
            packages[f"{name}-{version}-{build}.conda"] = record
    return packages


def emit_noarch(noarch: list[Name], rng: random.Random) -> dict[str, dict]:
    packages: dict[str, dict] = {}
    for item in noarch:
        for version_index, _, number in item.builds:
            version = vstr(item.versions[version_index])
            build = f"pyhd8ed1ab_{number}" if item.kind == "noarch" else f"h0c530f3_{number}"
            packages[f"{item.name}-{version}-{build}.conda"] = {
                "build": build,
                "build_number": number,
                "depends": list(item.depends.get(version_index, [])),
                "license": item.license[0],
                "md5": fake_hash(rng, 128),
                "name": item.name,
                "noarch": "python" if item.kind == "noarch" else "generic",
                "sha256": fake_hash(rng, 256),
                "size": int(rng.lognormvariate(11, 1.2)) + 2000,
                "subdir": "noarch",
                "timestamp": 1_600_000_000_000 + version_index * WEEK_MS,
                "version": version,
            }
    return packages


def pip_records() -> dict[str, dict]:
    """pip, setuptools and wheel, as every real channel has them: conda adds pip to each
    python (add_pip_as_python_dependency), and so does `lock`."""
    out = {}
    for name, version, depends in (
        ("pip", "24.2", ["python >=3.8", "setuptools", "wheel"]),
        ("setuptools", "72.1.0", ["python >=3.8"]),
        ("wheel", "0.44.0", ["python >=3.8"]),
    ):
        digest = hashlib.sha256(name.encode()).hexdigest()
        out[f"{name}-{version}-pyhd8ed1ab_0.conda"] = {
            "build": "pyhd8ed1ab_0",
            "build_number": 0,
            "depends": depends,
            "license": "MIT",
            "md5": digest[:32],
            "name": name,
            "noarch": "python",
            "sha256": digest,
            "size": 1_000_000,
            "subdir": "noarch",
            "timestamp": 1_700_000_000_000,
            "version": version,
        }
    return out


def write_repodata(directory: Path, subdir: str, packages: dict[str, dict]) -> int:
    """One record per line: readable, and json's C encoder instead of its slow indent path."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f"  {json.dumps(fn)}: {json.dumps(rec, sort_keys=True)}"
        for fn, rec in sorted(packages.items())
    ]
    head = f'{{\n "info": {{"subdir": {json.dumps(subdir)}}},\n "packages": {{}},\n'
    body = ' "packages.conda": {\n' + ",\n".join(lines) + "\n },\n"
    text = head + body + ' "removed": [],\n "repodata_version": 1\n}\n'
    data = text.encode("utf-8")
    (directory / "repodata.json").write_bytes(data)
    return len(data)


def choose_specs(
    rng: random.Random, items: list[Name], noarch: list[Name], count: int
) -> list[str]:
    # runtimes differ per platform and python_abi is an implementation detail: not asked for
    candidates = [i.name for i in items[2:] if i.kind in ("native", "ext")]
    candidates += [i.name for i in noarch[1:]]
    picked = rng.sample(candidates, min(count - 1, len(candidates)))
    return ["python", *sorted(picked)]


def generate(out: Path, records: int, specs: int, seed: int) -> dict:
    rng = random.Random(seed)
    items, noarch = build_universe(rng, records)
    sizes = {}
    for subdir in PLATFORMS:
        # each platform its own stream for hashes and build strings, same universe
        packages = emit(items, subdir, random.Random(f"{seed}-{subdir}"))
        assert len(packages) == records, (subdir, len(packages))
        sizes[subdir] = write_repodata(out / subdir, subdir, packages)
    noarch_packages = emit_noarch(noarch, random.Random(f"{seed}-noarch"))
    noarch_packages.update(pip_records())
    sizes["noarch"] = write_repodata(out / "noarch", "noarch", noarch_packages)
    spec_names = choose_specs(rng, items, noarch, specs)
    (out / "specs.txt").write_text("\n".join(spec_names) + "\n", encoding="utf-8")
    meta = {
        "format": FORMAT,
        "seed": seed,
        "records": records,
        "specs": len(spec_names),
        "names": len(items) + len(noarch),
        "noarch_records": len(noarch_packages),
        "bytes": sizes,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def check(out: Path, subdir: str) -> tuple[float, int]:
    """Solve specs.txt for `subdir` with py-rattler straight from the files: (s, records)."""
    import rattler

    specs = (out / "specs.txt").read_text(encoding="utf-8").split()
    channel = rattler.Channel(out.resolve().as_uri())
    start = time.perf_counter()
    sparse = [
        rattler.SparseRepoData(channel, s, out / s / "repodata.json") for s in (subdir, "noarch")
    ]
    virtual = [
        rattler.GenericVirtualPackage(
            rattler.PackageName(n), rattler.Version(v), rattler.BuildString("0")
        )
        for n, v in MACHINE[subdir.split("-")[0]]
    ]
    # factory.lock.rattler_calls.run, not asyncio.run: it returns only once rattler's
    # thread has left the interpreter, which could otherwise abort it at exit
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from factory.lock.rattler_calls import run

    try:
        solved = run(rattler.solve_with_sparse_repodata(specs, sparse, virtual_packages=virtual))
    finally:
        for source in sparse:
            source.close()
    return time.perf_counter() - start, len(solved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (created)")
    parser.add_argument("--records", type=int, default=60_000, help="per platform (60000)")
    parser.add_argument("--specs", type=int, default=450, help="names in specs.txt (450)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2026)")
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="SUBDIR",
        help="then solve specs.txt for SUBDIR with py-rattler (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.records < 1000 or args.specs < 1:
        parser.error("--records must be >= 1000 and --specs >= 1")
    for subdir in args.check:
        if subdir not in PLATFORMS:
            parser.error(f"--check: {subdir} is not one of {', '.join(PLATFORMS)}")

    start = time.perf_counter()
    meta = generate(args.out, args.records, args.specs, args.seed)
    seconds = time.perf_counter() - start
    total = sum(meta["bytes"].values()) / 1e6
    print(
        f"generated {args.records} records x {len(PLATFORMS)} platforms + "
        f"{meta['noarch_records']} noarch, {meta['names']} names, {total:.0f} MB, "
        f"{meta['specs']} specs in {seconds:.1f} s -> {args.out}"
    )
    status = 0
    for subdir in args.check:
        try:
            solve_s, count = check(args.out, subdir)
        except Exception as exc:  # the solver's own error type lives in rattler.exceptions
            print(f"check {subdir}: FAILED: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"check {subdir}: {meta['specs']} specs -> {count} packages in {solve_s:.2f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""Locking a large profile on five platforms against large repodata: time and peak memory.

Goals (issue "Speed", and issue 12 item 20, "lock at conda-forge scale"): `installer-factory
lock` solves 450 specs for linux-64, linux-aarch64, osx-64, osx-arm64 and win-64

- `anaconda`: from 60,000 records per platform, in under 20 s;
- `conda-forge`: from 600,000 records per platform (conda-forge's linux-64 holds several
  hundred thousand), in under 30 s with a peak resident memory under 4 GiB.

The channels are synthetic (benchmarks/gen_repodata.py, fixed seed), served as file://
URLs and generated once into a cache folder, then reused (600,000 x 5 records take a few
minutes and 1.6 GB the first time). Each lock is a fresh process (`python -m factory lock`,
an empty repodata cache, no previous lock): its wall time and its peak RSS, as the kernel
counts it for that child (file pages of the memory-mapped repodata included), are the
figures. For scale at the small size, the five repodata.json files are also parsed with
the standard library's json.load.
Exit status: 0 every goal met, 1 a goal missed, 2 the benchmark could not run (no `lock`
command, the lock failed, the data could not be generated).

    python benchmarks/bench_lock.py [--size anaconda|conda-forge|all] [--repeats 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
GiB = 1 << 30


@dataclass(frozen=True)
class Size:
    records: int
    goal_s: float
    goal_rss: int | None  # bytes; None: not a goal at this size
    parse: bool  # also time json.load of the five files, for scale


SIZES = {
    "anaconda": Size(60_000, 20.0, None, True),
    "conda-forge": Size(600_000, 30.0, 4 * GiB, False),
}


def data_dir(records: int, specs: int, seed: int) -> Path:
    cache = Path(tempfile.gettempdir()) / "installer-factory-bench"
    return cache / f"repodata-{seed}-{records}-{specs}"


def ensure_data(directory: Path, records: int, specs: int, seed: int, fresh: bool) -> float:
    """Generate the channel unless an identical one is there; seconds spent generating."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import gen_repodata

    meta_file = directory / "meta.json"
    wanted = {"format": gen_repodata.FORMAT, "seed": seed, "records": records, "specs": specs}
    if not fresh and meta_file.is_file():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in wanted} == wanted:
            return 0.0
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    start = time.perf_counter()
    gen_repodata.generate(directory, records, specs, seed)
    return time.perf_counter() - start


def write_profile(path: Path, channel: str, specs: list[str]) -> None:
    profile = {
        "name": "Bench",
        "version": "1",
        "platforms": PLATFORMS,
        "channels": [channel],
        "packages": {"specs": {"base": specs}},
    }
    path.write_text(json.dumps(profile, indent=1) + "\n", encoding="utf-8")  # JSON is YAML


def run_child(args: list[str], env: dict[str, str]) -> tuple[int, float, int, str, float]:
    """`python -m factory ARGS` from the checkout: (exit status, wall s, peak RSS bytes,
    output tail, CPU s). RSS and CPU time are the child's own, from wait4; the CPU time
    tells a loaded machine's wall time apart from a slow lock."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "factory", *args],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        tail = output.read()[-4000:].decode("utf-8", "replace")
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return child.returncode, seconds, rss, tail, usage.ru_utime + usage.ru_stime


def parse_seconds(directory: Path) -> float:
    start = time.perf_counter()
    for subdir in PLATFORMS:
        with (directory / subdir / "repodata.json").open("rb") as stream:
            json.load(stream)
    return time.perf_counter() - start


def measure(
    name: str, size: Size, args: argparse.Namespace, work: Path, env: dict[str, str]
) -> dict[str, Any]:
    """One size: generate (or reuse) its channel, lock `repeats` times; raises SystemExit(2)
    when the benchmark cannot run."""
    directory = (
        args.data
        if args.data and len(args.sizes) == 1
        else data_dir(size.records, args.specs, args.seed)
    )
    directory = directory.resolve()
    try:
        generate_s = ensure_data(directory, size.records, args.specs, args.seed, args.regenerate)
    except (OSError, SystemExit) as exc:
        print(f"bench_lock: could not generate {directory}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    specs = (directory / "specs.txt").read_text(encoding="utf-8").split()
    folder = work / name
    folder.mkdir()
    profile = folder / "bench.yaml"
    write_profile(profile, directory.as_uri(), specs)
    lock_s: list[float] = []
    cpu_s: list[float] = []
    rss: list[int] = []
    for repeat in range(args.repeats):
        cache = folder / f"cache-{repeat}"  # empty every time: repodata read from scratch
        for old in folder.glob("bench.lock*"):
            old.unlink()  # no previous lock to compare with or keep pins from
        code, seconds, peak, output, cpu = run_child(
            ["lock", str(profile), "--cache-dir", str(cache)], env
        )
        if code != 0 or not any(folder.glob("bench.lock*")):
            print(output, file=sys.stderr)
            print(f"bench_lock: `installer-factory lock` exited {code}", file=sys.stderr)
            raise SystemExit(2)
        lock_s.append(seconds)
        cpu_s.append(cpu)
        rss.append(peak)
        shutil.rmtree(cache, ignore_errors=True)
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    lock, peak = statistics.median(lock_s), max(rss)
    passed = lock < size.goal_s and (size.goal_rss is None or peak < size.goal_rss)
    return {
        "size": name,
        "records_per_platform": size.records,
        "noarch_records": meta["noarch_records"],
        "specs": len(specs),
        "repodata_mb": round(sum(meta["bytes"][s] for s in PLATFORMS) / 1e6, 1),
        "generate_s": round(generate_s, 2),
        "lock_s": {"median": round(lock, 3), "samples": [round(s, 3) for s in lock_s]},
        "cpu_s": {
            "median": round(statistics.median(cpu_s), 3),
            "samples": [round(s, 3) for s in cpu_s],
        },
        "peak_rss_mib": {"max": round(peak / (1 << 20)), "samples": [r >> 20 for r in rss]},
        "parse_s": round(parse_seconds(directory), 3) if size.parse else None,
        "goal_lock_s_max": size.goal_s,
        "goal_peak_rss_mib_max": size.goal_rss >> 20 if size.goal_rss else None,
        "pass": passed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        choices=[*SIZES, "all"],
        default="all",
        help="anaconda (60,000 records per platform), conda-forge (600,000) or all (default)",
    )
    parser.add_argument("--repeats", type=int, default=1, help="measured locks (default 1)")
    parser.add_argument("--records", type=int, help="records per platform (overrides --size)")
    parser.add_argument("--specs", type=int, default=450, help="specs in the profile (450)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--goal", type=float, help="max lock s (default: the size's)")
    parser.add_argument("--data", type=Path, help="channel folder (one size only)")
    parser.add_argument("--regenerate", action="store_true", help="generate even if cached")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    sizes = dict(SIZES) if args.size == "all" else {args.size: SIZES[args.size]}
    if args.records:
        base = next(iter(sizes.values()))
        sizes = {f"{args.records}": Size(args.records, base.goal_s, base.goal_rss, base.parse)}
    if args.goal:
        sizes = {n: Size(s.records, args.goal, s.goal_rss, s.parse) for n, s in sizes.items()}
    args.sizes = sizes

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp:
        work = Path(tmp)
        # a user's config.yaml must not change the figure; the cache is given explicitly
        (work / "config.yaml").write_text("", encoding="utf-8")  # empty: the defaults
        env = {
            **os.environ,
            "INSTALLER_FACTORY_CONFIG": str(work / "config.yaml"),
            "XDG_CONFIG_HOME": str(work / "config"),
        }
        code, _, _, output, _ = run_child(["lock", "--help"], env)
        if code != 0 or "--cache-dir" not in output:
            print(f"bench_lock: no usable `installer-factory lock`:\n{output}", file=sys.stderr)
            return 2
        try:
            for name, size in sizes.items():
                results.append(measure(name, size, args, work, env))
        except SystemExit as exc:
            return int(exc.code or 2)

    passed = all(r["pass"] for r in results)
    if args.json:
        report = {
            "benchmark": "lock",
            "python": platform.python_version(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "platforms": PLATFORMS,
            "repeats": args.repeats,
            "sizes": results,
            "pass": passed,
        }
        print(json.dumps(report, indent=2))
        return 0 if passed else 1
    print(
        f"lock: 450 specs x {len(PLATFORMS)} platforms, {args.repeats} repeat(s), "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
    )
    for r in results:
        generated = f"generated in {r['generate_s']:.0f} s" if r["generate_s"] else "reused"
        print(
            f"  {r['size']}: {r['records_per_platform']:,} records per platform "
            f"({r['repodata_mb']:.0f} MB repodata, {generated})"
        )
        samples = r["lock_s"]["samples"]
        spread = f"  (min {min(samples):.2f}, max {max(samples):.2f})" if len(samples) > 1 else ""
        print(f"    lock           {r['lock_s']['median']:7.2f} s{spread}")
        print(f"    CPU (user+sys) {r['cpu_s']['median']:7.2f} s")
        print(f"    peak RSS       {r['peak_rss_mib']['max']:7d} MiB")
        if r["parse_s"] is not None:
            print(f"    json.load x 5  {r['parse_s']:7.2f} s  (stdlib json, for scale)")
        goal = f"lock < {r['goal_lock_s_max']:.0f} s"
        if r["goal_peak_rss_mib_max"]:
            goal += f", peak RSS < {r['goal_peak_rss_mib_max']} MiB"
        print(f"    goal: {goal}  {'PASS' if r['pass'] else 'FAIL'}")
    print(f"result: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

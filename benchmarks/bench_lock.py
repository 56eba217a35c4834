"""Locking an Anaconda-distribution-sized profile on five platforms against large repodata.

Goal (issue "Speed"): `installer-factory lock` solves 450 specs for linux-64,
linux-aarch64, osx-64, osx-arm64 and win-64 from a channel of 60,000 records per platform
in under 20 s. The channel is synthetic (benchmarks/gen_repodata.py, fixed seed), served
as a file:// URL and generated once into a cache folder, then reused. The lock runs in
process (factory.cli.main) with an empty repodata cache each time; for scale, the same
five repodata.json files are parsed with the standard library's json.load.
Exit status: 0 goal met, 1 goal missed, 2 the benchmark could not run (no `lock` command,
the lock failed, the data could not be generated).

    python benchmarks/bench_lock.py [--repeats 1] [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOAL_S = 20.0
PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]


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
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    profile = {
        "name": "Bench",
        "version": "1",
        "platforms": PLATFORMS,
        "channels": [channel],
        "packages": {"specs": {"base": specs}},
    }
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(profile, stream)


def run_cli(args: list[str]) -> tuple[int, str]:
    """factory.cli.main in process, its output captured (a first lock lists every package)."""
    from factory.cli.main import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: usage errors, --help
            code = exc.code if isinstance(exc.code, int) else 1
    return code, buffer.getvalue()


def lock_command_missing() -> str | None:
    code, output = run_cli(["lock", "--help"])
    if code == 0 and "--cache-dir" in output:
        return None
    if "invalid choice" in output:
        return "this checkout has no `installer-factory lock` command yet"
    return "`installer-factory lock --help` failed or has no --cache-dir:\n" + output[-2000:]


def parse_seconds(directory: Path) -> float:
    start = time.perf_counter()
    for subdir in PLATFORMS:
        with (directory / subdir / "repodata.json").open("rb") as stream:
            json.load(stream)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="measured locks (default 1)")
    parser.add_argument("--records", type=int, default=60_000, help="per platform (60000)")
    parser.add_argument("--specs", type=int, default=450, help="specs in the profile (450)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--goal", type=float, default=GOAL_S, help="max lock s (default 20)")
    parser.add_argument(
        "--data", type=Path, help="channel folder (default: a folder in the temp dir)"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate even if cached")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")

    # run from the checkout without installing (python benchmarks/bench_lock.py)
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp:
        work = Path(tmp)
        # a user's config.yaml must not change the figure; the cache is given explicitly
        os.environ["INSTALLER_FACTORY_CONFIG"] = str(work / "config.yaml")
        os.environ["XDG_CONFIG_HOME"] = str(work / "config")
        missing = lock_command_missing()
        if missing:
            print(f"bench_lock: {missing}", file=sys.stderr)
            return 2

        directory = (args.data or data_dir(args.records, args.specs, args.seed)).resolve()
        try:
            generate_s = ensure_data(
                directory, args.records, args.specs, args.seed, args.regenerate
            )
        except (OSError, SystemExit) as exc:
            print(f"bench_lock: could not generate {directory}: {exc}", file=sys.stderr)
            return 2
        specs = (directory / "specs.txt").read_text(encoding="utf-8").split()
        profile = work / "bench.yaml"
        write_profile(profile, directory.as_uri(), specs)

        lock_s: list[float] = []
        parse_s: list[float] = []
        for repeat in range(args.repeats):
            cache = work / f"cache-{repeat}"  # empty every time: repodata read from scratch
            for old in work.glob("bench.lock*"):
                old.unlink()  # no previous lock to compare with or keep pins from
            start = time.perf_counter()
            code, output = run_cli(["lock", str(profile), "--cache-dir", str(cache)])
            lock_s.append(time.perf_counter() - start)
            if code != 0:
                print(output[-4000:], file=sys.stderr)
                print(f"bench_lock: `installer-factory lock` exited {code}", file=sys.stderr)
                return 2
            if not any(work.glob("bench.lock*")):
                print(output[-4000:], file=sys.stderr)
                print("bench_lock: the lock exited 0 but wrote no lock file", file=sys.stderr)
                return 2
            shutil.rmtree(cache, ignore_errors=True)
            parse_s.append(parse_seconds(directory))
        lock_files = sorted(p.name for p in work.glob("bench.lock*"))

    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    repodata_mb = sum(meta["bytes"][s] for s in PLATFORMS) / 1e6
    lock = statistics.median(lock_s)
    parse = statistics.median(parse_s)
    passed = lock < args.goal
    if args.json:
        report: dict[str, Any] = {
            "benchmark": "lock",
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "platforms": PLATFORMS,
            "records_per_platform": args.records,
            "noarch_records": meta["noarch_records"],
            "specs": len(specs),
            "seed": args.seed,
            "repodata_mb": round(repodata_mb, 1),
            "generate_s": round(generate_s, 2),
            "repeats": args.repeats,
            "lock_s": {"median": round(lock, 3), "samples": [round(s, 3) for s in lock_s]},
            "parse_s": {"median": round(parse, 3), "samples": [round(s, 3) for s in parse_s]},
            "ratio": round(lock / parse, 2),
            "lock_files": lock_files,
            "goal_lock_s_max": args.goal,
            "pass": passed,
        }
        print(json.dumps(report, indent=2))
    else:
        generated = f"generated in {generate_s:.1f} s" if generate_s else "reused"
        print(
            f"lock: {len(specs)} specs x {len(PLATFORMS)} platforms, {args.records} records "
            f"per platform ({repodata_mb:.0f} MB repodata, {generated}), {args.repeats} "
            f"repeat(s), Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
        )
        spread = f"  (min {min(lock_s):.2f}, max {max(lock_s):.2f})" if len(lock_s) > 1 else ""
        print(f"  lock              {lock:7.2f} s{spread}")
        print(f"  json.load x {len(PLATFORMS)}     {parse:7.2f} s  (stdlib json, for scale)")
        print(f"  ratio             {lock / parse:7.2f}")
        verdict = "PASS" if passed else "FAIL"
        print(f"  goal: lock < {args.goal:.1f} s  {verdict}")
        print(f"result: {verdict}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Exit-status soak: `validate`, `render`, `lock`, `doctor` and `sbom`, many times each.

Issue 12 ("`doctor` exits at random"): py-rattler's tokio threads could still be inside the
interpreter while it finalized, so a run that printed everything still exited 134 or 139
now and then (see factory/lock/rattler_calls.py). A random crash shows only over many
runs: this runs each command `--runs` times (default 200) as a fresh process
(`python -m factory`) against a small local channel built at start (tests/channels.py,
file:// URLs, no network), and fails on any exit status other than 0. `lock` runs
alternate between a plain lock and `lock --diff`.
Exit status: 0 every run exited 0, 1 some did not, 2 the soak could not start.

    python benchmarks/soak.py [--runs 200] [--jobs 1] [--commands lock,doctor] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
COMMANDS = ["validate", "render", "lock", "doctor", "sbom"]
SPECS = ["python 3.12.*", "conda", "numpy", "pandas"]


@dataclass
class Tally:
    runs: int = 0
    seconds: float = 0.0
    failures: dict[int, int] = field(default_factory=dict)  # exit status -> count
    last_error: str = ""


def profile_text(channel: str) -> str:
    return f"""name: Soak
version: "1"
platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]
channels: ["{channel}"]
condarc: {{channels: [internal]}}
packages:
  specs:
    base: {json.dumps(SPECS)}
"""


def command_line(command: str, work: Path, run: int) -> list[str]:
    profile = str(work / "soak.yaml")
    cache = ["--cache-dir", str(work / "cache")]
    return {
        "validate": ["validate", profile],
        "render": ["render", profile, "-o", str(work / "out")],
        "lock": ["lock", profile, *cache, *(["--diff"] if run % 2 else [])],
        "doctor": ["doctor", profile, "--json", *cache],
        "sbom": ["sbom", profile, "--output", str(work / "sbom")],
    }[command]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "factory", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, time.perf_counter() - start, done.stderr[-2000:]


def setup(work: Path, channel: str, env: dict[str, str]) -> str | None:
    """The profile and its first lock; a message when that fails."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "soak.yaml").write_text(profile_text(channel), encoding="utf-8")
    code, _, err = run_once(command_line("lock", work, 0), env)
    return None if code == 0 else f"the first lock exited {code}:\n{err}"


def soak(
    commands: list[str],
    runs: int,
    works: list[Path],
    env: dict[str, str],
    report: Callable[[str], None],
) -> dict[str, Tally]:
    """Every command `runs` times, round-robin, the rounds shared among the work folders
    (one worker each: commands of one folder never overlap)."""
    tallies = {c: Tally() for c in commands}

    def worker(index: int) -> None:
        work = works[index]
        for run in range(index, runs, len(works)):
            for command in commands:
                code, seconds, err = run_once(command_line(command, work, run), env)
                tally = tallies[command]
                tally.runs += 1
                tally.seconds += seconds
                if code != 0:
                    tally.failures[code] = tally.failures.get(code, 0) + 1
                    tally.last_error = err
                    report(f"{command} run {run + 1}: exit {code}")
            if (run + 1) % 20 == 0:
                report(f"round {run + 1}/{runs}")

    with ThreadPoolExecutor(len(works)) as pool:
        for future in [pool.submit(worker, i) for i in range(len(works))]:
            future.result()
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs of each command (200)")
    parser.add_argument("--jobs", type=int, default=1, help="processes at a time (1)")
    parser.add_argument(
        "--commands",
        default=",".join(COMMANDS),
        help=f"comma-separated subset of {','.join(COMMANDS)} (default: all)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    commands = [c for c in args.commands.split(",") if c]
    if args.runs < 1 or args.jobs < 1 or not commands or set(commands) - set(COMMANDS):
        parser.error(f"--runs and --jobs must be >= 1; --commands from {','.join(COMMANDS)}")

    sys.path.insert(0, str(REPO / "tests"))
    try:
        from channels import make_channel, standard_packages
    except ImportError as exc:  # conda-package-handling: the test extra
        print(
            f"soak: cannot build the test channel ({exc}); install the test extra", file=sys.stderr
        )
        return 2

    def report(message: str) -> None:
        print(f"soak: {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        root = Path(tmp)
        (root / "config.yaml").write_text("", encoding="utf-8")  # empty: the defaults
        env = {**os.environ, "INSTALLER_FACTORY_CONFIG": str(root / "config.yaml")}
        env.pop("PYTHONFAULTHANDLER", None)
        channel = make_channel(root / "channel", standard_packages())
        works = [root / f"work-{i}" for i in range(args.jobs)]
        for work in works:
            problem = setup(work, channel, env)
            if problem:
                print(f"soak: {problem}", file=sys.stderr)
                return 2
        start = time.perf_counter()
        tallies = soak(commands, args.runs, works, env, report)
        wall = time.perf_counter() - start

    failed = sum(sum(t.failures.values()) for t in tallies.values())
    if args.json:
        result: dict[str, Any] = {
            "benchmark": "soak",
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "runs_per_command": args.runs,
            "jobs": args.jobs,
            "wall_s": round(wall, 1),
            "commands": {
                c: {
                    "runs": t.runs,
                    "nonzero": sum(t.failures.values()),
                    "exit_statuses": {str(k): v for k, v in sorted(t.failures.items())},
                    "mean_s": round(t.seconds / max(t.runs, 1), 3),
                }
                for c, t in tallies.items()
            },
            "pass": failed == 0,
        }
        print(json.dumps(result, indent=2))
    else:
        print(f"soak: {args.runs} runs x {len(commands)} commands, {args.jobs} at a time")
        for command, tally in tallies.items():
            statuses = ", ".join(f"exit {k}: {v}" for k, v in sorted(tally.failures.items()))
            mean = tally.seconds / max(tally.runs, 1)
            print(
                f"  {command:9} {tally.runs:5} runs  {sum(tally.failures.values()):4} non-zero"
                f"  mean {mean:5.2f} s  {statuses}"
            )
            if tally.last_error:
                print("    last failure's stderr:\n    " + tally.last_error.replace("\n", "\n    "))
        print(f"  wall time {wall:.0f} s")
        print(f"result: {'PASS' if failed == 0 else 'FAIL'}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

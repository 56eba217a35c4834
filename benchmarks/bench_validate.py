"""Start-up cost of `installer-factory validate`, against importing its three main libraries.

Goal (issue "Speed"): the median wall time of validating the corporate example profile is at
most 3x the median of `python -c "import ruamel.yaml, jinja2, pydantic"` on the same
machine. Both are run as fresh subprocesses of this interpreter, alternating, so machine
load drifts hit both equally. Exit status: 0 goal met, 1 goal missed, 2 a command failed.

    python benchmarks/bench_validate.py [--runs 21] [--warmup 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = "profiles/acme-datasci-prod.yaml"  # extends chain + CA certificate
BASELINE_CODE = "import ruamel.yaml, jinja2, pydantic"
GOAL_RATIO = 3.0


@dataclass
class Command:
    name: str
    argv: list[str]
    samples: list[float] = field(default_factory=list)  # seconds

    def stats(self) -> dict[str, Any]:
        ms = [s * 1000 for s in self.samples]
        return {
            "median_ms": round(statistics.median(ms), 2),
            "min_ms": round(min(ms), 2),
            "max_ms": round(max(ms), 2),
            "stdev_ms": round(statistics.stdev(ms), 2) if len(ms) > 1 else 0.0,
            "samples_ms": [round(x, 2) for x in ms],
        }


def console_script() -> Path | None:
    """The `installer-factory` script installed for *this* interpreter, if any."""
    name = "installer-factory.exe" if os.name == "nt" else "installer-factory"
    for directory in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def bench_env(config_home: Path, inherit: bool) -> dict[str, str]:
    env = dict(os.environ)
    if inherit:
        return env
    # An empty config home: a user's config.yaml must not change the figure, but the
    # platformdirs lookup that a real run does still happens.
    env["XDG_CONFIG_HOME"] = str(config_home)
    env.pop("INSTALLER_FACTORY_CONFIG", None)
    # Installed packages start from bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
    # would recompile factory/ every time. A private pycache (filled by the warm-ups)
    # gives both commands compiled modules without writing into the repository.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(config_home.parent / "pycache")
    return env


def run_once(command: Command, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        command.argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{command.name} exited {proc.returncode}: {message}")
    return elapsed


def measure(commands: list[Command], env: dict[str, str], runs: int, warmup: int) -> None:
    for round_ in range(warmup + runs):
        # rotate the order each round so neither command always runs right after the other
        shift = round_ % len(commands)
        for command in commands[shift:] + commands[:shift]:
            elapsed = run_once(command, env)
            if round_ >= warmup:
                command.samples.append(elapsed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="measured runs (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs (default 3)")
    parser.add_argument(
        "--profile", default=DEFAULT_PROFILE, help=f"repo-relative (default {DEFAULT_PROFILE})"
    )
    parser.add_argument("--goal", type=float, default=GOAL_RATIO, help="max ratio (default 3.0)")
    parser.add_argument(
        "--no-console-script", action="store_true", help="skip the installed script"
    )
    parser.add_argument(
        "--inherit-env",
        action="store_true",
        help="run with this environment as is (user config, PYTHONDONTWRITEBYTECODE)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")

    python = sys.executable
    baseline = Command("baseline", [python, "-c", BASELINE_CODE])
    commands = [baseline, Command("module", [python, "-m", "factory", "validate", args.profile])]
    script = None if args.no_console_script else console_script()
    if script is not None:
        commands.append(Command("console-script", [str(script), "validate", args.profile]))

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        config_home = Path(tmp) / "config"
        config_home.mkdir()
        env = bench_env(config_home, args.inherit_env)
        try:
            measure(commands, env, args.runs, args.warmup)
        except (RuntimeError, OSError) as exc:
            print(f"bench_validate: {exc}", file=sys.stderr)
            return 2

    base_median = statistics.median(baseline.samples)
    results = []
    for command in commands:
        entry: dict[str, Any] = {"name": command.name, "argv": command.argv, **command.stats()}
        if command is not baseline:
            ratio = statistics.median(command.samples) / base_median
            # per-round ratios show whether the median ratio is stable
            paired = [c / b for c, b in zip(command.samples, baseline.samples, strict=True)]
            entry["ratio"] = round(ratio, 3)
            entry["paired_ratio_median"] = round(statistics.median(paired), 3)
            entry["pass"] = ratio <= args.goal
        results.append(entry)
    passed = all(r.get("pass", True) for r in results)

    if args.json:
        report = {
            "benchmark": "validate",
            "profile": args.profile,
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "runs": args.runs,
            "warmup": args.warmup,
            "inherit_env": args.inherit_env,
            "goal_ratio_max": args.goal,
            "commands": results,
            "pass": passed,
        }
        print(json.dumps(report, indent=2))
    else:
        print(
            f"validate start-up: {args.runs} runs after {args.warmup} warm-ups, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
        )
        for entry in results:
            line = (
                f"  {entry['name']:<15} median {entry['median_ms']:8.1f} ms"
                f"  (min {entry['min_ms']:.1f}, max {entry['max_ms']:.1f})"
            )
            if "ratio" in entry:
                verdict = "PASS" if entry["pass"] else "FAIL"
                line += (
                    f"  ratio {entry['ratio']:.2f} (paired {entry['paired_ratio_median']:.2f})"
                    f"  goal <= {args.goal:.1f}  {verdict}"
                )
            print(line)
        if script is None and not args.no_console_script:
            print("  (console script not installed for this interpreter; skipped)")
        print(f"result: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""`installer-factory scan` against `sha256sum` on the same installer-sized file.

Goal (issue 12, item 19): scanning with token shapes takes at most 3 times as long as
`sha256sum` on the same bytes, and scanning for known values only at most 1.5 times.

The file is generated into a temporary folder (deterministic, `--seed`): a constructor-like
`.sh` installer of `--size` MB (200): a shell header, a `conda.exe`-like binary, then an
uncompressed tar of `.conda` packages (zip, stored, holding zstd-compressed tars of Python
source and shared-library-like binary files) and a few plain files, with a handful of
planted tokens (found, or the benchmark fails). Every command runs as a fresh process of
this interpreter, alternating with `sha256sum`, order rotated each round. The goal is on
CPU time (user + system, the operating system's accounting of each finished process), the
figure the issue measured: it holds steady on a shared machine where wall time does not.
Wall time is printed beside it.

    python benchmarks/bench_scan.py [--size 200] [--runs 5] [--warmup 1] [--keep DIR] [--json]

Exit status: 0 both goals met, 1 a goal missed, 2 the benchmark could not run (a command
failed, `sha256sum` is missing, a planted token was not found).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOALS = {"shapes": 3.0, "values": 1.5}  # median scan / median sha256sum
MiB = 1 << 20

# --- the installer ----------------------------------------------------------------------

_WORDS_TEXT = (
    "self def return import from class if else elif for while in not and or is None True "
    "False try except raise with as yield lambda pass break continue assert global data "
    "value result path name args kwargs index count items keys numpy array dtype shape "
    "config options parser module package version channel platform prefix environment "
    "print format join split strip append extend update get set list dict tuple str int "
    "float bytes open read write close file folder build install test check error warning"
)


def _vocabulary(rng: random.Random) -> list[bytes]:
    letters = "abcdefghijklmnopqrstuvwxyz_"
    made = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 12))) for _ in range(3000)]
    return [w.encode() for w in _WORDS_TEXT.split() + made]


def _text(rng: random.Random, words: list[bytes], size: int) -> bytes:
    """Python-like source: indented lines of words and punctuation."""
    punct = [b"(", b")", b", ", b" = ", b".", b": ", b"[", b"]", b" + ", b'"', b"  # "]
    out, total = [], 0
    while total < size:
        line = b" " * (4 * rng.randint(0, 3)) + b"".join(
            rng.choice(words) + rng.choice(punct) for _ in range(rng.randint(2, 9))
        )
        out.append(line + b"\n")
        total += len(line) + 1
    return b"".join(out)[:size]


def _binary(rng: random.Random, words: list[bytes], size: int) -> bytes:
    """Shared-library-like: code-ish random runs, zero padding, string tables."""
    out, total = [], 0
    while total < size:
        pick = rng.random()
        if pick < 0.6:
            part = rng.randbytes(rng.randint(256, 8192))
        elif pick < 0.8:
            part = bytes(rng.randint(16, 2048))
        else:
            part = b"\0".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
        out.append(part)
        total += len(part)
    return b"".join(out)[:size]


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _conda(name: str, members: dict[str, bytes], zstd: Any) -> bytes:
    compressor = zstd.ZstdCompressor(level=3)
    info = _tar({"info/index.json": json.dumps({"name": name, "version": "1.0"}).encode()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("metadata.json", b'{"conda_pkg_format_version": 2}')
        archive.writestr(f"info-{name}-1.0-0.tar.zst", compressor.compress(info))
        archive.writestr(f"pkg-{name}-1.0-0.tar.zst", compressor.compress(_tar(members)))
    return buffer.getvalue()


@dataclass
class Planted:
    kind: str  # what scan must report
    where: str  # a substring of the finding's file!member


def make_installer(path: Path, size_mb: int, seed: int) -> tuple[dict[str, str], list[Planted]]:
    """Write the installer; return the known values to pass and what must be found."""
    import zstandard

    rng = random.Random(seed)
    words = _vocabulary(rng)
    token = "".join(
        rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(32)
    )
    aws = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    target = size_mb * MiB
    header = b"#!/bin/sh\n# NAME: Bench\n" + _text(rng, words, 60_000) + b"\n@@END_HEADER@@\n"
    conda_exe = _binary(rng, words, target // 8)
    members: dict[str, bytes] = {"pkgs/urls.txt": b"https://conda.example.org/main\n"}
    planted = [
        Planted("token $BENCH_TOKEN", "pkg-pkg3-1.0-0.tar/lib/python3.12/site-packages/pkg3/m1.py"),
        Planted("AWS access key", "pkgs/notes.txt"),
    ]
    payload, n = 0, 0
    while len(header) + len(conda_exe) + payload < target * 0.97:
        files: dict[str, bytes] = {}
        for i in range(6):
            text = _text(rng, words, rng.randint(200_000, 1_400_000))
            if n == 3 and i == 1:
                cut = len(text) // 2
                text = (
                    text[:cut]
                    + f"\nurl = 'https://conda.example.org/t/{token}/main'\n".encode()
                    + text[cut:]
                )
            files[f"lib/python3.12/site-packages/pkg{n}/m{i}.py"] = text
        files[f"lib/libpkg{n}.so"] = _binary(rng, words, rng.randint(1_500_000, 4_000_000))
        conda = _conda(f"pkg{n}", files, zstandard)
        members[f"pkgs/pkg{n}-1.0-0.conda"] = conda
        payload += len(conda) + 1024
        n += 1
    members["pkgs/notes.txt"] = _text(rng, words, 50_000) + f"\nkey {aws}\n".encode()
    with open(path, "wb") as handle:
        handle.write(header)
        handle.write(conda_exe)
        handle.write(_tar(members))
    return {"bench": token}, planted


# --- timing -----------------------------------------------------------------------------


@dataclass
class Command:
    name: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    output: str = ""

    def run(self, env: dict[str, str]) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(self.argv, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{self.name} exited {done.returncode}: {done.stderr[-2000:]}")
        self.wall.append(wall)
        self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        self.output = done.stdout

    def stats(self) -> dict[str, Any]:
        return {
            "median_s": round(statistics.median(self.wall), 3),
            "min_s": round(min(self.wall), 3),
            "max_s": round(max(self.wall), 3),
            "cpu_median_s": round(statistics.median(self.cpu), 3),
            "samples_s": [round(x, 3) for x in self.wall],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200, help="installer size in MB (200)")
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each (5)")
    parser.add_argument("--warmup", type=int, default=1, help="runs not counted, first (1)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, help="write the installer here and keep it")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    sha = shutil.which("sha256sum")
    if sha is None:
        print("bench_scan: sha256sum is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        installer = folder / "Bench-1.0-Linux-x86_64.sh"
        meta = folder / "bench-scan.json"
        started = time.perf_counter()
        stamp = {"seed": args.seed, "size": args.size, "format": 1}
        if args.keep and installer.is_file() and meta.is_file():
            kept = json.loads(meta.read_text())
            if kept.get("stamp") == stamp:
                values = kept["values"]
                planted = [Planted(**p) for p in kept["planted"]]
        if "values" not in locals():
            values, planted = make_installer(installer, args.size, args.seed)
            planted_dicts = [p.__dict__ for p in planted]
            meta.write_text(
                json.dumps({"stamp": stamp, "values": values, "planted": planted_dicts})
            )
        made = time.perf_counter() - started
        # only what the commands need: no secret-named variable of this shell is searched for
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        env["BENCH_TOKEN"] = values["bench"]  # a secret-named variable: a known value
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        env["PYTHONPATH"] = str(REPO)
        scan = [sys.executable, "-m", "factory", "scan", "--json", str(installer)]
        commands = [
            Command("sha256sum", [sha, str(installer)]),
            Command("scan", scan),
            Command("scan --values-only", [*scan, "--values-only"]),
        ]
        try:
            for round_ in range(args.warmup + args.runs):
                order = commands[round_ % 3 :] + commands[: round_ % 3]
                for command in order:
                    command.run(env)
                    if round_ < args.warmup:
                        command.wall.clear()
                        command.cpu.clear()
            missing = _missing(commands[1].output, planted)
            missing += _missing(commands[2].output, planted[:1])
            scanned = json.loads(commands[1].output)["bytes_scanned"]
        except (RuntimeError, json.JSONDecodeError) as exc:
            print(f"bench_scan: {exc}", file=sys.stderr)
            return 2
        if missing:
            print(f"bench_scan: not found: {missing}", file=sys.stderr)
            return 2
        report: dict[str, Any] = {
            "file_mb": round(installer.stat().st_size / 1e6, 1),
            "scanned_mb": round(scanned / 1e6, 1),
            "generated_s": round(made, 1),
            "commands": {c.name: c.stats() for c in commands},
            "results": {},
        }
    ok = True
    base = commands[0]
    for command, goal in zip(commands[1:], GOALS.values(), strict=True):
        cpu_ratio = statistics.median(command.cpu) / statistics.median(base.cpu)
        paired = statistics.median(a / b for a, b in zip(command.cpu, base.cpu, strict=True))
        wall_ratio = statistics.median(command.wall) / statistics.median(base.wall)
        passed = cpu_ratio <= goal
        ok &= passed
        report["results"][command.name] = {
            "cpu_ratio": round(cpu_ratio, 2),
            "paired_cpu_ratio": round(paired, 2),
            "wall_ratio": round(wall_ratio, 2),
            "goal": goal,
            "pass": passed,
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 0 if ok else 1


def _missing(output: str, planted: list[Planted]) -> list[str]:
    findings = json.loads(output)["findings"]
    found = {(f["kind"], f"{f['file']}!{f['member']}") for f in findings}
    return [
        f"{p.kind} in {p.where}"
        for p in planted
        if not any(kind == p.kind and p.where in where for kind, where in found)
    ]


def _print(report: dict[str, Any]) -> None:
    print(
        f"installer: {report['file_mb']} MB ({report['scanned_mb']} MB searched with its "
        f"decompressed contents; made or reused in {report['generated_s']} s)"
    )
    for name, s in report["commands"].items():
        print(
            f"{name:20s} median {s['median_s']:.3f} s (min {s['min_s']:.3f}, max "
            f"{s['max_s']:.3f}), CPU {s['cpu_median_s']:.3f} s"
        )
    for name, r in report["results"].items():
        verdict = "PASS" if r["pass"] else "FAIL"
        print(
            f"{name:20s} CPU ratio {r['cpu_ratio']:.2f} (paired {r['paired_cpu_ratio']:.2f}, "
            f"wall {r['wall_ratio']:.2f}), goal <= {r['goal']}: {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())

"""`doctor` and `lock` exit 0 every time (issue 12, item 1): py-rattler's tokio threads used
to be still inside the interpreter while it finalized, and a run that had printed
everything exited 134 or 139 now and then. Each run here is a fresh process, as a user's
is; benchmarks/soak.py does the same 200 times per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from channels import make_channel, standard_packages

REPO = Path(__file__).resolve().parent.parent
RUNS = 20

# The race, made certain: the rattler thread that completes a solve wakes the event loop
# (`_write_to_self`) and is then descheduled until the interpreter is finalizing. Before
# the fix that was exit 134 or 139 on every run; now the command waits for the thread.
LATE_THREAD = """
import sys, threading, time
from asyncio import selector_events

original = selector_events.BaseSelectorEventLoop._write_to_self

def late(self):
    original(self)
    if threading.current_thread() is not threading.main_thread():
        deadline = time.monotonic() + 0.3
        while not sys.is_finalizing() and time.monotonic() < deadline:
            time.sleep(0.001)

selector_events.BaseSelectorEventLoop._write_to_self = late
from factory.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stable")
    channel = make_channel(root / "channel", standard_packages())
    file = root / "p.yaml"
    file.write_text(
        f"""
name: Stable
version: "1"
platforms: [linux-64, linux-aarch64, osx-64, osx-arm64, win-64]
channels: ["{channel}"]
condarc: {{channels: [internal]}}
packages:
  specs:
    base: ["python 3.12.*", "conda", "numpy", "pandas"]
""",
        encoding="utf-8",
    )
    return file


def run(profile: Path, *argv: str, code: str | None = None) -> subprocess.CompletedProcess:
    config = profile.with_name("config.yaml")
    config.touch()
    env = {**os.environ, "INSTALLER_FACTORY_CONFIG": str(config)}
    cache = ["--cache-dir", str(profile.with_name("cache"))]
    start = ["-c", code] if code else ["-m", "factory"]
    return subprocess.run(
        [sys.executable, *start, *argv, str(profile), *cache],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def statuses(results: list[subprocess.CompletedProcess]) -> dict[int, int]:
    out: dict[int, int] = {}
    for result in results:
        out[result.returncode] = out.get(result.returncode, 0) + 1
    return out


def test_a_rattler_thread_late_at_exit_no_longer_crashes(profile: Path) -> None:
    locked = run(profile, "lock", code=LATE_THREAD)
    assert locked.returncode == 0, locked.stderr[-2000:]
    doctor = run(profile, "doctor", "--json", code=LATE_THREAD)
    assert doctor.returncode == 0, doctor.stderr[-2000:]
    assert json.loads(doctor.stdout)["ok"] is True
    diffed = run(profile, "lock", "--diff", code=LATE_THREAD)
    assert diffed.returncode == 0, diffed.stderr[-2000:]


@pytest.mark.slow
def test_doctor_and_lock_exit_0_twenty_times_each(profile: Path) -> None:
    assert run(profile, "lock").returncode == 0  # the lock --diff runs compare with
    argvs = [("doctor", "--json")] * RUNS + [("lock",), ("lock", "--diff")] * (RUNS // 2)
    # two at a time: a loaded machine is where the old race showed most
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda argv: run(profile, *argv), argvs))
    doctors, locks = results[:RUNS], results[RUNS:]
    assert statuses(doctors) == {0: RUNS}, [r.stderr[-500:] for r in doctors if r.returncode]
    assert statuses(locks) == {0: RUNS}, [r.stderr[-500:] for r in locks if r.returncode]
    assert all(json.loads(r.stdout)["ok"] for r in doctors)

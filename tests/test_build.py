"""`installer-factory build`: the constructor call contract, outputs, skips and token hygiene.

constructor itself cannot be installed here, so a recording stand-in
(tests/standins/constructor) is put on PATH: it records its argv, the project it was
given and the token directory conda would read, prints the tokens it sees (as a chatty
tool might), and packs the project into a small .sh "installer".
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from conftest import REPO

from factory.builds.host import host_platform, native_skip_reason
from factory.leaks.scan import scan_paths
from factory.platforms import Platform

STANDINS = REPO / "tests" / "standins"
BUILT = host_platform()
pytestmark = pytest.mark.skipif(BUILT is None, reason="this host builds no target platform")

BAKED = "bakedTok-" + "7f3a9c2e5d1b8a64"
SOLVE = "solveTok-" + "0c4e8b2a6f9d1357"
DEPLOY_URL = "https://mirror.acme.example/"


def profile_text(platforms: list[str], *, bake: bool = True) -> str:
    tokens = """
tokens:
  solve: {env: SOLVE_TOKEN, url: "https://repo.anaconda.example/"}
  later:
    url: "https://mirror.acme.example/"
    install: deploy
    deploy: {env: ACME_TOKEN, unix_file: /etc/acme/token, win_file: 'C:\\ProgramData\\t.txt'}
"""
    if bake:
        tokens += '  baked: {env: BAKED_TOKEN, url: "https://repo.acme.example/", install: bake}\n'
    return f"""
name: Tok
version: "1"
platforms: {json.dumps(platforms)}
channels: [conda-forge]
condarc:  # installed machines use the mirrors the installed tokens belong to
  channels: ["https://mirror.acme.example/main", "https://repo.acme.example/internal"]
packages:
  specs:
    base: [python, conda]
{tokens}"""


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    records = tmp_path / "records"
    monkeypatch.setenv("PATH", f"{STANDINS}:{Path('/usr/bin')}:{Path('/bin')}")
    monkeypatch.setenv("RECORDER_DIR", str(records))
    monkeypatch.setenv("BAKED_TOKEN", BAKED)
    monkeypatch.setenv("SOLVE_TOKEN", SOLVE)
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    monkeypatch.chdir(tmp_path)
    return records


def calls(records: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(records.glob("call-*.json"))]


def test_build_calls_constructor_with_the_project_and_tokens(standin: Path, cli, write) -> None:
    assert BUILT is not None
    write("p.yaml", profile_text([BUILT.value]))
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    (call,) = calls(standin)
    argv = call["argv"]
    project = Path(argv[0])
    assert argv[1:] == ["--output-dir", argv[2], "--platform", BUILT.value]
    assert Path(argv[2]).parent == project.parent  # both in the private work directory
    # the project as rendered, plus the baked token where construct.yaml lists it
    assert "construct.yaml" in call["project"]
    assert call["project"]["tokens/baked.token"] == {"text": BAKED + "\n", "mode": "0o600"}
    assert "tokens/baked.token" in call["project"]["construct.yaml"]["text"]
    # every token held here, where conda's HTTP layer looks for the URL it belongs to
    assert call["binstar"] == {
        f"data/{quote_plus('https://repo.anaconda.example/')}.token": {
            "text": SOLVE,
            "mode": "0o600",
        },
        f"data/{quote_plus('https://repo.acme.example/')}.token": {
            "text": BAKED,
            "mode": "0o600",
        },
    }
    assert not project.exists(), "the private work directory (with tokens) must be gone"


def test_installer_type_is_passed_when_one_is_asked(standin: Path, cli, write) -> None:
    assert BUILT is not None
    write("p.yaml", profile_text([BUILT.value]))
    assert cli("build", "p.yaml", "--installer-type", "sh").code == 0
    (call,) = calls(standin)
    assert call["argv"][-2:] == ["--installer-type", "sh"]


def test_build_outputs_checksum_log_report_and_project(standin: Path, cli, write) -> None:
    assert BUILT is not None
    write("p.yaml", profile_text([BUILT.value]))
    result = cli("build", "p.yaml", "--output", "out", "--json")
    assert result.code == 0, result.err
    directory = Path("out") / "Tok" / BUILT.value
    installer = directory / "Tok-installer.sh"
    digest = hashlib.sha256(installer.read_bytes()).hexdigest()
    assert (directory / "Tok-installer.sh.sha256").read_text() == f"{digest}  Tok-installer.sh\n"
    report = json.loads((directory / "build-report.json").read_text())
    assert report["status"] == "ok" and report["exit_status"] == 0
    assert report["platform"] == BUILT.value and report["name"] == "Tok"
    assert report["constructor_version"] == "3.16.3"
    assert report["installers"] == [
        {
            "installer_type": "sh",
            "file": "Tok-installer.sh",
            "size": installer.stat().st_size,
            "sha256": digest,
        }
    ]
    assert report["duration_seconds"] >= 0
    assert report["scan"] == {"ok": True, "findings": [], "unreadable": []}
    assert "constructor stand-in: done" in (directory / "build.log").read_text()
    assert (directory / "project" / "construct.yaml").is_file()
    assert not (directory / "project" / "tokens").exists()
    printed = json.loads(result.out)
    assert printed["ok"] is True
    assert [j["status"] for j in printed["jobs"]] == ["ok"]


def test_no_token_in_any_output_but_the_baked_one_in_the_installer(
    standin: Path, cli, write
) -> None:
    assert BUILT is not None
    write("p.yaml", profile_text([BUILT.value]))
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    for value in (BAKED, SOLVE):
        assert value not in result.out + result.err
    log = (Path("out") / "Tok" / BUILT.value / "build.log").read_text()
    assert "with token ***" in log and BAKED not in log and SOLVE not in log
    known = {"tokens.baked": BAKED.encode(), "tokens.solve": SOLVE.encode()}
    directory = Path("out") / "Tok" / BUILT.value
    others = [p for p in directory.iterdir() if p.suffix != ".sh"]
    assert scan_paths(others, known).findings == []
    installer = scan_paths([directory / "Tok-installer.sh"], known, shapes=False)
    # the baked token is inside, where the post-install step picks it up; nothing else
    assert {f.kind for f in installer.findings} == {"token tokens.baked"}
    assert all(f.member and "tokens/baked.token" in f.member for f in installer.findings)


def test_a_planted_token_fails_the_build_and_keeps_earlier_output(
    standin: Path, cli, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BUILT is not None
    write("p.yaml", profile_text([BUILT.value]))
    assert cli("build", "p.yaml", "--output", "out").code == 0
    good = Path("out") / "Tok" / BUILT.value
    before = {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()}

    monkeypatch.setenv("RECORDER_PLANT", "1")
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 5
    assert "scan found" in result.err
    failed = Path("out") / "Tok" / f"{BUILT.value}-failed"
    report = json.loads((failed / "build-report.json").read_text())
    assert report["status"] == "failed" and not report["scan"]["ok"]
    assert any(f["kind"] == "token tokens.solve" for f in report["scan"]["findings"])
    assert not list(failed.glob("*.sh")), "an installer that leaks is not kept"
    assert {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()} == before
    assert SOLVE not in (failed / "build-report.json").read_text()


def test_a_failing_constructor_is_reported_and_later_jobs_still_run(
    standin: Path, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factory.builds.run import run_builds
    from factory.profiles.load import load_profile

    assert BUILT is not None
    first = load_profile(write("a.yaml", profile_text([BUILT.value], bake=False)))
    second = load_profile(
        write("b.yaml", profile_text([BUILT.value], bake=False).replace("name: Tok", "name: B"))
    )
    monkeypatch.setenv("RECORDER_EXIT", "3")
    results = run_builds([(first, BUILT, None), (second, BUILT, None)], Path("out"))
    assert [r.status for r in results] == ["failed", "failed"]
    assert results[0].exit_status == 3 and results[0].reason == "constructor exited with 3"
    assert len(calls(standin)) == 2
    monkeypatch.setenv("RECORDER_EXIT", "0")
    assert [r.status for r in run_builds([(second, BUILT, None)], Path("out"))] == ["ok"]
    assert not (Path("out") / "B" / f"{BUILT.value}-failed").exists()


def test_other_platforms_are_skipped_with_the_reason(standin: Path, cli, write) -> None:
    everything = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
    write("p.yaml", profile_text(everything))
    result = cli("build", "p.yaml", "--json")
    assert result.code == 0, result.err
    jobs = {j["platform"]: j for j in json.loads(result.out)["jobs"]}
    assert BUILT is not None
    assert jobs.pop(BUILT.value)["status"] == "ok"
    for platform, job in jobs.items():
        assert job["status"] == "skipped"
        # what a cross-build would need follows (builds/cross.py)
        assert job["reason"].startswith(native_skip_reason(Platform(platform)) or "-")
        assert "built natively on" in job["reason"]
    assert len(calls(standin)) == 1


def test_missing_constructor_says_how_to_get_it(
    standin: Path, cli, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BUILT is not None
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    write("p.yaml", profile_text([BUILT.value]))
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 6
    assert "conda install -c conda-forge constructor" in result.err
    assert not Path("out").exists()


def test_missing_baked_token_is_an_input_error(
    standin: Path, cli, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BUILT is not None
    monkeypatch.delenv("BAKED_TOKEN")
    write("p.yaml", profile_text([BUILT.value]))
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 1
    assert "token baked: nothing usable in $BAKED_TOKEN" in result.err
    assert calls(standin) == []
    assert not (Path("out") / "Tok" / BUILT.value).exists()


MATRIX = """
constructor: "3.16.3"
output: dist
builds:
  - profile: a.yaml
  - profile: b.yaml
    platforms: [{host}, win-64]
"""


def test_matrix_run_builds_what_this_host_can_and_lists_the_rest(
    standin: Path, cli, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BUILT is not None
    everything = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
    write("a.yaml", profile_text(everything, bake=False))
    write("b.yaml", profile_text([BUILT.value, "win-64"]).replace("name: Tok", "name: B"))
    write("build-matrix.yml", MATRIX.format(host=BUILT.value))
    result = cli("matrix", "run", "--json")
    assert result.code == 0, result.err
    jobs = [(j["name"], j["platform"], j["status"]) for j in json.loads(result.out)["jobs"]]
    expected = [("Tok", p, "ok" if p == BUILT.value else "skipped") for p in everything]
    expected += [("B", p, "ok" if p == BUILT.value else "skipped") for p in (BUILT.value, "win-64")]
    assert sorted(jobs) == sorted(expected)
    assert len(calls(standin)) == 2
    assert (Path("dist") / "B" / BUILT.value / "build-report.json").is_file()

    monkeypatch.setenv("RECORDER_EXIT", "2")
    failed = cli("matrix", "run")
    assert failed.code == 5
    assert len(calls(standin)) == 4, "a failing job does not stop the next one"
    assert "2 build(s) failed" in failed.err
    assert failed.out.count("failed ") == 2 and failed.out.count("skipped ") == 5


def payload(installer: Path) -> dict[str, str]:
    """The stand-in installer's payload: member name -> text."""
    data = installer.read_bytes()
    body = data[data.index(b"@@END_HEADER@@\n") + len(b"@@END_HEADER@@\n") :]
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read().decode()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def test_a_locked_build_installs_the_lock_and_leaves_an_sbom(
    standin: Path, cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from channels import Pkg, make_channel

    assert BUILT is not None
    monkeypatch.setenv("CONDA_EXE", "/opt/old-conda/bin/conda")  # an activated conda
    packages = [Pkg(n, "1.0", subdir=BUILT.value) for n in ("python", "conda")]
    channel = make_channel(tmp_path / "channel", packages)
    text = profile_text([BUILT.value], bake=False).replace("[conda-forge]", f'["{channel}"]')
    profile = write("p.yaml", text)
    assert cli("lock", profile, "--cache-dir", tmp_path / "cache").code == 0
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    (call,) = calls(standin)
    construct = call["project"]["construct.yaml"]["text"]
    assert "::" not in construct and 'environment_file: "environment.txt"' in construct
    explicit = call["project"]["environment.txt"]["text"]
    for name in ("conda", "python"):
        assert f"{channel}/{BUILT.value}/{name}-1.0-0.conda#sha256:" in explicit
    bom = json.loads((Path("out") / "Tok" / BUILT.value / "sbom.cdx.json").read_text())
    assert sorted(c["name"] for c in bom["components"]) == ["conda", "python"]
    assert "no solve" in (Path("out") / "Tok" / BUILT.value / "build.log").read_text()
    assert call["conda_exe"] is None  # native: constructor's own conda installs the file

    profile.write_text(text.replace("[python, conda]", "[python, conda, numpy]"))
    stale = cli("build", "p.yaml", "--output", "out")
    assert stale.code == 1 and "stale for" in stale.err
    assert len(calls(standin)) == 1


def test_installer_lock_and_sbom_hold_the_same_packages(
    standin: Path, cli, write, tmp_path: Path
) -> None:
    """Issue 11, items 1-3 through a build: the installer (the stand-in installs exactly the
    explicit file, as constructor's conda does) holds the lock's packages, pip, setuptools
    and wheel included, the SBOM lists the same, and conda-meta/history records only the
    profile's own specs as requested."""
    from channels import make_channel, standard_packages

    assert BUILT is not None
    wanted = [p for p in standard_packages() if p.subdir in (BUILT.value, "noarch")]
    channel = make_channel(tmp_path / "channel", wanted, subdirs=[BUILT.value])
    text = profile_text([BUILT.value], bake=False).replace("[conda-forge]", f'["{channel}"]')
    text = text.replace("[python, conda]", '["python 3.12.*", conda, numpy]')
    write("p.yaml", text)
    assert cli("lock", "p.yaml", "--cache-dir", tmp_path / "cache").code == 0
    result = cli("build", "p.yaml", "--output", "out")
    assert result.code == 0, result.err
    directory = Path("out") / "Tok" / BUILT.value
    members = payload(directory / "Tok-installer.sh")
    installed = {
        line.rsplit("/", 1)[1].removesuffix(".conda")
        for line in members["conda-meta/initial-state.explicit.txt"].splitlines()[1:]
    }
    lock = yaml_lock(Path("p.lock.yaml"), BUILT.value)
    bom = json.loads((directory / "sbom.cdx.json").read_text())
    in_sbom = {
        f"{c['name']}-{c['version']}-{c['purl'].split('build=')[1].split('&')[0]}"
        for c in bom["components"]
    }
    assert installed == lock == in_sbom
    assert {"pip", "setuptools", "wheel"} <= {n.rsplit("-", 2)[0] for n in installed}
    history = members["conda-meta/history"]
    assert "# update specs: ['python 3.12.*', 'conda', 'numpy']" in history
    assert history.count("\n+") == len(installed)


def yaml_lock(path: Path, platform: str) -> set[str]:
    from factory.lock.lockfile import read_lock

    data = read_lock(path)
    assert data is not None
    return {f"{r.name}-{r.version}-{r.build}" for r in data.platforms[platform].packages}


def _standin_project(tmp_path: Path, construct: str, explicit: str) -> Path:
    project = tmp_path / "project"
    project.mkdir(parents=True)
    (project / "construct.yaml").write_text(construct)
    (project / "environment.txt").write_text(explicit)
    return project


def _run_standin(project: Path, platform: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [
            str(STANDINS / "constructor"),
            str(project),
            "--output-dir",
            str(project.parent / "o"),
            "--platform",
            platform,
            # a non-native --platform needs --conda-exe (constructor main.py); /bin/true
            # answers nothing, so it stays unidentified, as constructor would leave it
            *(["--conda-exe", "/bin/true"] if BUILT is None or platform != BUILT.value else []),
        ],
        env={**{k: v for k, v in os.environ.items() if k != "CONDA_EXE"}, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_standin_follows_constructor_on_environment_file(standin: Path, tmp_path: Path) -> None:
    """Specs beside environment_file are ignored (not an error), channels draw constructor's
    warning, another platform needs CONDA_EXE, and conda's explicit parser has the last
    word on every line."""
    from channels import Pkg, make_channel

    assert BUILT is not None
    channel = make_channel(tmp_path / "c", [Pkg("python", "3.12.4", subdir=BUILT.value)])
    root = Path(channel.removeprefix("file://"))
    file = root / BUILT.value / "python-3.12.4-0.conda"
    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    construct = (
        'name: "T"\nversion: "1"\nchannels:\n  - "x"\nenvironment_file: "environment.txt"\n'
        'specs:\n  - "ignored"\nuser_requested_specs:\n  - "python 3.12.*"\n'
    )
    good = _standin_project(tmp_path / "a", construct, f"@EXPLICIT\n{file.as_uri()}#sha256:{sha}\n")
    done = _run_standin(good, BUILT.value)
    assert done.returncode == 0, done.stderr
    assert "Channels passed in construct.yaml won't be used" in done.stdout
    members = payload(tmp_path / "a" / "o" / "T-installer.sh")
    assert "# update specs: ['python 3.12.*']" in members["conda-meta/history"]

    other = "win-64" if BUILT.value != "win-64" else "linux-64"
    refused = _run_standin(good, other)
    assert refused.returncode == 1
    assert "CONDA_EXE env variable is empty" in refused.stderr
    assert _run_standin(good, other, CONDA_EXE="/opt/conda/bin/conda").returncode == 0

    wrong = _standin_project(
        tmp_path / "b", construct, f"@EXPLICIT\n{file.as_uri()}#sha256:{'0' * 64}\n"
    )
    assert "ChecksumMismatchError" in _run_standin(wrong, BUILT.value).stderr
    pinned = _standin_project(
        tmp_path / "c2", construct, "@EXPLICIT\nhttps://h/main::python==3.12.4=0\n"
    )
    assert "Could not parse explicit URL" in _run_standin(pinned, BUILT.value).stderr
    solve = _standin_project(tmp_path / "d", construct, "python 3.12.*\n")
    assert "conda would solve" in _run_standin(solve, BUILT.value).stderr

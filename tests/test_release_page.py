"""The release page (OUTPUT/index.html, factory/pages): written by `build`, `matrix run` and
`page`, refreshed by `rehash` and `deploy-kit`; strict HTML5 (html5lib's parser with
strict=True raises on any parse error), no script, nothing loaded from elsewhere, every
value escaped, the same bytes for the same folder.

Builds go through the stand-in constructor (tests/standins/constructor) from a real local
channel (tests/channels.py) and a lock, as tests/test_lock_envs.py does; the "assembled"
folder adds Windows and macOS build folders the way CI collects them: the project rendered
for win-64 or osx-arm64, an installer (tests/signed_files.py) with its build report, and
the kit `deploy-kit` writes from them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import markupsafe
import pytest
from channels import Pkg, make_channel
from conftest import REPO, make_certificate, write_tree
from signed_files import portable_executable, xar

from factory.builds.host import host_platform
from factory.formats.release_page import ReleasePage
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.render.project import render_project

html5lib = pytest.importorskip("html5lib")

BUILT = host_platform()
pytestmark = pytest.mark.skipif(BUILT is None, reason="this host builds no target platform")
HOSTILE = "<script>alert(\"x\")</script> & 'Co'"
MIRROR = "https://mirror.acme.example/main"
# built here, plus the folders CI brings back from macOS and Windows
PLATFORMS = sorted({BUILT.value if BUILT else "linux-64", "osx-arm64", "win-64"})


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", f"{REPO / 'tests' / 'standins'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(tmp_path / "records"))
    monkeypatch.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def profile_text(channel: str, work: list[str]) -> str:
    return textwrap.dedent(f"""\
        name: Rel
        version: "1"
        platforms: {json.dumps(PLATFORMS)}
        channels: ["{channel}"]
        channels_remap: [{{src: "{channel}", dest: "{MIRROR}"}}]
        condarc: {{channels: ["{MIRROR}"]}}
        ca_certs: {{corp-root: root.pem}}
        install:
          uninstall_name: Rel
          default_location_pkg: Library
          pkg_domains: {{enable_localSystem: true}}
        packages:
          specs:
            base: [python, conda]
        extra_envs:
          work:
            specs:
              main: {json.dumps(work)}
        deploy:
          org: Acme
          unix: {{prefix: /opt/rel}}
          windows: {{prefix: 'C:\\ProgramData\\rel', install_type: AllUsers}}
        """)


def release(folder: Path, cli: Any, work: list[str], numpy: str = "1.0") -> Path:
    """Write and lock one release of profile Rel in folder; its output folder is folder/out."""
    assert BUILT is not None
    folder.mkdir(parents=True, exist_ok=True)
    packages = [Pkg(n, "1.0", subdir=BUILT.value) for n in ("python", "conda")]
    packages.append(Pkg("numpy", numpy, subdir=BUILT.value))
    channel = make_channel(folder / "channel", packages, subdirs=[BUILT.value])
    (folder / "root.pem").write_bytes(make_certificate(common_name=HOSTILE))
    (folder / "p.yaml").write_text(profile_text(channel, work))
    locked = cli(
        "lock", folder / "p.yaml", "--cache-dir", folder / "cache", "--platform", BUILT.value
    )
    assert locked.code == 0, locked.err
    return folder / "out"


def parse_strict(text: str) -> Any:
    """The page as an element tree; html5lib raises ParseError on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(text)


def check_self_contained(tree: Any) -> None:
    assert tree.findall(".//script") == []
    for element in tree.iter():
        for attribute in ("src", "href", "srcset", "action", "data", "poster"):
            value = element.get(attribute)
            if value is None:
                continue
            assert not value.startswith(("http:", "https:", "//", "javascript:", "data:"))
            assert value.startswith(("#", "./")), value
    # the style is inline and loads nothing either
    style = "".join(s.text or "" for s in tree.findall(".//style"))
    assert "url(" not in style and "@import" not in style
    assert tree.findall(".//link") == []


def page_text(tree: Any) -> str:
    return " ".join(" ".join(tree.itertext()).split())


def test_a_build_writes_a_strict_self_contained_page(standin: Path, cli: Any) -> None:
    out = release(standin / "r1", cli, ["python", "numpy"])
    result = cli("build", standin / "r1" / "p.yaml", "--output", out)
    assert result.code == 0, result.err
    page = out / "index.html"
    raw = page.read_text(encoding="utf-8")
    tree = parse_strict(raw)
    check_self_contained(tree)
    text = page_text(tree)
    report = json.loads((out / "Rel" / BUILT.value / "build-report.json").read_text())
    for item in report["installers"]:
        assert item["sha256"] in text
        assert f"{item['size']:,} bytes" in text
        assert item["file"] in text
    assert "not-signable" in text  # a .sh carries no signature
    # packages of base and of the extra environment, as the SBOM lists them
    data = ReleasePage.read(out / "release-page.json")
    (build,) = data.builds
    envs = {e.name: sorted(p.name for p in e.packages) for e in build.environments}
    assert envs == {"base": ["conda", "python"], "work": ["numpy", "python"]}
    assert "environment envs/work" in text
    # channels: installed and remapped; the CA certificate with its expiry, escaped
    assert MIRROR in text
    (cert,) = data.certificates
    assert cert.name == "corp-root" and cert.not_after in text
    # the subject, escaped: no markup of its own reaches the page
    assert "alert(" in cert.subject and "<script" not in raw
    assert str(markupsafe.escape(cert.subject)) in raw
    assert cert.subject in text
    # the deploy commands the kit gives
    assert "bash Rel-installer.sh -b -p /opt/rel" in text
    assert "sudo sh deploy/sh/install.sh" in text
    assert f"Rel/{BUILT.value}/deploy/sh/ansible-install.yml" in text
    assert data.previous is None and 'id="previous"' not in raw


def test_the_same_folder_gives_the_same_bytes(standin: Path, cli: Any) -> None:
    out = release(standin / "r1", cli, ["python"])
    assert cli("build", standin / "r1" / "p.yaml", "--output", out).code == 0
    first = (out / "index.html").read_bytes(), (out / "release-page.json").read_bytes()
    (out / "index.html").unlink()
    assert cli("page", out).code == 0
    assert ((out / "index.html").read_bytes(), (out / "release-page.json").read_bytes()) == first


def assemble_windows(out: Path, profile: Path, *, signtool: bool) -> Path:
    """A win-64 build folder as CI brings it back: the project rendered for win-64, an
    installer with its report (hostile file name), and the kit deploy-kit writes."""
    project = render_project(load_profile(profile), Platform.win_64)
    folder = out / "Rel" / "win-64"
    files = dict(project.files)
    if signtool:  # as a profile with signing.windows renders it
        files["construct.yaml"] += b'windows_signing_tool: "signtool"\n'
    write_tree(folder / "project", files)
    installer = f"Rel {HOSTILE}.exe".replace("/", "_")
    data = portable_executable((0, 0))  # no Certificate Table: unsigned
    (folder / installer).write_bytes(data)
    report = json.loads(next(out.glob("Rel/*/build-report.json")).read_text())
    report["platform"] = "win-64"
    report["installers"] = [
        {
            "installer_type": "exe",
            "file": installer,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ]
    (folder / "build-report.json").write_text(json.dumps(report))
    # package metadata is the channel's to choose: a hostile name, version, build, channel
    component = {
        "type": "library",
        "name": HOSTILE,
        "version": "1<2",
        "purl": "pkg:conda/x@1?build=%3Cb%3E&channel=https%3A%2F%2Fh.example%2F%22%3E%3Cx",
    }
    (folder / "sbom.cdx.json").write_text(json.dumps({"components": [component]}))
    return folder


def assemble_mac(out: Path, profile: Path) -> Path:
    """An osx-arm64 build folder as CI brings it back, its .pkg signed by productsign."""
    project = render_project(load_profile(profile), Platform.osx_arm64)
    folder = out / "Rel" / "osx-arm64"
    write_tree(folder / "project", project.files)
    data = xar(b"<xar><toc><signature style='RSA'/></toc></xar>")
    (folder / "Rel-1-osx-arm64.pkg").write_bytes(data)
    report = json.loads(next(out.glob("Rel/*/build-report.json")).read_text())
    report["platform"] = "osx-arm64"
    digest = hashlib.sha256(data).hexdigest()
    report["installers"] = [
        {
            "installer_type": "pkg",
            "file": "Rel-1-osx-arm64.pkg",
            "size": len(data),
            "sha256": digest,
        }
    ]
    (folder / "build-report.json").write_text(json.dumps(report))
    return folder


def test_an_assembled_folder_shows_every_build_and_system(standin: Path, cli: Any) -> None:
    out = release(standin / "r1", cli, ["python", "numpy"])
    assert cli("build", standin / "r1" / "p.yaml", "--output", out).code == 0
    windows = assemble_windows(out, standin / "r1" / "p.yaml", signtool=True)
    mac = assemble_mac(out, standin / "r1" / "p.yaml")
    assert cli("deploy-kit", windows, mac).code == 0  # refreshes the page too
    raw = (out / "index.html").read_text(encoding="utf-8")
    tree = parse_strict(raw)
    check_self_contained(tree)
    text = page_text(tree)
    data = ReleasePage.read(out / "release-page.json")
    assert [b.platform for b in data.builds] == sorted([BUILT.value, "osx-arm64", "win-64"])
    pkg = next(i for b in data.builds for i in b.installers if i.installer_type == "pkg")
    assert pkg.signing == "signed" and "productsign signature in the file" in text
    exe = next(i for b in data.builds for i in b.installers if i.installer_type == "exe")
    # the file has no signature, though the project had constructor sign it: the file wins
    assert exe.sha256 in text and exe.signing == "unsigned"
    assert "no signature in the file though the project asked" in text
    assert "windows_signing_tool: signtool" in text
    systems = {c.system for b in data.builds for c in b.commands}
    assert systems == {"Plain", "Intune", "SCCM", "Jamf", "Ansible"}
    assert "installer -pkg Rel-1-osx-arm64.pkg -target /" in text
    assert "deploy\\exe\\install.cmd" in text
    assert "IntuneWinAppUtil.exe" in text
    # the hostile installer name and package metadata are escaped in text, quoted in links
    assert "<script>alert" not in raw and "<b>" not in raw and '"><x' not in raw
    assert str(markupsafe.escape(HOSTILE)) in raw and HOSTILE in text
    win = next(b for b in data.builds if b.platform == "win-64")
    assert win.environments[0].packages[0].channel == 'https://h.example/"><x'
    assert 'https://h.example/"><x' in text and "1<2" in text
    (link,) = [a.get("href") for a in tree.iter("a") if (a.get("href") or "").endswith(".exe")]
    assert link.startswith("./Rel/win-64/Rel%20%3Cscript%3E")
    # the same folder, written again by `page`: the same bytes
    before = raw.encode()
    assert cli("page", out).code == 0
    assert (out / "index.html").read_bytes() == before
    # signed in CI, then rehash: the page says so, with the sha256 constructor made
    installer = windows / exe.file.rsplit("/", 1)[1]
    installer.write_bytes(portable_executable((0x2000, 0x1F8)))
    assert cli("rehash", windows).code == 0
    data = ReleasePage.read(out / "release-page.json")
    signed = next(i for b in data.builds for i in b.installers if i.installer_type == "exe")
    assert signed.signing == "signed" and signed.built_sha256 == exe.sha256
    text = page_text(parse_strict((out / "index.html").read_text(encoding="utf-8")))
    assert "Authenticode signature in the file; signed after the build" in text
    assert signed.sha256 in text and exe.sha256 in text


def test_previous_release_diff_appears_and_survives_rehash(standin: Path, cli: Any) -> None:
    old = release(standin / "r1", cli, ["python"])
    assert cli("build", standin / "r1" / "p.yaml", "--output", old).code == 0
    new = release(standin / "r2", cli, ["python", "numpy"], numpy="1.1")
    result = cli("build", standin / "r2" / "p.yaml", "--output", new, "--previous", old)
    assert result.code == 0, result.err
    raw = (new / "index.html").read_text(encoding="utf-8")
    tree = parse_strict(raw)
    check_self_contained(tree)
    data = ReleasePage.read(new / "release-page.json")
    assert data.previous is not None and data.previous.label == str(old)
    rows = [(r.change, r.subject, r.new) for g in data.previous.groups for r in g.rows]
    assert ("added", "envs/work: numpy", "1.1 0") in rows
    assert 'id="previous"' in raw and "envs/work: numpy" in page_text(tree)
    # signing changes the installer; rehash rewrites the page, keeping the diff even when
    # the previous release's folder is gone
    shutil.rmtree(old)
    folder = new / "Rel" / BUILT.value
    installer = folder / "Rel-installer.sh"
    built = hashlib.sha256(installer.read_bytes()).hexdigest()
    installer.write_bytes(installer.read_bytes() + b"# signed\n")
    assert cli("rehash", folder).code == 0
    data = ReleasePage.read(new / "release-page.json")
    (item,) = data.builds[0].installers
    assert item.sha256 == hashlib.sha256(installer.read_bytes()).hexdigest()
    assert item.signing == "changed-after-build" and item.built_sha256 == built
    text = page_text(parse_strict((new / "index.html").read_text(encoding="utf-8")))
    assert item.sha256 in text and built in text
    assert data.previous is not None
    assert ("added", "envs/work: numpy", "1.1 0") in [
        (r.change, r.subject, r.new) for g in data.previous.groups for r in g.rows
    ]


def test_a_wrong_previous_folder_stops_before_building(standin: Path, cli: Any) -> None:
    out = release(standin / "r1", cli, ["python"])
    (standin / "empty").mkdir()
    result = cli("build", standin / "r1" / "p.yaml", "--output", out, "--previous", "empty")
    assert result.code == 1
    assert "--previous empty: not an output folder" in result.err
    assert not out.exists() and not (standin / "records").exists()
    assert cli("page", standin / "empty").code == 1


def test_the_page_in_headless_chromium(standin: Path, cli: Any) -> None:
    browser = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if browser is None:
        pytest.skip("no chromium, chromium-browser or google-chrome on PATH for the screenshot")
    out = release(standin / "r1", cli, ["python", "numpy"])
    assert cli("build", standin / "r1" / "p.yaml", "--output", out).code == 0
    shot = standin / "page.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            (out / "index.html").resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_matrix_run_writes_the_page_with_failed_builds_and_the_diff(
    standin: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = release(standin / "r1", cli, ["python"])
    assert cli("build", standin / "r1" / "p.yaml", "--output", old).code == 0
    release(standin / "r2", cli, ["python", "numpy"])
    (standin / "build-matrix.yml").write_text(
        'constructor: "3.16.3"\noutput: dist\nbuilds:\n  - profile: r2/p.yaml\n'
    )
    monkeypatch.setenv("RECORDER_EXIT", "2")  # constructor fails: its report is kept
    result = cli("matrix", "run", "--previous", old)
    assert result.code == 5, result.err
    raw = (standin / "dist" / "index.html").read_text(encoding="utf-8")
    tree = parse_strict(raw)
    check_self_contained(tree)
    text = page_text(tree)
    assert "Builds without installers" in text and "constructor exited with 2" in text
    data = ReleasePage.read(standin / "dist" / "release-page.json")
    assert [(b.platform, b.status) for b in data.builds] == [(BUILT.value, "failed")]
    # a failed job keeps no installer: the page lists none of what its report names
    assert data.builds[0].installers == [] and data.builds[0].environments == []
    assert "Rel-installer.sh" not in text
    # nothing of this release to compare: the section says so, the page is still written
    assert data.previous is not None and 'id="previous"' in raw
    assert data.previous.note.startswith("no comparison:") and data.previous.groups == []


def test_an_unlocked_build_lists_specs_and_a_copy_of_itself_is_no_change(
    standin: Path, cli: Any
) -> None:
    release(standin / "r1", cli, ["python", "numpy"])
    (standin / "r1" / "p.lock.yaml").unlink()  # built from the specs, no SBOM
    out = standin / "out"
    assert cli("build", standin / "r1" / "p.yaml", "--output", out).code == 0
    data = ReleasePage.read(out / "release-page.json")
    envs = {e.name: (e.locked, e.specs, e.packages) for e in data.builds[0].environments}
    assert envs == {
        "base": (False, ["python", "conda"], []),
        "work": (False, ["python", "numpy"], []),
    }
    assert "not locked" in page_text(parse_strict((out / "index.html").read_text()))
    shutil.copytree(out, standin / "same")
    assert cli("page", out, "--previous", standin / "same").code == 0
    data = ReleasePage.read(out / "release-page.json")
    assert data.previous is not None and data.previous.note == "No change."
    assert all(not g.rows for g in data.previous.groups)

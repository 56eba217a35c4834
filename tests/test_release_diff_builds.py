"""`installer-factory diff` on build folders: two releases built with `build` (the
recording constructor stand-in, tests/standins/constructor) from two versions of one
profile: packages, installer sizes, CA certificates (added, removed, expiring), tokens and
authentication methods; never a token's value."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from channels import make_channel, standard_packages
from conftest import REPO, make_certificate

from factory.builds.host import host_platform
from factory.releases.diff import compare
from factory.releases.report import diff_markdown, diff_text
from factory.releases.snapshot import read_release

STANDINS = REPO / "tests" / "standins"
BUILT = host_platform()
pytestmark = pytest.mark.skipif(BUILT is None, reason="this host builds no target platform")

BAKED = "bakedTok-" + "5e1d7c3b9a2f4680"
DEPLOY_URL = "https://mirror.acme.example/"
BAKED_URL = "https://repo.acme.example/"


def profile_text(channel: str, specs: list[str], certs: dict[str, str], *, second: bool) -> str:
    tokens = f"""
tokens:
  later:
    url: "{DEPLOY_URL}"
    install: deploy
    deploy: {{env: ACME_TOKEN, unix_file: /etc/acme/token, win_file: 'C:\\ProgramData\\t.txt'}}
"""
    extra = ""
    if second:
        tokens += f'  baked: {{env: BAKED_TOKEN, url: "{BAKED_URL}", install: bake}}\n'
        extra = "auth:\n  psm: {site: prod, url: 'https://psm.acme.example/api'}\n"
    return f"""
name: Rel
version: "{"2" if second else "1"}"
platforms: ["{BUILT.value if BUILT else "linux-64"}"]
channels: ["{channel}"]
condarc:
  channels: ["{DEPLOY_URL}main", "{BAKED_URL}internal"]
ca_certs: {json.dumps(certs)}
packages:
  specs:
    base: {json.dumps(specs)}
{tokens}{extra}"""


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """out1 and out2: the profile built before and after its second version."""
    from factory.cli.main import main

    assert BUILT is not None
    base = tmp_path_factory.mktemp("release-builds")
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("PATH", f"{STANDINS}:/usr/bin:/bin")
        mp.setenv("RECORDER_DIR", str(base / "records"))
        mp.setenv("BAKED_TOKEN", BAKED)
        mp.delenv("INSTALLER_FACTORY_CONSTRUCTOR", raising=False)
        mp.delenv("CONDA_EXE", raising=False)
        mp.chdir(base)
        packages = [p for p in standard_packages() if p.subdir in (BUILT.value, "noarch")]
        channel = make_channel(base / "channel", packages, subdirs=[BUILT.value])
        (base / "old-root.pem").write_bytes(make_certificate(common_name="Old Root"))
        (base / "new-root.pem").write_bytes(make_certificate(common_name="New Root", days_valid=30))
        profile = base / "rel.yaml"
        cache = ["--cache-dir", str(base / "cache"), "-q"]
        first = profile_text(
            channel, ["python 3.12.*", "conda"], {"old-root": "old-root.pem"}, second=False
        )
        profile.write_text(first)
        assert main(["lock", str(profile), *cache]) == 0
        assert main(["build", str(profile), "--output", "out1", "-q"]) == 0
        second = profile_text(
            channel,
            ["python 3.12.*", "conda", "conda-repo-cli"],
            {"new-root": "new-root.pem"},
            second=True,
        )
        profile.write_text(second)
        assert main(["lock", str(profile), *cache]) == 0
        assert main(["build", str(profile), "--output", "out2", "-q"]) == 0
    finally:
        mp.undo()
    return base / "out1", base / "out2"


def test_build_folders_show_every_kind_of_change(releases) -> None:
    old, new = releases
    result = compare(old, new)
    assert result.kind == "build" and result.changed
    (target,) = result.targets
    assert target.label == BUILT.value and target.status == "both"  # type: ignore[union-attr]
    assert (target.old_version, target.new_version) == ("1", "2")
    added = {c.name for c in target.packages or [] if c.kind == "added"}
    assert "conda-repo-cli" in added
    assert all(c.kind == "added" for c in target.packages or [])
    (installer,) = target.installers
    report_old = json.loads((old / "Rel" / BUILT.value / "build-report.json").read_text())  # type: ignore[union-attr]
    report_new = json.loads((new / "Rel" / BUILT.value / "build-report.json").read_text())  # type: ignore[union-attr]
    assert installer.old_size == report_old["installers"][0]["size"]
    assert installer.new_size == report_new["installers"][0]["size"]
    assert installer.size_change == installer.new_size - installer.old_size  # type: ignore[operator]
    assert installer.old_sha256 != installer.new_sha256

    certs = result.certificates
    assert certs is not None
    assert [c.subject for c in certs.added] == ["CN=New Root"]
    assert [c.name for c in certs.added] == ["new-root"]
    assert [c.subject for c in certs.removed] == ["CN=Old Root"]
    (expiring,) = certs.expiring
    assert expiring.certificate.name == "new-root" and 28 <= expiring.days_left <= 30
    assert result.tokens is not None and result.auth is not None
    assert result.tokens.added == [f"baked (baked) {BAKED_URL}"] and result.tokens.removed == []
    assert read_release(old).tokens == [f"later (deploy) {DEPLOY_URL}"]
    assert result.auth.added == ["psm"] and result.auth.removed == []
    assert result.remaps is not None and not result.remaps.changed
    assert result.channels == {}


def test_no_token_value_in_any_form(releases, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = releases
    monkeypatch.delenv("BAKED_TOKEN", raising=False)  # so the console has nothing to redact
    result = compare(old, new)
    for text in (diff_text(result), diff_markdown(result), json.dumps(result.as_dict())):
        assert BAKED not in text and "***" not in text
        assert "baked" in text and "later" not in text  # unchanged tokens are not listed
    for form in ((), ("--markdown",), ("--json",)):
        shown = cli("diff", old, new, *form)
        assert shown.code == 0, shown.err
        assert BAKED not in shown.out + shown.err and "***" not in shown.out
    text = cli("diff", old, new).out
    assert f"+ baked (baked) {BAKED_URL}" in text and "+ psm" in text
    assert "! new-root: CN=New Root expires on" in text
    assert "installer sh: Rel-installer.sh (" in text


def test_expiry_window_and_now(releases, cli) -> None:
    old, new = releases
    assert compare(old, new, expiry_days=10).certificates.expiring == []  # type: ignore[union-attr]
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
    (expired,) = compare(old, new, now=later).certificates.expiring  # type: ignore[union-attr]
    assert expired.days_left < 0
    shown = cli("diff", old, new, "--expiry-days", "10")
    assert shown.code == 0 and "expires on" not in shown.out
    assert cli("diff", old, new, "--expiry-days", "-3").code == 2


def test_one_platform_folder_and_the_same_release(releases, cli, tmp_path: Path) -> None:
    old, new = releases
    one = old / "Rel" / BUILT.value  # type: ignore[union-attr]
    same = compare(one, one)
    assert not same.changed
    assert [t.label for t in same.targets] == [BUILT.value]  # type: ignore[union-attr]
    assert cli("diff", old, old, "--exit-code").code == 0
    assert cli("diff", old, new, "--exit-code").code == 10
    copy = tmp_path / "copy"
    shutil.copytree(new, copy)
    failed = copy / "Rel" / f"{BUILT.value}-failed"  # type: ignore[union-attr]
    shutil.copytree(copy / "Rel" / BUILT.value, failed)  # type: ignore[union-attr]
    report = json.loads((failed / "build-report.json").read_text())
    report.update(status="failed", version="3", installers=[])
    (failed / "build-report.json").write_text(json.dumps(report))
    assert not compare(new, copy).changed  # a failed job's folder is no part of a release
    lock = old.parent / "rel.lock.yaml"
    mixed = cli("diff", lock, new, "--json")
    assert mixed.code == 2
    assert "compare two lock files or two build folders" in json.loads(mixed.out)["error"]


def assembled(cli, root: Path, profile: Path, platforms: list[str]) -> Path:
    """An output folder as `build` leaves it, assembled: the rendered project of each
    platform under project/, a build report and an installer of a given size."""
    from factory.formats.build_report import BuildReport, InstallerFile

    rendered = root / "rendered"
    args = [a for p in platforms for a in ("--platform", p)]
    result = cli("render", profile, "-o", rendered, *args, "-q")
    assert result.code == 0, result.err
    (name,) = [p.name for p in rendered.iterdir()]
    out = root / "out"
    for platform in platforms:
        folder = out / name / platform
        shutil.copytree(rendered / name / platform, folder / "project")
        kind = "exe" if platform.startswith("win") else "sh"
        installer = folder / f"{name}.{kind}"
        installer.write_bytes(b"x" * (1000 + len(platform)))
        report = BuildReport(
            generator_version="0",
            input_sha256="0",
            log="build.log",
            profile=str(profile),
            name=name,
            version="1",
            platform=platform,
            status="ok",
            reason="",
            exit_status=0,
            duration_seconds=0,
            constructor_version="3.16.3",
            installers=[
                InstallerFile(installer_type=kind, file=installer.name, size=1, sha256="a")
            ],
            scan=None,
        )
        (folder / "build-report.json").write_text(report.text())
    return out


def test_tokens_and_methods_are_read_from_each_projects_stamp(cli, tmp_path: Path) -> None:
    """Recorded in .installer-factory.json when the project is rendered, the same for a
    .sh and a .bat project."""
    both = ["linux-64", "win-64"]
    prod = assembled(cli, tmp_path / "prod", REPO / "profiles" / "acme-datasci-prod.yaml", both)
    analytics = REPO / "profiles" / "acme-analytics.yaml"
    other = assembled(cli, tmp_path / "analytics", analytics, both)
    win_only = assembled(
        cli, tmp_path / "win", REPO / "profiles" / "acme-datasci-prod.yaml", both[1:]
    )
    release = read_release(prod)
    assert release.tokens == ["acme_repo (deploy) https://anacondaserver.corp/api/repo/"]
    assert release.auth == ["psm"]
    assert read_release(win_only).tokens == release.tokens
    assert read_release(win_only).auth == ["psm"]
    theirs = read_release(other)
    assert theirs.tokens == ["anaconda_api_key (deploy) https://anaconda.com/"]
    assert theirs.auth == ["anaconda_auth"]
    assert [c.name for c in release.certificates or []] == ["acme-root"]
    diff = compare(prod, other)
    assert [t.label for t in diff.targets] == both  # one installer a side: by platform
    assert diff.auth is not None and (diff.auth.added, diff.auth.removed) == (
        ["anaconda_auth"],
        ["psm"],
    )
    assert diff.remaps is not None and diff.remaps.changed
    assert all(t.packages is None for t in diff.targets)  # rendered without a lock
    assert "packages: n/a (built without a lock)" in diff_text(diff)

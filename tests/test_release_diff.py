"""`installer-factory diff OLD NEW` on locks: two locks made by the real `lock` command
from two versions of the same test channel (tests/channels.py) differ in exactly the
packages the channel changed, per platform and extra environment; text, Markdown and
JSON say the same; a lock against a build folder is a usage error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from channels import Pkg, make_channel, standard_packages

from factory.lock.lockfile import read_lock

PLATFORMS = ["linux-64", "win-64"]


def pkgs(name: str, version: str, *depends: str, build: str = "0") -> list[Pkg]:
    return [Pkg(name, version, build, depends=depends, subdir=s) for s in PLATFORMS]


# what the channel holds in its first and second version: app moves up and trades its
# helper, lib moves up, tool is rebuilt at the same version, steady stays
FIRST = [
    *pkgs("app", "1.0", "lib >=1", "oldhelper"),
    *pkgs("lib", "1.0"),
    *pkgs("oldhelper", "1.0"),
    *pkgs("tool", "1.0"),
    *pkgs("steady", "2.0"),
]
SECOND = [
    *pkgs("app", "1.1", "lib >=1", "newhelper"),
    *pkgs("lib", "1.2"),
    *pkgs("newhelper", "0.5"),
    *pkgs("tool", "1.0", build="1"),
    *pkgs("steady", "2.0"),
]
BASE_CHANGES = {
    ("upgraded", "app"),
    ("upgraded", "lib"),
    ("removed", "oldhelper"),
    ("added", "newhelper"),
}
ENV_CHANGES = {("rebuilt", "tool")}


def profile_text(channel: str) -> str:
    return f"""
name: Rel
version: "1"
platforms: {json.dumps(PLATFORMS)}
channels: ["{channel}"]
condarc: {{channels: [internal]}}
packages:
  specs:
    base: ["python 3.12.*", conda, app, steady]
extra_envs:
  work:
    specs:
      main: ["python 3.12.*", tool]
"""


def publish(root: Path, packages: list[Pkg]) -> str:
    """The channel at `root`, replaced by a new version of itself (same URL)."""
    shutil.rmtree(root, ignore_errors=True)
    standard = [p for p in standard_packages() if p.subdir in (*PLATFORMS, "noarch")]
    return make_channel(root, [*standard, *packages], subdirs=PLATFORMS)


@pytest.fixture(scope="module")
def locks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """old.lock.yaml and new.lock.yaml: the same profile locked before and after the
    channel changed."""
    from conftest import CliResult  # noqa: F401  (the cli fixture is function-scoped)

    from factory.cli.main import main

    base = tmp_path_factory.mktemp("release-locks")
    channel = publish(base / "channel", FIRST)
    profile = base / "rel.yaml"
    profile.write_text(profile_text(channel))
    cache = ["--cache-dir", str(base / "cache"), "--refresh", "-q"]
    assert main(["lock", str(profile), *cache]) == 0
    old = base / "old.lock.yaml"
    shutil.copy(base / "rel.lock.yaml", old)
    publish(base / "channel", SECOND)
    assert main(["lock", str(profile), *cache]) == 0
    new = base / "new.lock.yaml"
    shutil.copy(base / "rel.lock.yaml", new)
    return old, new


def kinds(changes: list[dict]) -> set[tuple[str, str]]:
    return {(c["kind"], c["name"]) for c in changes}


def test_the_diff_lists_exactly_the_changed_packages(locks, cli) -> None:
    old, new = locks
    result = cli("diff", old, new, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["ok"] and data["changed"] and data["kind"] == "lock"
    before, after = read_lock(old), read_lock(new)
    assert before is not None and after is not None
    assert [t["platform"] for t in data["targets"]] == PLATFORMS
    for target in data["targets"]:
        assert target["status"] == "both"
        assert kinds(target["packages"]) == BASE_CHANGES
        assert {n: kinds(c) for n, c in target["envs"].items()} == {"work": ENV_CHANGES}
        # everything else is the very same record in both locks
        platform = target["platform"]
        unchanged = {r.name for r in before.platforms[platform].packages} - {
            name for _, name in BASE_CHANGES
        }
        assert unchanged >= {"python", "conda", "steady"}
        old_records = {r.name: r for r in before.platforms[platform].packages}
        new_records = {r.name: r for r in after.platforms[platform].packages}
        for name in unchanged:
            assert old_records[name] == new_records[name]
        by_name = {c["name"]: c for c in target["packages"]}
        assert by_name["app"]["old"] == "1.0 0" and by_name["app"]["new"] == "1.1 0"
        (tool,) = target["envs"]["work"]
        assert tool["old"] == "1.0 0" and tool["new"] == "1.0 1"
    assert data["channels"] == {} and data["remaps"] is None and data["certificates"] is None
    assert data["tokens"] is None and data["auth"] is None


def test_text_and_markdown_say_the_same(locks, cli) -> None:
    old, new = locks
    text = cli("diff", old, new)
    assert text.code == 0, text.err
    for platform in PLATFORMS:
        section = text.out.split(f"\n{platform}\n", 1)[1].split("\n\n", 1)[0]
        changed = sorted(line.split()[1] for line in section.splitlines() if line[4:5] in "+-~")
        assert changed == sorted(name for _, name in BASE_CHANGES | ENV_CHANGES)
        assert "~ app 1.0 0 -> 1.1 0 (upgraded)" in section
        assert "- oldhelper 1.0 0" in section and "+ newhelper 0.5 0" in section
        assert "envs/work:" in section
    assert "CA certificates: n/a" in text.out and "tokens: n/a" in text.out

    markdown = cli("diff", old, new, "--markdown")
    assert markdown.code == 0, markdown.err
    rows = [line for line in markdown.out.splitlines() if line.startswith("| base |")]
    assert len(rows) == len(BASE_CHANGES) * len(PLATFORMS)
    assert "| base | `app` | upgraded | `1.0 0` | `1.1 0` |" in rows
    assert "| envs/work | `tool` | rebuilt | `1.0 0` | `1.0 1` |" in markdown.out
    assert f"### {PLATFORMS[0]}" in markdown.out
    # deterministic: the same bytes every time
    assert cli("diff", old, new, "--markdown").out == markdown.out


def test_the_same_lock_is_no_difference_and_exit_code_says_so(locks, cli) -> None:
    old, new = locks
    same = cli("diff", old, old, "--exit-code")
    assert same.code == 0, same.err
    assert "no difference" in same.out and "packages: no change" in same.out
    assert cli("diff", old, new, "--exit-code").code == 10
    assert cli("diff", old, new).code == 0


def test_a_lock_against_a_folder_and_bad_input_are_refused(locks, cli, tmp_path) -> None:
    old, _ = locks
    folder = tmp_path / "out" / "Rel" / "linux-64"
    folder.mkdir(parents=True)
    (folder / "build-report.json").write_text("{}")
    mixed = cli("diff", old, tmp_path / "out", "--json")
    assert mixed.code == 1  # the report is no build report: unreadable first
    assert "build-report.json" in json.loads(mixed.out)["error"]
    shutil.rmtree(tmp_path / "out")
    empty = cli("diff", old, tmp_path)
    assert empty.code == 1 and "no build-report.json" in empty.err
    missing = cli("diff", old, tmp_path / "nothing.lock.yaml")
    assert missing.code == 1 and "no such file or folder" in missing.err
    broken = tmp_path / "broken.lock.yaml"
    broken.write_text("version: 2\nplatforms: [\n")
    bad = cli("diff", old, broken, "--json")
    assert bad.code == 1 and "unreadable lock file" in json.loads(bad.out)["error"]
    both = cli("diff", old, old, "--json", "--markdown")
    assert both.code == 2 and json.loads(both.out)["ok"] is False


def test_a_platform_only_one_lock_has_is_added_or_removed(locks, tmp_path: Path) -> None:
    from factory.lock.lockfile import dump_lock
    from factory.releases.diff import compare

    old, new = locks
    lock = read_lock(new)
    assert lock is not None
    fewer = lock.model_copy(update={"platforms": {"linux-64": lock.platforms["linux-64"]}})
    linux_only = tmp_path / "linux.lock.yaml"
    linux_only.write_text(dump_lock(fewer, tmp_path / "linux.yaml"))
    grown = compare(linux_only, new)
    assert [(t.label, t.status) for t in grown.targets] == [
        ("linux-64", "both"),
        ("win-64", "added"),
    ]
    (linux, win) = grown.targets
    assert linux.packages == [] and linux.envs == {} and not linux.changed
    assert win.packages is not None
    assert {c.kind for c in win.packages} == {"added"}
    assert {c.name for c in win.packages} == {r.name for r in lock.platforms["win-64"].packages}
    shrunk = compare(old, linux_only)
    assert [(t.label, t.status) for t in shrunk.targets][1] == ("win-64", "removed")


def test_explicit_files_read_back_as_the_lock_records(locks, tmp_path: Path) -> None:
    from factory.lock.lockfile import explicit_text
    from factory.platforms import Platform
    from factory.releases.snapshot import explicit_records

    lock = read_lock(locks[1])
    assert lock is not None
    for platform in PLATFORMS:
        records = lock.platforms[platform].packages
        file = tmp_path / f"{platform}.txt"
        file.write_text(explicit_text(Platform(platform), records))
        back = explicit_records(file)
        key = lambda r: (r.name, r.version, r.build, r.channel, r.subdir, r.file, r.sha256)  # noqa: E731
        assert sorted(map(key, back)) == sorted(map(key, records))
    file.write_text("@EXPLICIT\nnot-a-url\n")
    from factory.errors import InputError

    with pytest.raises(InputError, match=r":2: not a package URL"):
        explicit_records(file)

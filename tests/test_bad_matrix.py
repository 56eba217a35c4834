"""Each broken build-matrix.yml is refused with the exact place and a message that says why.

Profiles named by the matrices are written beside them; the matrix is always
build-matrix.yml in the working directory, so locations read `build-matrix.yml:L:C`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PROFILES = {
    # targets linux-64 and win-64 only
    "ok.yaml": """
        name: T
        version: "1"
        platforms: [linux-64, win-64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        """,
    "mac.yaml": """
        name: M
        version: "1"
        platforms: [osx-arm64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        """,
    "base.yaml": """
        abstract: true
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        """,
    "bad.yaml": """
        name: B
        version: "1"
        channels: 5
        packages: {specs: {base: [python, conda]}}
        """,
    "same-name.yaml": """
        name: T
        version: "2"
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        """,
}

HEAD = 'constructor: "3.16.3"\n'

# (id, build-matrix.yml, [expected stderr lines, in order])
CASES = [
    (
        "unknown-top-level-key",
        HEAD + "bulids:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:1:1: builds: required key is missing",
            "build-matrix.yml:2:1: bulids: unknown key; did you mean `builds`? "
            "(allowed here: builds, constructor, output, runners, signing)",
        ],
    ),
    (
        "unknown-nested-key",
        HEAD + "signing:\n  windows: {pfx_base64: PFX, password: PW, pfx: X}\n"
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:44: signing.windows.pfx: unknown key "
            "(allowed here: password, pfx_base64)",
        ],
    ),
    (
        "unknown-platform",
        HEAD + "builds:\n  - profile: ok.yaml\n    platforms: [linux-64, linux-32]\n",
        [
            "build-matrix.yml:4:27: builds[0].platforms[1]: Input should be 'linux-64', "
            "'linux-aarch64', 'osx-64', 'osx-arm64' or 'win-64'",
        ],
    ),
    (
        "platform-not-targeted",
        HEAD + "builds:\n  - profile: ok.yaml\n    platforms: [win-64, osx-arm64]\n",
        [
            "build-matrix.yml:4:25: builds[0].platforms[1]: osx-arm64 is not a platform of "
            "this profile (it targets linux-64, win-64)",
        ],
    ),
    (
        "profile-missing",
        HEAD + "builds:\n  - profile: profiles/nope.yaml\n",
        ["build-matrix.yml:3:14: builds[0].profile: no such file: profiles/nope.yaml"],
    ),
    (
        "profile-invalid",
        HEAD + "builds:\n  - profile: bad.yaml\n",
        [
            "bad.yaml:3:11: channels: must be a list (one `- item` per line)",
            "build-matrix.yml:3:14: builds[0].profile: this profile is invalid "
            "(1 error(s), reported with it)",
        ],
    ),
    (
        "abstract-profile",
        HEAD + "builds:\n  - profile: ok.yaml\n  - profile: base.yaml\n",
        [
            "build-matrix.yml:4:14: builds[1].profile: is an abstract base (abstract: true), "
            "never built; list the profiles that extend it",
        ],
    ),
    (
        "installer-type-not-for-os",
        HEAD + "builds:\n  - profile: ok.yaml\n    installer_types:\n      linux: [exe]\n",
        [
            "build-matrix.yml:5:15: builds[0].installer_types.linux[0]: exe is not an "
            "installer type for linux (one of: sh)",
        ],
    ),
    (
        "installer-type-not-built-by-profile",
        HEAD + "builds:\n  - profile: mac.yaml\n    installer_types: {osx: [pkg, sh]}\n",
        [
            "build-matrix.yml:4:34: builds[0].installer_types.osx[1]: the profile does not "
            "build sh for osx (it builds: pkg); add it to the profile's installer_types.osx",
        ],
    ),
    (
        "installer-types-for-os-not-built",
        HEAD + "builds:\n  - profile: mac.yaml\n    installer_types:\n      win: [exe]\n",
        ["build-matrix.yml:5:7: builds[0].installer_types.win: no win platform is built here"],
    ),
    (
        "duplicate-job",
        HEAD + "builds:\n  - profile: ok.yaml\n    platforms: [linux-64]\n"
        "  - profile: ok.yaml\n    platforms: [win-64, linux-64]\n",
        [
            "build-matrix.yml:6:25: builds[1].platforms[1]: linux-64 of ok.yaml is already "
            "built by builds[0]",
        ],
    ),
    (
        "same-installer-name-from-two-files",
        HEAD + "builds:\n  - profile: ok.yaml\n  - profile: same-name.yaml\n",
        [
            "build-matrix.yml:4:14: builds[1].profile: installer name T of same-name.yaml is "
            "also the name of ok.yaml (builds[0]); their outputs and CI jobs would collide",
        ],
    ),
    (
        "secret-name-lowercase",
        HEAD + "signing:\n  windows:\n    pfx_base64: WINDOWS_PFX\n    password: pfx-password\n"
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:5:15: signing.windows.password: must be the NAME of a CI secret "
            "(uppercase letters, digits and _, e.g. WINDOWS_SIGNING_PFX_BASE64), never its value",
        ],
    ),
    (
        "secret-value-instead-of-name",
        HEAD + "signing:\n  windows:\n    pfx_base64: WINDOWS_PFX\n"
        "    password: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:5:15: signing.windows.password: looks like a secret (GitHub "
            "token); build-matrix.yml must not contain tokens or passwords: keep them in the "
            "CI engine's secret store and name the secret here",
        ],
    ),
    (
        "partial-notarization",
        HEAD + "signing:\n  macos:\n    certificate_base64: C\n    certificate_password: P\n"
        "    identity: I\n    notary_password: N\nbuilds:\n  - profile: mac.yaml\n",
        [
            "build-matrix.yml:3:3: signing.macos: notarization needs all of notary_apple_id, "
            "notary_team_id and notary_password; missing: notary_apple_id, notary_team_id",
        ],
    ),
    (
        "empty-builds",
        HEAD + "builds: []\n",
        [
            "build-matrix.yml:2:9: builds: list at least one build (a profile and, "
            "optionally, its platforms)",
        ],
    ),
    (
        "constructor-too-old",
        'constructor: "3.15.2"\nbuilds:\n  - profile: ok.yaml\n',
        [
            "build-matrix.yml:1:14: constructor: must be 3.16 or later (the factory relies "
            "on constructor 3.16)",
        ],
    ),
    (
        "constructor-not-a-version",
        'constructor: "latest"\nbuilds:\n  - profile: ok.yaml\n',
        ["build-matrix.yml:1:14: constructor: must be a constructor version such as 3.16.3"],
    ),
    (
        "constructor-unquoted-number",
        "constructor: 3.16\nbuilds:\n  - profile: ok.yaml\n",
        ["build-matrix.yml:1:14: constructor: must be a string (put it in quotes)"],
    ),
    (
        "builds-mapping-not-list",
        HEAD + "builds:\n  profile: ok.yaml\n",
        ["build-matrix.yml:3:3: builds: must be a list (one `- item` per line)"],
    ),
    (
        "platforms-string-not-list",
        HEAD + "builds:\n  - profile: ok.yaml\n    platforms: linux-64\n",
        ["build-matrix.yml:4:16: builds[0].platforms: must be a list (one `- item` per line)"],
    ),
    (
        "signing-list-not-mapping",
        HEAD + "signing: [WINDOWS_PFX]\nbuilds:\n  - profile: ok.yaml\n",
        ["build-matrix.yml:2:10: signing: must be a mapping of keys to values"],
    ),
    (
        "profile-outside-repository",
        HEAD + "builds:\n  - profile: ../ok.yaml\n",
        [
            "build-matrix.yml:3:14: builds[0].profile: must be a path inside the repository, "
            "relative to build-matrix.yml",
        ],
    ),
    (
        "runner-for-unknown-platform",
        HEAD + "runners:\n  win-32: windows-latest\nbuilds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:3: runners.win-32: invalid key name: Input should be "
            "'linux-64', 'linux-aarch64', 'osx-64', 'osx-arm64' or 'win-64'",
        ],
    ),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in PROFILES.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_matrix_is_refused_at_the_exact_place(workdir: Path, cli, text: str, expected):
    (workdir / "build-matrix.yml").write_text(text, encoding="utf-8")
    result = cli("matrix", "plan")
    assert result.code == 1
    assert result.out == ""
    lines = [line for line in result.err.splitlines() if not line.startswith("installer-factory:")]
    assert lines == expected


def test_the_table_has_at_least_twelve_cases():
    assert len(CASES) >= 12
    assert len({c[0] for c in CASES}) == len(CASES)


def test_secret_value_is_never_repeated(workdir: Path, cli):
    token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    text = HEAD + f"signing:\n  windows: {{pfx_base64: {token}, password: PW}}\n"
    (workdir / "build-matrix.yml").write_text(text + "builds:\n  - profile: ok.yaml\n")
    result = cli("matrix", "plan", "--json")
    assert result.code == 1
    assert token not in result.out + result.err
    assert "looks like a secret (GitHub token)" in result.err


def test_yaml_syntax_error_is_one_located_line(workdir: Path, cli):
    text = HEAD + "builds:\n  - profile: ok.yaml\n    platforms: [linux-64\n"
    (workdir / "build-matrix.yml").write_text(text)
    result = cli("matrix", "plan")
    assert result.code == 1
    assert result.err.startswith("installer-factory: error: build-matrix.yml:5:1: invalid YAML:")


def test_missing_matrix_file(workdir: Path, cli):
    result = cli("matrix", "plan", "--matrix", "elsewhere.yml")
    assert result.code == 1
    assert result.err.strip() == "installer-factory: error: elsewhere.yml: no such file"


def test_every_problem_is_reported_at_once(workdir: Path, cli):
    text = (
        HEAD
        + "signing:\n  windows: {pfx_base64: pfx, password: PW}\n"
        + "builds:\n  - profile: ok.yaml\n    platforms: [linux-64, linux-32]\n"
    )
    (workdir / "build-matrix.yml").write_text(text)
    result = cli("matrix", "ci", "github")
    assert result.code == 1
    assert "signing.windows.pfx_base64:" in result.err
    assert "builds[0].platforms[1]:" in result.err
    assert "installer-factory: 2 error(s); nothing written" in result.err

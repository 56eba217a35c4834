"""Each broken build-matrix.yml is refused with the exact place and a message that says why.

Profiles named by the matrices are written beside them; the matrix is always
build-matrix.yml in the working directory, so locations read `build-matrix.yml:L:C`.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

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

# What CI cannot provide (factory/ci/ci_needs.py). ELSEWHERE is a folder beside the
# repository (the folder of build-matrix.yml), written by the fixture.
PROFILES |= {
    "tok-file.yaml": """
        name: TF
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        tokens:
          repo: {file: secrets/repo.token, url: "https://repo.example/"}
        """,
    "tok-outside.yaml": """
        name: TO
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        tokens:
          repo: {file: ../elsewhere/repo.token, url: "https://repo.example/"}
        """,
    "tok-env.yaml": """
        name: TE
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        tokens:
          repo: {env: acme_token, url: "https://repo.example/"}
        """,
    "chan.yaml": """
        name: C
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge, "file:///srv/conda/channel"]
        packages: {specs: {base: [python, conda]}}
        extra_envs:
          work:
            specs: {tools: [python]}
            channels_remap:
              - {src: "file:///mnt/mirror", dest: "https://mirror.example/conda"}
        """,
    "ca-outside.yaml": """
        name: CA
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages: {specs: {base: [python, conda]}}
        ca_certs: {corp: ../elsewhere/root.pem}
        """,
    "extends-outside.yaml": """
        extends: ../elsewhere/base.yaml
        name: EO
        version: "1"
        platforms: [linux-64]
        """,
}
OUTSIDE = "outside the repository (the folder of build-matrix.yml), so CI does not have it"
HEAD = 'constructor: "3.16.3"\n'

# (id, build-matrix.yml, [expected stderr lines, in order])
CASES = [
    (
        "unknown-top-level-key",
        HEAD + "bulids:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:1:1: builds: required key is missing",
            "build-matrix.yml:2:1: bulids: unknown key; did you mean `builds`? "
            "(allowed here: builds, constructor, factory, output, runners, secrets, signing)",
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
    # --- what CI cannot provide (ci_needs.py) ---
    (
        "token-file-without-secret",
        HEAD + "builds:\n  - profile: tok-file.yaml\n",
        [
            "tok-file.yaml:7:16: tokens.repo.file: the build reads this token from "
            "secrets/repo.token, which no CI secret provides (a token is never committed): "
            "add `secrets: files: {secrets/repo.token: <CI secret NAME>}` to build-matrix.yml",
        ],
    ),
    (
        "token-file-outside-repository",
        HEAD + "builds:\n  - profile: tok-outside.yaml\n",
        [
            f"tok-outside.yaml:7:16: tokens.repo.file: this token file is {OUTSIDE}; CI "
            "writes secret files only into its checkout: point it at a git-ignored path in "
            "the repository (e.g. secrets/repo.token) and map that path to a CI secret in "
            "build-matrix.yml `secrets: files:`",
        ],
    ),
    (
        "token-env-not-a-secret-name",
        HEAD + "builds:\n  - profile: tok-env.yaml\n",
        [
            "tok-env.yaml:7:15: tokens.repo.env: acme_token is not a CI secret name "
            "(UPPER_CASE): map it to one in build-matrix.yml `secrets: env: {acme_token: "
            "<CI secret NAME>}`",
        ],
    ),
    (
        "file-build-channels",
        HEAD + "builds:\n  - profile: chan.yaml\n",
        [
            "chan.yaml:4:25: channels[1]: file:///srv/conda/channel is a folder on this "
            "machine, which CI runners do not have: serve the channel over https (your "
            "package server), or build on this machine with `matrix run`",
            "chan.yaml:10:15: extra_envs.work.channels_remap[0].src: file:///mnt/mirror is a "
            "folder on this machine, which CI runners do not have: serve the channel over "
            "https (your package server), or build on this machine with `matrix run`",
        ],
    ),
    (
        "ca-cert-outside-repository",
        HEAD + "builds:\n  - profile: ca-outside.yaml\n",
        [
            f"ca-outside.yaml:6:18: ca_certs.corp: ../elsewhere/root.pem is {OUTSIDE}: "
            "commit the certificate in the repository, or point this at a git-ignored path "
            "in it and name the CI secret that holds it in build-matrix.yml `secrets: files:`",
        ],
    ),
    (
        "profile-symlink-outside-repository",
        HEAD + "builds:\n  - profile: link.yaml\n",
        [
            "build-matrix.yml:3:14: builds[0].profile: this profile, <ELSEWHERE>/ok.yaml, "
            f"is {OUTSIDE}: move it into the repository",
        ],
    ),
    (
        "profile-extends-outside-repository",
        HEAD + "builds:\n  - profile: extends-outside.yaml\n",
        [
            "build-matrix.yml:3:14: builds[0].profile: a file it extends, "
            f"<ELSEWHERE>/base.yaml, is {OUTSIDE}: move it into the repository",
        ],
    ),
    (
        "secret-file-in-output-and-unread",
        HEAD + "secrets:\n  files:\n    dist/repo.token: REPO_TOKEN\n"
        "    secrets/x.token: X_TOKEN\nbuilds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:4:5: secrets.files['dist/repo.token']: is inside `output` "
            "(dist), which CI uploads as an artifact: keep secret files elsewhere (e.g. "
            "secrets/)",
            "build-matrix.yml:4:5: secrets.files['dist/repo.token']: no profile of `builds` "
            "reads this file (tokens.*.file, ca_certs)",
            "build-matrix.yml:5:5: secrets.files['secrets/x.token']: no profile of `builds` "
            "reads this file (tokens.*.file, ca_certs)",
        ],
    ),
    (
        "secret-env-unread",
        HEAD + "secrets:\n  env:\n    NOBODY: NOBODY_TOKEN\nbuilds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:4:5: secrets.env.NOBODY: no profile of `builds` reads this "
            "variable (tokens.*.env)",
        ],
    ),
    (
        "secret-file-value-not-a-name",
        HEAD + "secrets:\n  files:\n    secrets/repo.token: repo-token\n"
        "builds:\n  - profile: tok-file.yaml\n",
        [
            "build-matrix.yml:4:25: secrets.files['secrets/repo.token']: must be the NAME of "
            "a CI secret (uppercase letters, digits and _, e.g. WINDOWS_SIGNING_PFX_BASE64), "
            "never its value",
        ],
    ),
    # --- factory: which installer-factory CI installs (factory_pin.py) ---
    (
        "factory-version-range",
        HEAD + 'factory: {version: ">=0.1"}\nbuilds:\n  - profile: ok.yaml\n',
        [
            "build-matrix.yml:2:20: factory.version: must be an exact installer-factory "
            "version such as 0.1.0 (no ranges: the pin keeps CI builds reproducible)",
        ],
    ),
    (
        "factory-version-unquoted",
        HEAD + "factory:\n  version: 0.1\nbuilds:\n  - profile: ok.yaml\n",
        ["build-matrix.yml:3:12: factory.version: must be a string (put it in quotes)"],
    ),
    (
        "factory-two-kinds",
        HEAD + 'factory: {version: "0.1.0", checkout: .}\nbuilds:\n  - profile: ok.yaml\n',
        [
            "build-matrix.yml:2:10: factory: give exactly one of version, wheel, vcs or "
            "checkout (given: version, checkout)",
        ],
    ),
    (
        "factory-empty",
        HEAD + "factory: {}\nbuilds:\n  - profile: ok.yaml\n",
        ["build-matrix.yml:2:10: factory: give exactly one of version, wheel, vcs or checkout"],
    ),
    (
        "factory-vcs-branch",
        HEAD + 'factory:\n  vcs: "git+https://github.com/org/installer-factory@main"\n'
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:8: factory.vcs: @main looks like a branch, which moves: every "
            "CI run would install whatever it holds that day; pin a full commit sha or a "
            "release tag such as v0.1.0",
        ],
    ),
    (
        "factory-vcs-short-sha",
        HEAD + 'factory:\n  vcs: "git+https://github.com/org/installer-factory@abc1234"\n'
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:8: factory.vcs: @abc1234 is a short commit sha, which can "
            "turn ambiguous: give all of it",
        ],
    ),
    (
        "factory-vcs-credentials",
        HEAD + 'factory:\n  vcs: "git+https://me:pw@github.com/org/installer-factory@v0.1.0"\n'
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:8: factory.vcs: must not carry credentials "
            "(user:password@host): build-matrix.yml is committed; use a repository CI can "
            "read, or a wheel",
        ],
    ),
    (
        "factory-wheel-missing",
        HEAD + "factory:\n  wheel: wheels/installer_factory-0.1.0-py3-none-any.whl\n"
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:10: factory.wheel: no such file: "
            "wheels/installer_factory-0.1.0-py3-none-any.whl (commit the wheel, or pin a "
            "version)",
        ],
    ),
    (
        "factory-wheel-not-ours",
        HEAD + "factory:\n  wheel: wheels/other-1.0-py3-none-any.whl\n"
        "builds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:10: factory.wheel: must be an installer-factory wheel in the "
            "repository, e.g. wheels/installer_factory-0.1.0-py3-none-any.whl",
        ],
    ),
    (
        "factory-checkout-without-our-source",
        HEAD + "factory:\n  checkout: .\nbuilds:\n  - profile: ok.yaml\n",
        [
            "build-matrix.yml:3:13: factory.checkout: . holds no installer-factory source "
            "(no pyproject.toml naming installer-factory); outside its own repository pin a "
            "`version`",
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
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in PROFILES.items():
        (repo / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ok.yaml").write_text((repo / "ok.yaml").read_text().replace("name: T", "name: L"))
    (elsewhere / "base.yaml").write_text((repo / "base.yaml").read_text())
    shutil.copy(REPO / "profiles" / "assets" / "acme-root-ca.pem", elsewhere / "root.pem")
    (repo / "link.yaml").symlink_to(elsewhere / "ok.yaml")
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_matrix_is_refused_at_the_exact_place(workdir: Path, cli, text: str, expected):
    (workdir / "build-matrix.yml").write_text(text, encoding="utf-8")
    result = cli("matrix", "plan")
    assert result.code == 1
    assert result.out == ""
    lines = [line for line in result.err.splitlines() if not line.startswith("installer-factory:")]
    elsewhere = str(workdir.parent / "elsewhere")
    assert lines == [line.replace("<ELSEWHERE>", elsewhere) for line in expected]


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


def test_what_ci_lacks_is_reported_with_every_other_problem(workdir: Path, cli):
    """`matrix ci` refuses as `matrix plan` does: the matrix's own problems, a profile's
    file:// channel and an unprovided token file, in one report; nothing is written."""
    text = (
        HEAD
        + "signing:\n  windows: {pfx_base64: pfx, password: PW}\n"
        + "builds:\n  - profile: chan.yaml\n  - profile: tok-file.yaml\n"
    )
    (workdir / "build-matrix.yml").write_text(text)
    target = workdir / "ci.yml"
    result = cli("matrix", "ci", "github", "--output", target)
    assert result.code == 1
    assert "build-matrix.yml:3:25: signing.windows.pfx_base64:" in result.err
    assert "chan.yaml:4:25: channels[1]:" in result.err
    assert "chan.yaml:10:15: extra_envs.work.channels_remap[0].src:" in result.err
    assert "tok-file.yaml:7:16: tokens.repo.file:" in result.err
    assert "installer-factory: 4 error(s); nothing written" in result.err
    assert not target.exists()


def test_matrix_run_builds_on_this_host_and_does_not_ask_for_ci_secrets(workdir: Path):
    """The CI checks belong to plan and ci: a local `matrix run` has the token file and
    the file:// channel; loading the matrix for it does not refuse them."""
    from factory.ci.ci_needs import load_for_ci
    from factory.ci.matrix import load_matrix
    from factory.errors import ProfileInvalid

    matrix = workdir / "build-matrix.yml"
    matrix.write_text(HEAD + "builds:\n  - profile: chan.yaml\n  - profile: tok-file.yaml\n")
    assert len(load_matrix(matrix).builds) == 2
    with pytest.raises(ProfileInvalid) as refused:
        load_for_ci(matrix)
    assert len(refused.value.errors) == 3


def test_secrets_provide_token_files_and_certificates(workdir: Path, cli):
    """A token file and a CA certificate kept out of the repository (git-ignored), each
    named in `secrets: files:`, and a token variable whose secret has another name."""
    (workdir / "secrets").mkdir()
    shutil.copy(REPO / "profiles" / "assets" / "acme-root-ca.pem", workdir / "secrets" / "ca.pem")
    (workdir / "both.yaml").write_text(
        textwrap.dedent(
            """
            name: Both
            version: "1"
            platforms: [linux-64]
            channels: [conda-forge]
            packages: {specs: {base: [python, conda]}}
            ca_certs: {corp: secrets/ca.pem}
            tokens:
              repo: {file: secrets/repo.token, url: "https://repo.example/"}
              other: {env: acme_token, url: "https://other.example/"}
            """
        )
    )
    (workdir / "build-matrix.yml").write_text(
        HEAD
        + "secrets:\n  files:\n    secrets/repo.token: REPO_TOKEN\n    secrets/ca.pem: CORP_CA\n"
        + "  env:\n    acme_token: ACME_TOKEN\n"
        + "builds:\n  - profile: both.yaml\n"
    )
    result = cli("matrix", "plan", "--json")
    assert result.code == 0, result.err
    assert [j["profile"] for j in json.loads(result.out)["jobs"]] == ["both.yaml"]
    # the pipeline writes both files from their secrets, and sets the renamed variable
    from factory.ci.ci_needs import load_for_ci
    from factory.ci.pipelines import render_pipeline

    text = render_pipeline(load_for_ci(workdir / "build-matrix.yml"), "github")
    assert "printf '%s' \"$value\" > 'secrets/ca.pem'" in text
    assert "printf '%s' \"$value\" > 'secrets/repo.token'" in text
    assert "CORP_CA: ${{ secrets.CORP_CA }}" in text
    assert "acme_token: ${{ secrets.ACME_TOKEN }}" in text

"""`installer-factory scan` over a full render: clean as rendered, and a planted token is
found, located and never printed."""

from __future__ import annotations

import json
import secrets
import shutil
import tarfile
from pathlib import Path

from conftest import EXAMPLES, PROFILES


def _render_all(cli, tmp_path: Path, monkeypatch) -> tuple[str, Path, Path]:
    token = "Zq8" + secrets.token_urlsafe(24)  # made at run time
    monkeypatch.setenv("ACME_REPO_TOKEN", token)
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    declared = profiles / "acme-datasci-prod.yaml"
    declared.write_text(
        declared.read_text()
        + "tokens:\n  repo: {env: ACME_REPO_TOKEN, url: 'https://repo.acme.example/'}\n"
    )
    out = tmp_path / "build"
    result = cli("render", *(profiles / f"{name}.yaml" for name in EXAMPLES), "-o", out)
    assert result.code == 0, result.err
    (tmp_path / "render.log").write_text(result.out + result.err)
    return token, out, declared


def test_a_full_render_and_its_log_carry_no_token(cli, tmp_path: Path, monkeypatch):
    _token, out, profile = _render_all(cli, tmp_path, monkeypatch)
    result = cli("scan", out, tmp_path / "render.log", "--profile", profile)
    assert result.code == 0, result.out + result.err
    assert "0 finding(s)" in result.err


def test_a_planted_token_is_found_and_not_printed(cli, tmp_path: Path, monkeypatch):
    token, out, profile = _render_all(cli, tmp_path, monkeypatch)
    log = out / "build.log"
    log.write_text(f"fetching with {token}\n")
    with tarfile.open(tmp_path / "reports.tar.gz", "w:gz") as archive:
        archive.add(log, arcname="reports/build.log")
    result = cli("scan", out, tmp_path / "reports.tar.gz", "--profile", profile)
    assert result.code == 1
    assert token not in result.out + result.err
    assert f"{out / 'build.log'}:14: token Acme-DataScience.repo (value redacted)" in result.out
    assert "reports.tar.gz!reports.tar/reports/build.log:14: token" in result.out
    data = json.loads(cli("scan", "--json", out, "--profile", profile).out)
    assert data["ok"] is False and token not in json.dumps(data)
    assert [f["offset"] for f in data["findings"]] == [14]


def test_values_only_skips_shapes(cli, tmp_path: Path):
    sample = tmp_path / "notes.txt"
    sample.write_text("channel https://repo.corp/t/" + "Ab3" * 10 + "/main\n")
    assert cli("scan", sample).code == 1
    assert cli("scan", "--values-only", sample).code == 0


def test_unreadable_path_is_an_input_error(cli, tmp_path: Path):
    result = cli("scan", tmp_path / "nothing-here")
    assert result.code == 1 and "installer-factory: error:" in result.err

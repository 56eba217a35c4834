"""Repodata over HTTP: the cache, conditional requests, tokens in the path only on the wire.

A real HTTP server on 127.0.0.1 serves a channel only under `/t/<token>/` (the way conda
sends anaconda.org-style tokens), answers If-None-Match with 304, and counts requests.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SUBDIRS = ("linux-64", "noarch")


def _repodata(subdir: str) -> bytes:
    packages = {}
    if subdir == "linux-64":
        for name, version, depends in (("app", "1.0", ["lib >=2"]), ("lib", "2.1", [])):
            packages[f"{name}-{version}-0.conda"] = {
                "name": name,
                "version": version,
                "build": "0",
                "build_number": 0,
                "depends": depends,
                "subdir": subdir,
                "sha256": hashlib.sha256(name.encode()).hexdigest(),
                "md5": hashlib.md5(name.encode()).hexdigest(),
                "size": 100,
            }
    body = {"info": {"subdir": subdir}, "packages": {}, "packages.conda": packages}
    return json.dumps(body, sort_keys=True).encode()


class Server:
    def __init__(self, token: str):
        self.token = token
        self.log: list[tuple[str, int]] = []  # (path without token, status)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name for it
                prefix = f"/t/{outer.token}/chan/"
                if not self.path.startswith(prefix):
                    outer.log.append((self.path.replace(outer.token, "<token>"), 403))
                    self.send_error(403)
                    return
                rest = self.path[len(prefix) :]
                subdir, _, file = rest.partition("/")
                if file != "repodata.json" or subdir not in SUBDIRS:
                    outer.log.append((rest, 404))
                    self.send_error(404)
                    return
                body = _repodata(subdir)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    outer.log.append((rest, 304))
                    self.send_response(304)
                    self.end_headers()
                    return
                outer.log.append((rest, 200))
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server("tk-" + secrets.token_hex(12))
    thread = threading.Thread(target=running.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.httpd.shutdown()


@pytest.fixture
def profile(server: Server, write, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHAN_TOKEN", server.token)
    return write(
        "p.yaml",
        f"""
name: Http
version: "1"
allow_insecure_http: true  # the test's server is plain http on 127.0.0.1
platforms: [linux-64]
channels: ["{server.url}/chan"]
packages:
  specs:
    base: [app]
tokens:
  chan: {{env: CHAN_TOKEN, url: "{server.url}/"}}
""",
    )


def test_second_lock_reads_no_network_and_later_ones_revalidate(
    server: Server, profile: Path, cli, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = cli("lock", profile, "--cache-dir", cache, "--json")
    assert first.code == 0, first.err
    assert sorted(server.log) == [("linux-64/repodata.json", 200), ("noarch/repodata.json", 200)]
    assert json.loads(first.out)["repodata"] == {"requests": 2, "downloaded": 2}

    server.log.clear()
    second = cli("lock", profile, "--cache-dir", cache, "--json")
    assert second.code == 0, second.err
    assert server.log == [], "within --max-age the cache answers alone"

    third = cli("lock", profile, "--cache-dir", cache, "--max-age", "0", "--json")
    assert third.code == 0, third.err
    assert sorted(server.log) == [("linux-64/repodata.json", 304), ("noarch/repodata.json", 304)]
    assert json.loads(third.out)["repodata"] == {"requests": 2, "downloaded": 0}


def test_the_token_is_on_the_wire_only(server: Server, profile: Path, cli, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = cli("lock", profile, "--cache-dir", cache)
    assert result.code == 0, result.err
    lock = profile.with_name("p.lock.yaml").read_text()
    assert f"{server.url}/chan" in lock and "/t/" not in lock
    assert server.token not in result.out + result.err + lock
    for file in cache.rglob("*"):
        if file.is_file():
            assert server.token.encode() not in file.read_bytes(), file


def test_without_the_token_the_error_names_the_clean_url(
    server: Server, profile: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAN_TOKEN", "wrong-" + secrets.token_hex(8))
    result = cli("lock", profile, "--cache-dir", tmp_path / "cache")
    assert result.code == 1
    assert f"cannot fetch {server.url}/chan/linux-64/repodata.json: HTTP 403" in result.err
    assert "/t/" not in result.err


def test_an_unreachable_channel_is_one_clear_error(cli, write, tmp_path: Path) -> None:
    profile = write(
        "p.yaml",
        """
name: Gone
version: "1"
platforms: [linux-64]
channels: ["http://127.0.0.1:9/chan"]
packages: {specs: {base: [app]}}
""",
    )
    result = cli("lock", profile, "--cache-dir", tmp_path / "cache")
    assert result.code == 1
    assert result.err.startswith("installer-factory: error: cannot fetch http://127.0.0.1:9/chan")
    assert "Traceback" not in result.err

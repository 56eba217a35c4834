"""Fetch each channel's repodata.json once per subdir and keep it in a cache.

Channels are fetched here, not by the solver, so that tokens stay in this module: the
request goes to `<token url>/t/<token>/...` the way conda builds it, while the solver,
the lock file and every message only ever see the clean URL. The cache lives in the
platformdirs user cache directory (or `--cache-dir` / $INSTALLER_FACTORY_CACHE_DIR); an
entry younger than `max_age` is used without any request, an older one is revalidated
with its ETag / Last-Modified (a 304 transfers nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from factory.errors import InputError
from factory.output.atomic import write_bytes_atomic

CACHE_ENV = "INSTALLER_FACTORY_CACHE_DIR"
DEFAULT_MAX_AGE = 15 * 60  # seconds an entry is trusted without asking the server
TIMEOUT = 60
CHUNK = 1 << 20  # bytes read at a time: a conda-forge subdir is hundreds of megabytes

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """No progress wanted."""


def size_text(size: int) -> str:
    """1.2 MB, as progress lines show sizes."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path(user_cache_dir("installer-factory"))


@dataclass
class Fetcher:
    """Gets repodata.json files, with tokens and the organization's CA bundle."""

    cache_dir: Path
    tokens: Mapping[str, str] = field(default_factory=dict)  # url prefix -> token
    ca_bundle: bytes | None = None
    max_age: float = DEFAULT_MAX_AGE
    refresh: bool = False
    requests: int = 0  # HTTP requests made (for reports and tests)
    downloaded: int = 0  # of those, how many transferred a repodata body

    def repodata(
        self, base_url: str, subdir: str, *, progress: Progress | None = None
    ) -> Path | None:
        """The path of `base_url/subdir/repodata.json`, or None when the channel has no
        such subdir (404), which conda also accepts. `progress` hears one line for what
        was read or fetched, with its size; base_url is clean, so no token is in it."""
        say = progress or _quiet
        if base_url.startswith("file://"):
            path = Path(unquote(urlparse(base_url).path)) / subdir / "repodata.json"
            if not path.is_file():
                return None
            say(f"reading {subdir} from {base_url} ({size_text(path.stat().st_size)})")
            return path
        entry = self.cache_dir / "repodata" / _key(f"{base_url}/{subdir}")
        data, meta = entry / "repodata.json", entry / "meta.json"
        cached = _read_meta(meta)
        if cached and not cached.get("missing") and not data.is_file():
            cached = None
        if cached and not self.refresh and time.time() - cached.get("checked", 0) < self.max_age:
            if cached.get("missing"):
                return None
            say(f"using cached {subdir} of {base_url} ({size_text(data.stat().st_size)})")
            return data
        return self._download(base_url, subdir, data, meta, cached, say)

    def _download(
        self,
        base_url: str,
        subdir: str,
        data: Path,
        meta: Path,
        cached: dict | None,
        say: Progress,
    ) -> Path | None:
        shown = f"{base_url}/{subdir}/repodata.json"
        request = urllib.request.Request(self._authenticated(base_url) + f"/{subdir}/repodata.json")
        request.add_header("Accept-Encoding", "identity")
        request.add_header("User-Agent", "installer-factory")
        if cached and not cached.get("missing"):
            if cached.get("etag"):
                request.add_header("If-None-Match", cached["etag"])
            if cached.get("last_modified"):
                request.add_header("If-Modified-Since", cached["last_modified"])
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=self._ssl()) as reply:
                length = reply.headers.get("Content-Length", "")
                shown_size = f" ({size_text(int(length))})" if length.isdigit() else ""
                say(f"fetching {subdir} from {base_url}{shown_size}")
                body = _read_all(reply)
                headers = reply.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and cached:
                _write_meta(meta, {**cached, "checked": time.time()})
                say(f"{subdir} of {base_url} unchanged ({size_text(data.stat().st_size)} cached)")
                return data
            if exc.code == 404:
                data.parent.mkdir(parents=True, exist_ok=True)
                _write_meta(meta, {"url": shown, "missing": True, "checked": time.time()})
                return None
            raise InputError(f"cannot fetch {shown}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise InputError(f"cannot fetch {shown}: {reason}") from None
        if not _looks_like_json_object(body):
            raise InputError(f"{shown}: not valid JSON")
        self.downloaded += 1
        write_bytes_atomic(data, body)
        _write_meta(
            meta,
            {
                "url": shown,
                "etag": headers.get("ETag"),
                "last_modified": headers.get("Last-Modified"),
                "checked": time.time(),
            },
        )
        return data

    def forget(self, base_url: str, subdir: str) -> None:
        """Drop a cached entry the solver could not read: the next run downloads it again."""
        entry = self.cache_dir / "repodata" / _key(f"{base_url}/{subdir}")
        (entry / "meta.json").unlink(missing_ok=True)

    def _authenticated(self, base_url: str) -> str:
        """conda's form: the token goes right after the prefix it was issued for."""
        for prefix, token in sorted(self.tokens.items(), key=lambda kv: -len(kv[0])):
            clean = prefix.rstrip("/")
            if base_url == clean or base_url.startswith(clean + "/"):
                return f"{clean}/t/{token}{base_url[len(clean) :]}"
        return base_url

    def _ssl(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_bundle:
            context.load_verify_locations(cadata=self.ca_bundle.decode("ascii"))
        return context


def _read_all(reply: object) -> bytes:
    """The body, read in chunks into one buffer (no second copy of a large file)."""
    buffer = bytearray()
    while chunk := reply.read(CHUNK):  # type: ignore[attr-defined]
        buffer += chunk
    return bytes(buffer)


def _looks_like_json_object(body: bytes) -> bool:
    """A cheap check that the body is a JSON object: rattler parses it fully, lazily, and
    reports a broken one itself; parsing a conda-forge subdir here too would take seconds
    and gigabytes (issue 12, item 20)."""
    text = body.strip()
    return text.startswith(b"{") and text.endswith(b"}")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def _read_meta(meta: Path) -> dict | None:
    try:
        value = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_meta(meta: Path, value: dict) -> None:
    write_bytes_atomic(meta, (json.dumps(value, sort_keys=True) + "\n").encode())

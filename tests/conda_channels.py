"""Stand-in for how conda turns a channel of its .condarc into the URL it requests, token
included: enough of conda to check where an installed token must be for conda to send it.

It follows conda's own rules, written here from their behaviour:
- a token in a URL is `/t/` plus letters, digits and `-`, anywhere in the path
  (conda/common/url.py, `split_anaconda_token`);
- `channel_alias` and each `custom_channels` value may carry one (`Context.channel_alias`
  and `Context.custom_channels` in conda/base/context.py, `Channel.make_simple_channel` in
  conda/models/channel.py);
- a channel's location, name and token come from the first match of: a custom channel
  whose location and name start the URL (longest name first), then the channel alias, then
  the URL's host (`_read_channel_configuration` in conda/models/channel.py); a name goes
  through custom_channels, then the alias (`Channel.from_channel_name`);
- the request URL puts the token right after the location (`Channel.url` with
  credentials); a channel without one gets the first token file whose URL starts the
  request URL, from `$BINSTAR_CONFIG_DIR/data` or the user's own binstar folder
  (`CondaHttpAuth.add_binstar_token` in conda/gateways/connection/session.py,
  conda/gateways/anaconda_client.py).
The migrated-alias steps are left out: no profile writes those keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

DEFAULT_ALIAS = "https://conda.anaconda.org"
_TOKEN = re.compile(r"/t/([a-zA-Z0-9-]*)")


def split_token(url: str) -> tuple[str, str | None]:
    match = _TOKEN.search(url)
    if match is None:
        return url.rstrip("/"), None
    return url.replace("/t/" + match.group(1), "", 1).rstrip("/"), match.group(1)


@dataclass(frozen=True)
class Channel:
    scheme: str
    location: str
    name: str
    token: str | None

    def url(self, subdir: str) -> str:
        parts = [self.location, *(["t", self.token] if self.token else []), self.name, subdir]
        return f"{self.scheme}://" + "/".join(p.strip("/") for p in parts if p)


def _base(url: str) -> tuple[str, str, str | None]:
    """scheme, location (host and path), token"""
    clean, token = split_token(url)
    scheme, _, rest = clean.partition("://")
    return scheme, rest.rstrip("/"), token


def _starts(url: str, base: str) -> bool:
    return url == base or url.startswith(base + "/")


class CondaConfig:
    def __init__(self, condarc: Mapping[str, Any]):
        self.alias = _base(str(condarc.get("channel_alias") or DEFAULT_ALIAS))
        self.custom: dict[str, Channel] = {}
        for name, value in (condarc.get("custom_channels") or {}).items():
            scheme, location, token = _base(str(value))
            self.custom[str(name)] = Channel(scheme, location, str(name).strip("/"), token)

    def channel(self, text: str, default: bool = False) -> Channel:
        """A default_channels name goes through the alias alone (make_simple_channel)."""
        if "://" not in text and default:
            scheme, location, token = self.alias
            return Channel(scheme, location, text.strip("/"), token)
        if "://" not in text:
            return self._by_name(text.strip("/"))
        scheme, path, token = _base(text)
        for name in sorted(self.custom, key=len, reverse=True):
            known = self.custom[name]
            full = f"{known.location}/{known.name}"
            if _starts(path, full):
                rest = path[len(full) :].strip("/")
                joined = "/".join(p for p in (known.name, rest) if p)
                return Channel(scheme, known.location, joined, token or known.token)
        _, alias_location, alias_token = self.alias
        if _starts(path, alias_location):
            name = path[len(alias_location) :].strip("/")
            return Channel(scheme, alias_location, name, token or alias_token)
        host, _, name = path.partition("/")
        return Channel(scheme, host, name, token)

    def _by_name(self, name: str) -> Channel:
        parts = name.split("/")
        for end in range(len(parts), 0, -1):
            known = self.custom.get("/".join(parts[:end]))
            if known is not None:
                return Channel(known.scheme, known.location, name, known.token)
        scheme, location, token = self.alias
        return Channel(scheme, location, name, token)


def binstar_tokens(environ: Mapping[str, str]) -> dict[str, str]:
    """Token files conda reads: $BINSTAR_CONFIG_DIR/data, else the user's own folder (Linux)."""
    if "BINSTAR_CONFIG_DIR" in environ:
        folder = Path(environ["BINSTAR_CONFIG_DIR"], "data")
    else:
        config = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME", ""), ".config")
        folder = Path(config, "binstar")
    out: dict[str, str] = {}
    if folder.is_dir():
        for entry in sorted(folder.iterdir()):
            if entry.name.endswith(".token"):
                out[unquote_plus(entry.name[: -len(".token")])] = entry.read_text()
    return out


def request_url(
    condarc: Mapping[str, Any],
    channel: str,
    subdir: str,
    environ: Mapping[str, str],
    default: bool = False,
) -> str:
    """The repodata URL conda requests for `channel`, with the token it would send."""
    resolved = CondaConfig(condarc).channel(channel, default)
    url = resolved.url(subdir) + "/repodata.json"
    if resolved.token is None:
        for prefix, token in binstar_tokens(environ).items():
            if url.startswith(prefix):
                return (
                    Channel(resolved.scheme, resolved.location, resolved.name, token).url(subdir)
                    + "/repodata.json"
                )
    return url


def condarc_channels(condarc: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """The channels a plain `conda install` uses, `defaults` expanded: (text, is_default)."""
    out: list[tuple[str, bool]] = []
    for text in condarc.get("channels") or ["defaults"]:
        if text == "defaults":
            out += [(str(d), True) for d in condarc.get("default_channels") or []]
        else:
            out.append((str(text), False))
    return out


def requests(condarc: Mapping[str, Any], subdir: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Each channel of a plain `conda install`, with the repodata URL conda requests."""
    return {
        text: request_url(condarc, text, subdir, environ, default)
        for text, default in condarc_channels(condarc)
    }

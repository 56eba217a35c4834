"""Known secret values in every encoding they may take on disk or in a log.

One list of encodings (`encodings`) serves both sides: `scan` looks for each of them and
the Redactor hides each of them, so nothing scan would report can pass redaction.

Speed: a value's text encodings (percent-encoded in any way, `+` for spaces, JSON-escaped)
all keep its letters and digits as they are, so one search for its longest run of those
finds every one of them, each then checked in place; UTF-16 in either byte order shares
one search too. An installer is searched about five times per value, not fifteen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from factory.leaks.shapes import Match

MIN_VALUE_LENGTH = 4  # too short to search for without drowning in noise
_ALNUM = re.compile(rb"[A-Za-z0-9]+")
_HEX_ESCAPE = re.compile(rb"%[0-9A-F]{2}")
_MIN_CORE = 6  # a shorter run would find too much to check: search each form instead


@functools.lru_cache(maxsize=256)
def encodings(value: bytes) -> tuple[bytes, ...]:
    """The value as it may appear: raw; percent-encoded as URLs do it (letters, digits and
    `-._~` kept) and with every other character encoded (`%5F` for `_`), each in upper and
    lower case hex and each encoded once more (`%255F`); `+` for spaces; JSON-escaped
    (ASCII-only or not); UTF-16 (either byte order); base64 at each of the three alignments
    it can start at inside a longer encoded run (e.g. HTTP basic auth `user:token`)."""
    # imported here: every command redacts, few print before the first value is known
    import base64
    import json
    from urllib.parse import quote, quote_plus

    text = value.decode("utf-8", "replace")
    every = "".join(chr(b) if _ALNUM.fullmatch(bytes([b])) else f"%{b:02X}" for b in value)
    percent: list[bytes] = []
    for once in (quote(value, safe=""), every, quote_plus(value, safe="")):
        upper = once.encode()
        lower = _HEX_ESCAPE.sub(lambda m: m.group(0).lower(), upper)
        for form in (upper, lower):
            percent += [form, form.replace(b"%", b"%25")]
    forms = [
        value,
        *percent,
        json.dumps(text)[1:-1].encode(),
        json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogateescape"),
        text.encode("utf-16-le", "surrogatepass"),
        text.encode("utf-16-be", "surrogatepass"),
    ]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + value)
        first = -(-pad // 3) * 4  # characters that still depend on the padding
        last = (len(value) + pad) // 3 * 4  # characters that depend on what follows
        if last - first >= 8:
            forms.append(encoded[first:last])
    return tuple(dict.fromkeys(form for form in forms if form))


@dataclass(frozen=True)
class _Needle:
    """One search; each hit is checked against the forms that hold the needle."""

    needle: bytes
    forms: tuple[tuple[bytes, int], ...]  # (form, where the needle sits in it)


def _plan(value: bytes) -> list[_Needle]:
    forms = list(encodings(value))
    needles: list[_Needle] = []
    runs = sorted(_ALNUM.findall(value), key=len, reverse=True)
    core = runs[0] if runs and len(runs[0]) >= min(_MIN_CORE, len(value)) else b""
    if core:
        held = [(f, i) for f in forms for i in _offsets(f, core)]
        needles.append(_Needle(core, tuple(held)))
        forms = [f for f in forms if core not in f]
    wide = value.decode("utf-8", "replace")
    le = wide.encode("utf-16-le", "surrogatepass")
    be = wide.encode("utf-16-be", "surrogatepass")
    if le in forms and be in forms and len(le) > 2 and le[:-1] == be[1:]:  # ASCII text
        needles.append(_Needle(le[:-1], ((le, 0), (be, 1))))
        forms = [f for f in forms if f not in (le, be)]
    needles += [_Needle(f, ((f, 0),)) for f in forms]
    return needles


def _offsets(form: bytes, needle: bytes) -> list[int]:
    found, at = [], form.find(needle)
    while at != -1:
        found.append(at)
        at = form.find(needle, at + 1)
    return found


class ValueFinder:
    """Every occurrence of the known values, by name; built once per scan."""

    def __init__(self, secrets: dict[str, bytes]) -> None:
        self.plans = [
            (name, _plan(bytes(value)))
            for name, value in secrets.items()
            if len(value) >= MIN_VALUE_LENGTH
        ]

    def __bool__(self) -> bool:
        return bool(self.plans)

    def find(self, data: bytes, start: int = 0, end: int | None = None) -> Iterator[Match]:
        """Matches that lie wholly within data[start:end]."""
        end = len(data) if end is None else end
        nul: bool | None = None  # does data[start:end] hold a NUL byte? (asked once)
        for name, needles in self.plans:
            seen: set[tuple[int, int]] = set()
            for plan in needles:
                if b"\x00" in plan.needle:  # UTF-16 of ASCII: text without NULs has none
                    if nul is None:
                        nul = data.find(b"\x00", start, end) != -1
                    if not nul:
                        continue
                at = data.find(plan.needle, start, end)
                while at != -1:
                    for form, offset in plan.forms:
                        begin, stop = at - offset, at - offset + len(form)
                        if begin < start or stop > end or (begin, stop) in seen:
                            continue
                        if data[begin:stop] == form:
                            seen.add((begin, stop))
                            yield Match(f"token {name}", begin, len(form))
                    at = data.find(plan.needle, at + 1, end)


def find_values(data: bytes, secrets: dict[str, bytes]) -> Iterator[Match]:
    """Every occurrence of a known secret value (by its name), in every encoding."""
    return ValueFinder(secrets).find(data)

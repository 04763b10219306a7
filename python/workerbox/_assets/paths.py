"""Asset paths: turning a request's path into the segments of an asset key, and checking the keys
an asset source names. Everything here is pure and refuses rather than repairs: a path that could
mean a file outside the assets (a parent segment, an encoded slash or backslash, a NUL, an empty
segment) matches no asset at all."""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import unquote

# Beyond these a path names no asset: no real site nests or names files this deeply, and the
# caps bound the work a hostile path can cause.
MAX_PATH_BYTES = 4096
MAX_SEGMENTS = 64
MAX_SEGMENT_BYTES = 255

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\]")


def segment_ok(segment: str) -> bool:
    """Whether a decoded segment may name a file in the assets."""
    return (
        segment not in ("", ".", "..")
        and not _FORBIDDEN.search(segment)
        and len(segment.encode("utf-8", "surrogatepass")) <= MAX_SEGMENT_BYTES
    )


def request_path(raw: str) -> Optional[str]:
    """The decoded path a raw (percent-encoded) request path asks for, or None when it cannot
    name an asset. Each segment is decoded on its own, so ``%2F`` stays inside its segment (and
    is then refused) instead of becoming a separator."""
    if not raw.startswith("/") or len(raw) > MAX_PATH_BYTES:
        return None
    parts = raw[1:].split("/")
    if len(parts) > MAX_SEGMENTS:
        return None
    decoded: list[str] = []
    for i, part in enumerate(parts):
        try:
            segment = unquote(part, errors="strict")
        except UnicodeDecodeError:
            return None
        # Only the last segment may be empty: that is the trailing slash.
        if segment == "" and i == len(parts) - 1:
            decoded.append("")
            continue
        if not segment_ok(segment):
            return None
        decoded.append(segment)
    return "/" + "/".join(decoded)


def asset_key(name: str) -> str:
    """A source's asset name as its key (``"a/b.css"``), or ValueError if it could escape or
    be ambiguous. One leading ``/`` is accepted, as worker-bundler's asset maps write them."""
    if not isinstance(name, str):
        raise TypeError(f"asset names are str, not {type(name).__name__}")
    key = name[1:] if name.startswith("/") else name
    if len(key) > MAX_PATH_BYTES or not all(segment_ok(s) for s in key.split("/")):
        raise ValueError(f"bad asset name {name[:100]!r}: no empty, '.' or '..' segments, backslashes or control characters")
    return key


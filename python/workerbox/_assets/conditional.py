"""Conditional and partial requests for one asset: ``If-None-Match`` (304), ``Range`` with
``If-Range`` (206, 416). Only single byte ranges are served; a multi-range or malformed
``Range`` is ignored and the whole asset sent, as RFC 9110 allows."""

from __future__ import annotations

import re
from typing import Optional, Union

_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


def not_modified(if_none_match: Optional[str], etag: str) -> bool:
    """Whether ``If-None-Match`` matches ``etag`` (weak comparison, as RFC 9110 asks for it).
    Linear in the header's length, whatever it holds."""
    if if_none_match is None:
        return False
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def byte_range(header: Optional[str], if_range: Optional[str], etag: str, size: int) -> Union[None, tuple[int, int], str]:
    """The ``(start, end)`` (end exclusive) to send, None for the whole asset, or
    ``"unsatisfiable"`` for a 416."""
    if header is None or (if_range is not None and if_range.strip() != etag):
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.group(1), found.group(2)
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end

"""Positions in a bundled worker mapped back to the project's own files, through the inline source
maps :func:`workerbox.bundler.build` writes with ``sourcemap=True`` (Source Map v3), so an error in
a project with npm dependencies still points at the line the person wrote.

Only reads the maps: a module without one, or a position no mapping covers, stays as it was.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Optional

_DATA_URL = re.compile(r"//# sourceMappingURL=data:application/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*\Z")
_POSITION = re.compile(r"([\w./@-]+\.[mc]?js):(\d+):(\d+)")
_BASE64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}

# One mapping: generated column, then the source's index, line and column (all 0-based).
Segment = tuple[int, int, int, int]


class SourceMaps:
    """The source maps of a bundle's modules; ``project`` names the files the person wrote, so a
    source given relative to the bundler's output directory (``../src/a.ts``) gets its own name."""

    def __init__(self, modules: Mapping[str, Mapping[str, Any]], project: Collection[str]) -> None:
        self._maps: dict[str, tuple[list[str], list[list[Segment]]]] = {}
        for name, module in modules.items():
            source = module.get("js")
            found = _DATA_URL.search(source) if isinstance(source, str) else None
            parsed = _parse(found[1]) if found else None
            if parsed is not None:
                sources, lines = parsed
                self._maps[name] = ([_project_name(s, project) for s in sources], lines)

    def __bool__(self) -> bool:
        return bool(self._maps)

    def original(self, module: str, line: int, column: int) -> Optional[tuple[str, int, int]]:
        """The source position (1-based, as in stacks) of ``module:line:column``, or None."""
        if module not in self._maps or line < 1:
            return None
        sources, lines = self._maps[module]
        if line > len(lines) or not lines[line - 1]:
            return None
        segments = lines[line - 1]
        at = bisect.bisect_right(segments, (column - 1, len(sources), 0, 0)) - 1
        if at < 0:
            return None
        _, index, src_line, src_column = segments[at]
        return (sources[index], src_line + 1, src_column + 1) if index < len(sources) else None

    def rewrite(self, stack: str) -> str:
        """``stack`` with every bundled position it maps replaced by the source position."""

        def replace(match: re.Match[str]) -> str:
            found = self.original(match[1], int(match[2]), int(match[3]))
            return f"{found[0]}:{found[1]}:{found[2]}" if found else match[0]

        return _POSITION.sub(replace, stack)


def _project_name(source: str, project: Collection[str]) -> str:
    parts = source.split("/")
    while parts and parts[0] in ("..", "."):
        parts.pop(0)
    trimmed = "/".join(parts)
    return trimmed if trimmed in project or trimmed.startswith("node_modules/") else source


def _parse(data: str) -> Optional[tuple[list[str], list[list[Segment]]]]:
    try:
        sourcemap = json.loads(base64.b64decode(data, validate=True))
        sources, mappings = sourcemap["sources"], sourcemap["mappings"]
        if not isinstance(sources, list) or not isinstance(mappings, str):
            return None
        return [str(s) for s in sources], _decode(mappings)
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError):
        return None


def _decode(mappings: str) -> list[list[Segment]]:
    """The mappings per generated line; source index, line and column carry across lines and the
    generated column restarts on each, as Source Map v3 encodes them."""
    lines: list[list[Segment]] = []
    index = src_line = src_column = 0
    for text in mappings.split(";"):
        column = 0
        segments: list[Segment] = []
        for field in filter(None, text.split(",")):
            values = _vlq(field)
            column += values[0]
            if len(values) >= 4:
                index, src_line, src_column = index + values[1], src_line + values[2], src_column + values[3]
                segments.append((column, index, src_line, src_column))
        segments.sort()
        lines.append(segments)
    return lines


def _vlq(field: str) -> list[int]:
    values: list[int] = []
    value = shift = 0
    for char in field:
        digit = _BASE64[char]
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        value = shift = 0
    return values

"""``.assetsignore``: files in an assets directory that are not assets, in ``.gitignore``'s
syntax (``#`` comments, ``!`` re-includes, a trailing ``/`` for directories only, a ``/`` inside
anchoring to the directory, ``*``, ``?`` and ``**``; no ``[...]`` classes). The last matching
line decides. Matching is by segments with memoised positions, so no pattern can take more than
time proportional to its length times the path's."""

from __future__ import annotations

import functools
from dataclasses import dataclass

FILE_NAME = ".assetsignore"


@dataclass(frozen=True)
class _Rule:
    segments: tuple[str, ...]
    negated: bool
    directories_only: bool


class IgnoreRules:
    """The rules of one ``.assetsignore`` text."""

    def __init__(self, text: str) -> None:
        self._rules = [rule for line in text.splitlines() if (rule := _parse(line)) is not None]

    def ignored(self, key: str, is_directory: bool) -> bool:
        """Whether the file or directory at ``key`` (``"a/b.txt"``) is left out."""
        segments = tuple(key.split("/"))
        verdict = False
        for rule in self._rules:
            if (is_directory or not rule.directories_only) and _matches(rule.segments, segments):
                verdict = not rule.negated
        return verdict


def _parse(line: str) -> _Rule | None:
    line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    line = line[1:] if negated else line
    directories_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    segments = tuple(s for s in line.lstrip("/").split("/") if s)
    if not anchored:
        segments = ("**", *segments)
    # Runs of ** match what one does.
    collapsed = tuple(s for i, s in enumerate(segments) if not (s == "**" and i and segments[i - 1] == "**"))
    return _Rule(collapsed, negated, directories_only)


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    @functools.lru_cache(maxsize=None)
    def at(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(path)
        if pattern[i] == "**":
            return at(i + 1, j) or (j < len(path) and at(i, j + 1))
        return j < len(path) and _segment(pattern[i], path[j]) and at(i + 1, j + 1)

    return at(0, 0)


def _segment(pattern: str, name: str) -> bool:
    """``*`` and ``?`` within one segment: the greedy match with one backtrack point, which
    takes at most len(pattern) * len(name) steps."""
    p = n = 0
    star, mark = -1, 0
    while n < len(name):
        if p < len(pattern) and pattern[p] in ("?", name[n]) and pattern[p] != "*":
            p, n = p + 1, n + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, n, p + 1
        elif star != -1:
            p, mark = star + 1, mark + 1
            n = mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])

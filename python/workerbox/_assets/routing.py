"""Which asset a request path names, as Workers Static Assets decide it: ``html_handling``'s
canonical URLs for HTML pages (serve the canonical one, redirect the others to it), the fallback
page for a path that names nothing (``not_found_handling``), and ``run_worker_first`` patterns.
Pure functions of a path and the set of keys; no I/O."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Literal, Optional, Union

HtmlHandling = Literal["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]
NotFoundHandling = Literal["single-page-application", "404-page", "none"]
HTML_HANDLING = ("auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none")
NOT_FOUND_HANDLING = ("single-page-application", "404-page", "none")


@dataclass(frozen=True)
class Serve:
    """Serve the asset at ``key``."""

    key: str


@dataclass(frozen=True)
class Redirect:
    """Send the client to ``path``, the page's canonical URL (decoded)."""

    path: str


Match = Union[Serve, Redirect, None]


def resolve(path: str, keys: Container[str], html_handling: HtmlHandling) -> Match:
    """What a decoded request path (``"/docs/"``) names among ``keys``."""
    exact = path[1:]
    if exact and not exact.endswith("/") and exact in keys and (html_handling == "none" or not exact.endswith(".html")):
        return Serve(exact)
    if html_handling == "none":
        return None
    name, folder_shaped = _page_name(path)
    file_key, index_key = f"{name[1:]}.html", f"{name[1:]}/index.html".lstrip("/")
    candidates = [(index_key, True), (file_key, False)] if folder_shaped or not name else [(file_key, False), (index_key, True)]
    for key, is_index in candidates:
        if key in keys and (name or is_index):
            canonical = _canonical(name, is_index, html_handling)
            return Serve(key) if canonical == path else Redirect(canonical)
    return None


def _page_name(path: str) -> tuple[str, bool]:
    """The page a path names without its HTML spelling (``/a/index.html`` → ``/a``), and whether
    it was spelt as a folder."""
    for suffix, folder in (("/index.html", True), ("/index", True), (".html", False), ("/", True)):
        if path.endswith(suffix):
            return path[: -len(suffix)], folder
    return path, False


def _canonical(name: str, is_index: bool, html_handling: HtmlHandling) -> str:
    if not name:
        return "/"
    if html_handling == "force-trailing-slash" or (html_handling == "auto-trailing-slash" and is_index):
        return name + "/"
    return name


def not_found_page(path: str, keys: Container[str], handling: NotFoundHandling) -> Optional[tuple[str, int]]:
    """The page to answer with when ``path`` names no asset, and its status: the SPA's
    ``index.html`` (200), or the nearest ``404.html`` up the path's folders (404)."""
    if handling == "single-page-application":
        return ("index.html", 200) if "index.html" in keys else None
    if handling == "404-page":
        folders = path[1:].split("/")[:-1]
        for depth in range(len(folders), -1, -1):
            key = "/".join([*folders[:depth], "404.html"])
            if key in keys:
                return key, 404
    return None


class WorkerFirst:
    """``run_worker_first``: True (every request), False, or route patterns (``"/api/*"``; ``*``
    matches anything, ``/`` included; a ``!`` pattern excludes and wins over the others)."""

    def __init__(self, rule: Union[bool, Sequence[str]]) -> None:
        if isinstance(rule, bool):
            self._all, self._include, self._exclude = rule, None, None
            return
        if isinstance(rule, str) or not all(isinstance(p, str) and p.lstrip("!").startswith("/") for p in rule):
            raise ValueError("run_worker_first: True, False, or a list of patterns starting with '/' (or '!/')")
        self._all = False
        self._include = _patterns([p for p in rule if not p.startswith("!")])
        self._exclude = _patterns([p[1:] for p in rule if p.startswith("!")])

    def __call__(self, path: str) -> bool:
        """Whether a request for ``path`` goes to the worker before any asset."""
        if self._include is None or self._exclude is None:
            return self._all
        return not self._exclude.fullmatch(path) and bool(self._include.fullmatch(path))


def _patterns(patterns: list[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(".*".join(map(re.escape, p.split("*"))) for p in patterns), re.DOTALL)

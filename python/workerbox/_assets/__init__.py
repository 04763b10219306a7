"""Static assets served host-side in front of a worker, as Workers Static Assets and
worker-bundler's ``createApp`` serve them. :class:`Assets` is public as ``workerbox.asgi.Assets``."""

from __future__ import annotations

import asyncio
import os
import re
from urllib.parse import quote
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any, Optional, Union

from .content_types import content_type
from .paths import request_path
from .respond import Headers, Receive, Send, request_header, send_asset, send_redirect, send_status
from .routing import HTML_HANDLING, NOT_FOUND_HANDLING, HtmlHandling, NotFoundHandling, Redirect, WorkerFirst, not_found_page, resolve
from .store import DirectoryStore, Source, store_for

__all__ = ["Assets", "DEFAULT_CACHE_CONTROL", "HtmlHandling", "NotFoundHandling"]

#: Workers Static Assets' default: any cache may keep a copy but must revalidate it (a cheap 304
#: thanks to the ETag) before each use, so a new deploy is seen at once.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"

CacheControl = Union[str, None, Callable[[str], Optional[str]]]
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


class Assets:
    """Static assets answered before (or instead of) the worker, as Cloudflare's Workers Static
    Assets answer them.

    ``source`` is a directory (listed once, here, leaving out what its ``.assetsignore`` lists;
    files are read when served, large ones streamed) or a mapping of asset names (``"index.html"`` or ``"/index.html"``) to bytes or
    text. Options, with Cloudflare's names and defaults:

    - ``html_handling``: ``"auto-trailing-slash"`` (``/page`` serves ``page.html``,
      ``/folder/`` serves ``folder/index.html``, other spellings get a 307 to those),
      ``"force-trailing-slash"``, ``"drop-trailing-slash"``, or ``"none"`` (exact names only).
    - ``not_found_handling`` for a ``GET``/``HEAD`` that names no asset: ``"none"`` (the worker
      answers; with no worker a 404), ``"single-page-application"`` (``index.html`` with 200 for
      navigations, i.e. ``Sec-Fetch-Mode: navigate``, and for every such request when there is
      no worker), or ``"404-page"`` (with no worker: the nearest ``404.html`` up the path, with
      status 404; with one, the worker answers).
    - ``run_worker_first``: True, or route patterns (``["/api/*", "!/api/docs/*"]``) whose
      requests go to the worker without looking at the assets. There is no ``ASSETS`` binding:
      the worker cannot fetch an asset itself.
    - ``cache_control``: the ``Cache-Control`` of every asset (default
      :data:`DEFAULT_CACHE_CONTROL`), a function of the asset's name returning one (or None),
      or None for none; ``headers``: more headers on every asset answer.

    Every asset carries a strong ``ETag`` (a hash of its bytes): ``If-None-Match`` gets a 304.
    A single byte ``Range`` gets a 206 (multi-range requests get the whole asset). Methods other
    than ``GET`` and ``HEAD`` go to the worker; with no worker they get a 405. A path that could
    name something outside the assets (a parent segment, an encoded slash, a backslash, a NUL,
    an empty segment) names no asset: it goes to the worker, or gets a 404. A symbolic link in
    the directory is served only if it resolves to a file inside it.
    """

    def __init__(
        self,
        source: Source,
        *,
        html_handling: HtmlHandling = "auto-trailing-slash",
        not_found_handling: NotFoundHandling = "none",
        run_worker_first: Union[bool, Sequence[str]] = False,
        cache_control: CacheControl = DEFAULT_CACHE_CONTROL,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        if html_handling not in HTML_HANDLING:
            raise ValueError(f"html_handling must be one of {', '.join(HTML_HANDLING)}, not {html_handling!r}")
        if not_found_handling not in NOT_FOUND_HANDLING:
            raise ValueError(f"not_found_handling must be one of {', '.join(NOT_FOUND_HANDLING)}, not {not_found_handling!r}")
        self._store = store_for(source)
        self._keys = frozenset(self._store.keys())
        self._html_handling: HtmlHandling = html_handling
        self._not_found_handling: NotFoundHandling = not_found_handling
        self._worker_first = WorkerFirst(run_worker_first)
        if isinstance(cache_control, str):
            _checked_value("Cache-Control", cache_control)
        elif cache_control is not None and not callable(cache_control):
            raise TypeError("cache_control: a str, a function of the asset's name, or None")
        self._cache_control = cache_control
        if headers is not None and not isinstance(headers, Mapping):
            raise TypeError(f"headers must be a mapping, not {type(headers).__name__}")
        self._headers = _checked_headers(headers or {})

    def __len__(self) -> int:
        """How many assets there are."""
        return len(self._keys)

    def __contains__(self, name: object) -> bool:
        """Whether there is an asset of this name (``"css/site.css"``)."""
        return isinstance(name, str) and name.removeprefix("/") in self._keys

    async def handle(self, scope: MutableMapping[str, Any], receive: Receive, send: Send, *, has_worker: bool) -> bool:
        """Answers an ASGI ``http`` request from the assets if they should, and says whether they
        did; if not, ``receive`` is untouched and the worker answers. ``has_worker`` is False
        for assets served alone: every request is then answered here."""
        path = _path(scope)
        if has_worker and (path is None or self._worker_first(path) or scope["method"] not in ("GET", "HEAD")):
            return False
        if scope["method"] not in ("GET", "HEAD"):
            await send_status(send, 405, [(b"allow", b"GET, HEAD")])
            return True
        if path is None:
            await send_status(send, 404)
            return True
        match = resolve(path, self._keys, self._html_handling)
        if isinstance(match, Redirect):
            await send_redirect(scope, send, match.path)
            return True
        if match is not None and await self._send(scope, receive, send, match.key, 200):
            return True
        return await self._not_found(scope, receive, send, path, has_worker)

    async def _not_found(self, scope: MutableMapping[str, Any], receive: Receive, send: Send, path: str, has_worker: bool) -> bool:
        page = not_found_page(path, self._keys, self._not_found_handling)
        navigating = request_header(scope, b"sec-fetch-mode") == "navigate"
        if has_worker and (page is None or self._not_found_handling == "404-page" or not navigating):
            return False
        if page is not None and await self._send(scope, receive, send, *page):
            return True
        await send_status(send, 404)
        return True

    async def _send(self, scope: MutableMapping[str, Any], receive: Receive, send: Send, key: str, status: int) -> bool:
        if isinstance(self._store, DirectoryStore):
            opened = await asyncio.get_running_loop().run_in_executor(None, self._store.open, key)
        else:
            opened = self._store.open(key)
        if opened is None:
            return False
        try:
            await send_asset(scope, receive, send, opened, status, self._head(key))
        finally:
            opened.close()
        return True

    def _head(self, key: str) -> Headers:
        head: Headers = [(b"content-type", content_type(key).encode("latin-1"))]
        cache = self._cache_control(key) if callable(self._cache_control) else self._cache_control
        if cache is not None:
            head.append((b"cache-control", _checked_value("Cache-Control", cache)))
        return head + self._headers


def _path(scope: MutableMapping[str, Any]) -> Optional[str]:
    """The decoded path under the app's mount point, or None if it names no asset. The raw path
    is preferred: in ``scope["path"]`` an encoded slash is already a separator."""
    root = scope.get("root_path", "")
    raw = scope.get("raw_path")
    # Raw bytes outside printable ASCII are percent-encoded, so they decode as UTF-8 below.
    path = quote(raw, safe=_PRINTABLE) if raw else scope["path"]
    if root and path.startswith(root):
        path = path[len(root) :]
    elif root and raw:
        return None
    return request_path(path or "/")


def _checked_headers(headers: Mapping[str, str]) -> Headers:
    checked: Headers = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"bad header name {name!r}")
        checked.append((name.lower().encode("latin-1"), _checked_value(name, value)))
    return checked


def _checked_value(name: str, value: str) -> bytes:
    if not isinstance(value, str) or not _VALUE.fullmatch(value):
        raise ValueError(f"bad value for header {name}: {value!r:.100}")
    return value.encode("latin-1")

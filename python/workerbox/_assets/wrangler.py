"""The ``assets`` table of a project's wrangler config (``wrangler.json``, then ``.jsonc``,
then ``.toml``, the precedence :mod:`workerbox.bundler` and wrangler use): where the assets are
and how they are served. The project is the tenant's, so its ``assets.directory`` must stay
inside the project."""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from .routing import HTML_HANDLING, NOT_FOUND_HANDLING

CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")

# Beyond this a wrangler config is not one a person wrote.
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class WranglerAssets:
    """The ``assets`` settings: ``directory`` (absolute, inside the project) and the options
    :class:`~workerbox.asgi.Assets` takes, as given."""

    directory: pathlib.Path
    options: dict[str, Any] = field(default_factory=dict)
    #: Whether the config names a worker (``main``); without one, wrangler serves assets alone.
    has_main: bool = True


def read_assets(project: Union[str, pathlib.Path]) -> Optional[WranglerAssets]:
    """The project's assets settings, or None when it has no wrangler config or no
    ``assets.directory``; ValueError when the config does not parse or is wrong."""
    root = pathlib.Path(project).resolve()
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ValueError(f"{name} is larger than {MAX_CONFIG_BYTES} bytes")
            return _assets(root, name, _parse(name, path.read_bytes()))
    return None


def _parse(name: str, raw: bytes) -> Any:
    loads = _toml_loads() if name.endswith(".toml") else lambda text: json.loads(strip_jsonc(text))
    try:
        return loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ValueError(f"{name} does not parse: {type(e).__name__}: {str(e)[:200]}") from e


def strip_jsonc(text: str) -> str:
    """JSON from JSONC: comments and trailing commas removed, strings untouched. One pass."""
    out: list[str] = []
    comma = False  # a comma seen, kept back until the next token shows it is not trailing
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            end = _string_end(text, i)
            out.append("," if comma else "")
            out.append(text[i:end])
            comma, i = False, end
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline == -1 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close == -1 else close + 2
        elif c == ",":
            if comma:
                out.append(",")
            comma, i = True, i + 1
        elif c.isspace():
            out.append(c)
            i += 1
        else:
            if comma and c not in "}]":
                out.append(",")
            out.append(c)
            comma, i = False, i + 1
    return "".join(out) + ("," if comma else "")


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return len(text)


def _toml_loads() -> Callable[[str], Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef, import-not-found, unused-ignore]
        except ImportError as e:
            raise ValueError("reading wrangler.toml on Python 3.10 needs tomli (pip install 'workerbox[serve]')") from e
    loads: Callable[[str], Any] = tomllib.loads
    return loads


def _assets(root: pathlib.Path, name: str, config: Any) -> Optional[WranglerAssets]:
    table = config.get("assets") if isinstance(config, dict) else None
    # Without a directory (the Vite plugin fills it in at build time) there is nothing to serve.
    if table is None or (isinstance(table, dict) and "directory" not in table):
        return None
    if not isinstance(table, dict) or not isinstance(table.get("directory"), str):
        raise ValueError(f'{name}: "assets" must be a table whose "directory" is a string')
    directory = (root / table["directory"]).resolve()
    if directory != root and root not in directory.parents:
        raise ValueError(f'{name}: assets.directory {table["directory"]!r} leads outside the project')
    options: dict[str, Any] = {}
    for key, allowed in (("html_handling", HTML_HANDLING), ("not_found_handling", NOT_FOUND_HANDLING)):
        if key in table:
            if table[key] not in allowed:
                raise ValueError(f"{name}: assets.{key} must be one of {', '.join(allowed)}")
            options[key] = table[key]
    if "run_worker_first" in table:
        options["run_worker_first"] = table["run_worker_first"]
    return WranglerAssets(directory=directory, options=options, has_main=isinstance(config.get("main"), str))

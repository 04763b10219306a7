"""One playground run: the page's JSON (modules, package.json, limits, allow-list, a call or an
HTTP request) in, a fresh worker loaded, called once and closed, the outcome as JSON out.

Runs on a thread of the server's executor (the Loader's calls block). A worker's console output
is collected from the ``workerbox.console`` logger, which emits on the thread that waits for the
reply, so a context variable set here picks out this run's lines among concurrent runs.
"""

from __future__ import annotations

import base64
import contextvars
import json
import logging
import math
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from .. import bundler
from .._workerbox import (
    BuildError,
    HttpOutbound,
    JSError,
    LimitExceeded,
    Limits,
    Loader,
    Request,
    Response,
    WorkerCode,
    WorkerError,
)

from ._sourcemap import SourceMaps

if TYPE_CHECKING:
    from .._workerbox import TraceRecord

# A run with no wall limit could await a timer forever and hold a server thread.
DEFAULT_WALL_MS = 30_000
# What the page shows of a response body; the rest is cut (the worker's memory bounds it anyway).
MAX_SHOWN_BODY = 1 << 20
_SOURCE_SUFFIXES = (".js", ".mjs", ".ts", ".mts", ".cjs")
# "file.ts:12:5" inside a stack line, for the page to link back to the editor.
_POSITION = re.compile(r"([\w./@-]+\.(?:[mc]?js|m?ts)):(\d+):(\d+)")

_logs: contextvars.ContextVar[Optional[list[dict[str, str]]]] = contextvars.ContextVar("workerbox_playground_logs", default=None)


class SpecError(ValueError):
    """The page sent something that is not a run: the server answers 400 with this message."""


class _Collect(logging.Handler):
    """Hands each console line to the run that is waiting on this thread, if any."""

    def emit(self, record: logging.LogRecord) -> None:
        lines = _logs.get()
        if lines is not None:
            lines.append({"level": str(getattr(record, "js_level", record.levelname.lower())), "message": record.getMessage()})


def install_log_collector() -> None:
    """Routes ``workerbox.console`` to the runs (once per process; debug lines included)."""
    console = logging.getLogger("workerbox.console")
    if not any(isinstance(h, _Collect) for h in console.handlers):
        console.addHandler(_Collect())
        console.setLevel(logging.DEBUG)


def run(loader: Loader, spec: Any) -> dict[str, Any]:
    """Builds, loads and calls the worker ``spec`` describes; every failure is in the answer."""
    if not isinstance(spec, Mapping):
        raise SpecError("the run must be a JSON object")
    files = _files(spec.get("files"))
    action = _action(spec)
    lines: list[dict[str, str]] = []
    token = _logs.set(lines)
    outcome: dict[str, Any] = {"logs": lines}
    try:
        outcome.update(_build_load_call(loader, spec, files, action))
    finally:
        _logs.reset(token)
    return outcome


def _build_load_call(loader: Loader, spec: Mapping[str, Any], files: dict[str, str], action: dict[str, Any]) -> dict[str, Any]:
    traces: list["TraceRecord"] = []
    phase = "build"
    out: dict[str, Any] = {}
    maps: Optional[SourceMaps] = None
    try:
        code, out["build"] = _code(spec, files, traces.append)
        maps = SourceMaps(code.modules, files) if out["build"] else None
        phase = "load"
        started = time.perf_counter()
        worker = loader.load(code)
        out["load_ms"] = (time.perf_counter() - started) * 1000
        phase = "call"
        with worker:
            out["result"] = _call(worker.get_entrypoint(action.get("entrypoint")), action)
        out["ok"] = True
    except (WorkerError, ValueError, TypeError) as error:
        out.update(ok=False, error=_error(error, phase, maps))
    if traces:
        out.update(cpu_ms=traces[-1]["cpu_ms"], wall_ms=traces[-1]["wall_ms"])
    return out


def _files(files: Any) -> dict[str, str]:
    if not isinstance(files, Mapping) or not files:
        raise SpecError("files must be an object of name -> source")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise SpecError("each file's name and source must be strings")
    return dict(files)


def _action(spec: Mapping[str, Any]) -> dict[str, Any]:
    call, fetch = spec.get("call"), spec.get("fetch")
    if (call is None) == (fetch is None):
        raise SpecError("give exactly one of call or fetch")
    action = call if call is not None else fetch
    if not isinstance(action, Mapping):
        raise SpecError("call and fetch are objects")
    return {**action, "kind": "call" if call is not None else "fetch"}


def _code(spec: Mapping[str, Any], files: dict[str, str], on_trace: Any) -> tuple[WorkerCode, Optional[dict[str, Any]]]:
    limits = _limits(spec.get("limits"))
    allow = spec.get("allow") or []
    if not isinstance(allow, list) or not all(isinstance(h, str) for h in allow):
        raise SpecError("allow must be a list of host patterns")
    outbound = HttpOutbound(allow) if allow else None
    flags = spec.get("compatibility_flags") or []
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise SpecError("compatibility_flags must be a list of strings")
    main = spec.get("main")
    if not isinstance(main, str) or main not in files:
        raise SpecError("main must name one of the files")
    if _dependencies(files):
        # npm packages need the bundler; its source maps take errors back to the project's lines.
        built = bundler.build(files, entry_point=main, sourcemap=True)
        flags = sorted(set(flags) | set(built.code.compatibility_flags))
        code = WorkerCode(built.code.main_module, built.code.modules, global_outbound=outbound, limits=limits, compatibility_flags=flags, on_trace=on_trace)
        return code, {"bundled": True, "warnings": built.warnings, "timings": built.timings, "lock": built.lock}
    modules = {name: source for name, source in files.items() if name.endswith(_SOURCE_SUFFIXES)}
    return WorkerCode(main, modules, global_outbound=outbound, limits=limits, compatibility_flags=flags, on_trace=on_trace), None


def _dependencies(files: Mapping[str, str]) -> bool:
    text = files.get("package.json")
    if not text or not text.strip():
        return False
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"package.json is not JSON: {e}") from e
    return isinstance(manifest, dict) and bool(manifest.get("dependencies"))


def _limits(raw: Any) -> Limits:
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise SpecError("limits must be an object")
    values: dict[str, Optional[float]] = {}
    for name in ("cpu_ms", "memory_mb", "wall_ms"):
        value = raw.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise SpecError(f"limits.{name} must be a number")
        values[name] = value
    if values["wall_ms"] is None:
        values["wall_ms"] = DEFAULT_WALL_MS
    return Limits(**values)


def _call(entrypoint: Any, action: Mapping[str, Any]) -> Any:
    if action["kind"] == "call":
        method, args = action.get("method"), action.get("args", [])
        if not isinstance(method, str) or not method:
            raise SpecError("call.method must be a method name")
        if not isinstance(args, list):
            raise SpecError("call.args must be a JSON array")
        return _jsonable(getattr(entrypoint, method)(*args))
    return _response(entrypoint.fetch(_request(action)))


def _request(action: Mapping[str, Any]) -> Request:
    method, path = action.get("method", "GET"), action.get("path", "/")
    headers, body = action.get("headers") or [], action.get("body")
    if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
        raise SpecError("fetch.method is a string and fetch.path starts with /")
    if not isinstance(headers, list) or not all(isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers):
        raise SpecError("fetch.headers must be a list of [name, value] pairs")
    if body is not None and not isinstance(body, str):
        raise SpecError("fetch.body must be a string")
    return Request("http://worker.local" + path, method=method, headers=[(k, v) for k, v in headers], body=body or None)


def _response(response: Response) -> dict[str, Any]:
    body = response.body
    shown = body[:MAX_SHOWN_BODY]
    try:
        text, encoding = shown.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(shown).decode("ascii"), "base64"
    return {
        "status": response.status,
        "status_text": response.status_text,
        "headers": [list(pair) for pair in response.header_list],
        "body": text,
        "encoding": encoding,
        "truncated": len(body) > len(shown),
    }


def _jsonable(value: Any) -> Any:
    """A call's result as JSON: bytes as base64, datetimes as ISO text, NaN and infinities as
    text."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else repr(value)


def _error(error: BaseException, phase: str, maps: Optional[SourceMaps]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(error).__name__, "message": str(error), "phase": phase}
    if isinstance(error, JSError):
        stack = maps.rewrite(error.stack) if maps and error.stack else error.stack
        out.update(name=error.name, message=error.message, stack=stack, positions=_positions(stack or ""))
    elif isinstance(error, BuildError):
        out.update(kind=error.kind, positions=[{"file": error.file, "line": error.line, "column": error.column}] if error.file and error.line else [])
    elif isinstance(error, LimitExceeded):
        out.update(kind=error.kind, limit=error.limit, used=error.used)
    elif isinstance(error, SpecError):
        out["type"] = "BadRequest"
    return out


def _positions(stack: str) -> list[dict[str, Any]]:
    return [{"file": m[1], "line": int(m[2]), "column": int(m[3])} for m in _POSITION.finditer(stack)]

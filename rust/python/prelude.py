"""workerbox's side of a Python worker, inside Pyodide (the module `_workerbox`).

Imported once per process, when the baseline is made, so every sandbox restores it (and what
it imports) instead of running it; it holds no JavaScript objects, which a snapshot cannot
keep. After a restore the bridge calls `start` with the tenant's files, then `call` per call.
Only the guest's own sandbox trusts anything here: limits are the engine's.
"""

import asyncio
import collections
import dataclasses
import datetime
import inspect
import json
import os
import posixpath
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import types
import typing

from pyodide.ffi import JsProxy, can_run_sync, run_sync, to_js

APP = "/app"

_main = None
_entrypoint = None
_classes = {}
_busy_sleep = time.sleep


class WorkerEntrypoint:
    """Base of a class whose methods a worker serves; made per call with `ctx` and `env`."""

    def __init__(self, ctx, env):
        self.ctx = ctx
        self.env = env


class Request:
    """The request a fetch handler gets: `on_fetch(request, env)` at the top of the main module,
    or `fetch(self, request)` on an entrypoint class. `headers` maps lowercase names to values
    (repeated headers joined with ", "); `body` is bytes, or None without one."""

    def __init__(self, url, method, headers, body):
        self.url = url
        self.method = method
        self.headers = dict(headers)
        self.body = body

    async def bytes(self):
        return self.body or b""

    async def text(self):
        return (self.body or b"").decode()

    async def json(self):
        return json.loads(await self.text())

    def __repr__(self):
        return f"<Request {self.method} {self.url}>"


class Response:
    """What a fetch handler returns. `body`: str (sent as UTF-8), bytes or None; `headers`: a
    dict or a list of (name, value) pairs."""

    def __init__(self, body=None, status=200, headers=None):
        if not isinstance(body, (str, bytes, bytearray, memoryview, type(None))):
            raise TypeError(f"Response body must be str, bytes or None, not {type(body).__name__}")
        self.body = body
        self.status = status
        self.headers = list(headers.items() if isinstance(headers, dict) else headers or [])

    @classmethod
    def json(cls, data, status=200, headers=None):
        merged = {"content-type": "application/json", **dict(headers or {})}
        return cls(json.dumps(data), status, merged)

    def __repr__(self):
        return f"<Response {self.status}>"


workers = types.ModuleType("workers", "What Cloudflare's Python Workers call `workers`.")
workers.WorkerEntrypoint = WorkerEntrypoint
workers.Request = Request
workers.Response = Response
sys.modules["workers"] = workers


def _py(value):
    return value.to_py() if isinstance(value, JsProxy) else value


_from_entries = None
_own_keys = None


def _js(value):
    return to_js(value, dict_converter=_from_entries, create_pyproxies=False)


class _Binding:
    """A host function: called from plain code it blocks until the host answers (JSPI);
    called from a coroutine, it is awaited."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, *args):
        promise = self._fn(*[_js(a) for a in args])
        caller = sys._getframe(1).f_code
        if caller.co_flags & inspect.CO_COROUTINE or not can_run_sync():
            return _settled(promise)
        return _wrap(run_sync(promise))

    def sync(self, *args):
        return _wrap(run_sync(self._fn(*[_js(a) for a in args])))

    async def aio(self, *args):
        return _wrap(await self._fn(*[_js(a) for a in args]))


async def _settled(promise):
    return _wrap(await promise)


class Env:
    """`env` for Python: bindings as attributes; host functions and objects callable."""

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _wrap(getattr(self._target, name))

    def __repr__(self):
        return "<workerbox env>"


def _wrap(value):
    if not isinstance(value, JsProxy):
        return value
    if callable(value):
        return _Binding(value)
    # A host object (an RpcTarget's stub) has its methods as own properties; data has none.
    if value.typeof == "object" and any(callable(getattr(value, k, None)) for k in _own_keys(value)):
        return Env(value)
    return value.to_py()


def _reseed():
    # Every sandbox restores the same memory: without this they would share random's state.
    random.seed()
    tempfile._name_sequence = None


def _sleep(seconds):
    """time.sleep on a real timer while a call can suspend (JSPI), not a busy wait."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if _timer is not None and can_run_sync():
        run_sync(_timer(seconds * 1000))
    else:
        _busy_sleep(seconds)


_timer = None


def _path(name, root):
    path = posixpath.normpath(posixpath.join(root, name))
    if not path.startswith(root + "/"):
        raise ValueError(f"module name {name!r} points outside the worker's files")
    return path


def _write(files, root):
    for name, content in files.items():
        path = _path(name, root)
        os.makedirs(posixpath.dirname(path), exist_ok=True)
        if isinstance(content, dict):
            content = json.dumps(content["json"])
        with open(path, "wb" if isinstance(content, (bytes, bytearray, memoryview)) else "w") as f:
            f.write(content)


def _module_name(main, root):
    path = _path(main if main.endswith(".py") else main + ".py", root)
    return posixpath.relpath(path, root)[:-3].replace("/", ".")


def _entrypoint_classes(module):
    """The module's WorkerEntrypoint subclasses by name, and the default one: `Default`, else
    the only one."""
    classes = {
        v.__name__: v
        for v in vars(module).values()
        if inspect.isclass(v) and issubclass(v, WorkerEntrypoint) and v is not WorkerEntrypoint
    }
    default = classes.get("Default") or (next(iter(classes.values())) if len(classes) == 1 else None)
    return classes, default


def _class_methods(cls):
    names = []
    for klass in cls.__mro__:
        if klass is WorkerEntrypoint or klass is object:
            break
        names += [n for n, v in vars(klass).items() if not n.startswith("_") and callable(v) and n not in names]
    return names


def _methods(module, cls):
    names = [
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and inspect.isfunction(v) and v.__module__ == module.__name__
    ]
    return names + (_class_methods(cls) if cls is not None else [])


def start(app, timer):
    """Reseeds, writes the tenant's files under /app and imports the main module."""
    global _main, _entrypoint, _classes, _timer
    _take_js_functions()
    _reseed()
    _timer = timer
    time.sleep = _sleep
    try:
        _main = _import_app(app, APP)
        _classes, _entrypoint = _entrypoint_classes(_main)
        classes = {name: _class_methods(cls) for name, cls in _classes.items()}
        return _js({"methods": _methods(_main, _entrypoint), "classes": classes})
    except BaseException as e:
        return _js({"error": _error(e)})


def _take_js_functions():
    global _from_entries, _own_keys
    import js

    # Taken before the guest runs: replacing js.Object's functions later changes nothing here.
    _from_entries = js.Object.fromEntries
    _own_keys = js.Object.keys


def _import_app(app, root):
    """Writes the files of `app` ({main, files}, from JavaScript) under `root` and imports its
    main module."""
    app = app.to_py()
    files = {name: (bytes(v) if isinstance(v, memoryview) else v) for name, v in app["files"].items()}
    main = app["main"]
    if not main.endswith(".py"):
        files[main + ".py"] = files.pop(main)
    _write(files, root)
    if root not in sys.path:
        sys.path.insert(0, root)
    return __import__(_module_name(main, root), fromlist=["*"])


_WARM_ROOT = "/workerbox/warm"


def warm(app):
    """What `start` runs, on a throwaway `app` under its own root, so the bridge can also run a
    call once in a pooled isolate before any tenant is chosen: Pyodide compiles its JavaScript
    glue on first use, and a tenant would pay for that in its first milliseconds. `forget`
    undoes it."""
    global _main
    _take_js_functions()
    _reseed()
    _main = _import_app(app, _WARM_ROOT)
    return _js({"methods": _methods(_main, None), "classes": {}})


def forget():
    """Drops what `warm` left: the module, its files, its import path, the taken functions."""
    global _main, _from_entries, _own_keys
    sys.modules.pop(_main.__name__, None)
    _main = _from_entries = _own_keys = None
    sys.path.remove(_WARM_ROOT)
    sys.path_importer_cache.pop(_WARM_ROOT, None)
    shutil.rmtree(_WARM_ROOT)


def _guest_traceback(e):
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(APP + "/")]
    for f in frames:
        f.filename = f.filename[len(APP) + 1 :]
    return "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(e))


def _error(e):
    return {"type": type(e).__name__, "message": str(e), "traceback": _guest_traceback(e)}


async def fetch(entrypoint, wire, env, ctx):
    """Runs the fetch handler of the default entrypoint (`entrypoint` None: the main module's
    `on_fetch`, else its class's `fetch`) or of the class named `entrypoint`, with the request
    `wire` ({url, method, headers, body}); `{ok: {status, headers, body}}` or `{error: ...}`."""
    try:
        env = Env(env)
        if entrypoint is not None:
            fn = _classes[entrypoint](ctx, env).fetch
        elif "on_fetch" in vars(_main):
            fn = _main.on_fetch
        else:
            fn = _entrypoint(ctx, env).fetch
        wire = _py(wire)
        body = wire["body"]
        request = Request(wire["url"], wire["method"], wire["headers"], None if body is None else bytes(body))
        result = fn(request, **_extra(fn, env, ctx))
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, Response):
            raise TypeError(f"the fetch handler must return a workers.Response, not {type(result).__name__}")
        body = bytes(result.body) if isinstance(result.body, (bytearray, memoryview)) else result.body
        return _js({"ok": {"status": result.status, "headers": result.headers, "body": body}})
    except BaseException as e:
        return _js({"error": _error(e)})


def _extra(fn, env, ctx):
    """`env` and `ctx` for a handler whose parameters name them."""
    params = inspect.signature(fn).parameters
    return {k: v for k, v in (("env", env), ("ctx", ctx)) if k in params}


async def call(entrypoint, name, args, env, ctx):
    """Runs method `name` of the default entrypoint (`entrypoint` None) or of the class named
    `entrypoint`; `{ok: value}` or `{error: {type, message, traceback}}`."""
    try:
        env = Env(env)
        if entrypoint is not None:
            fn = getattr(_classes[entrypoint](ctx, env), name)
        elif name in vars(_main):
            fn = getattr(_main, name)
        else:
            fn = getattr(_entrypoint(ctx, env), name)
        args = [_py(a) for a in args]
        result = fn(*args, **_extra(fn, env, ctx))
        if inspect.isawaitable(result):
            result = await result
        return _js({"ok": result})
    except BaseException as e:
        return _js({"error": _error(e)})

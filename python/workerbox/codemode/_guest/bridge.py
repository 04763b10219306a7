"""The sandbox's side of a Python plan: each namespace becomes an object whose functions send
their arguments to the host's dispatcher, then the plan runs in globals holding them.

A tool function called from plain code blocks until the host answers; called from a coroutine
(``async def``), it returns an awaitable, so ``asyncio.gather`` runs calls side by side. What
the host says went wrong arrives as `ToolError`. The plan's outcome goes back as
``[value, None]`` or ``[None, error]``, the error a traceback of the plan's own lines, written
for the model."""

from __future__ import annotations

import builtins
import importlib.util
import inspect
import os
import sys
import traceback
import types
from typing import Any, Callable, Optional

from .plan import ENTRY, compile_plan

PLAN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plan.py")
SHOWN_AS = "plan.py"


class ToolError(Exception):
    """A tool call was refused (bad arguments, rejected approval) or the tool failed."""


ToolError.__module__ = "builtins"  # the plan's traceback names it as the plan does: ToolError


class Namespace:
    """One provider's tools, as attributes."""

    def __init__(self, name: str, tools: dict[str, Callable[..., Any]]) -> None:
        self._name = name
        self._tools = tools

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        tools = self.__dict__.get("_tools", {})
        if attr not in tools:
            raise AttributeError(f"{self._name}.{attr} does not exist; available: {', '.join(sorted(tools))}")
        function: Callable[..., Any] = tools[attr]
        return function

    def __dir__(self) -> list[str]:
        return sorted(self._tools)

    def __repr__(self) -> str:
        return f"<namespace {self._name}: {', '.join(self._tools)}>"


def _host_error(e: Exception) -> Exception:
    """A host error (a JsException carrying the host's name and message) as a ToolError."""
    name, message = getattr(e, "name", None), getattr(e, "message", None)
    if type(e).__name__ != "JsException" or not isinstance(name, str):
        return e
    return ToolError(message if name == "ToolError" else f"{name}: {message}")


# Frames that run inside the code that wrote them: a call in `gather(*(f(x) for x in xs))` is
# the coroutine's own.
_INLINE = frozenset({"<genexpr>", "<listcomp>", "<setcomp>", "<dictcomp>", "<lambda>"})


def _in_coroutine(frame: Optional[types.FrameType]) -> bool:
    """Whether the tool was called from `async def` code (so it should return an awaitable)."""
    while frame is not None and frame.f_code.co_name in _INLINE:
        frame = frame.f_back
    return frame is not None and bool(frame.f_code.co_flags & inspect.CO_COROUTINE)


def _tool(dispatch: Any, space: str, name: str, params: list[list[str]], positional: bool) -> Callable[..., Any]:
    """The plan's function for one tool: Python arguments (positional ones in schema order)
    become what the dispatcher takes, named by the schema's own property names."""
    names = [py for py, _ in params]
    prop = dict((py, p) for py, p in params)
    path = f"{space}.{name}"

    def sent(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if len(args) > len(names):
            raise TypeError(f"{path}() takes at most {len(names)} positional argument(s) ({', '.join(names)}), got {len(args)}")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in given:
                raise TypeError(f"{path}() got multiple values for argument {key!r}")
            given[key] = value
        named = {prop.get(k, k): v for k, v in given.items()}
        if not positional:
            return named
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise TypeError(f"{path}() got unexpected argument(s) {', '.join(unknown)}; it takes {', '.join(names)}")
        used = [i for i, (py, _) in enumerate(params) if py in given]
        return [named.get(p) for _, p in params[: (max(used) + 1 if used else 0)]]

    async def awaited(message: Any) -> Any:
        try:
            return await dispatch.call.aio(space, name, message)
        except Exception as e:
            raise _host_error(e) from None

    def call(*args: Any, **kwargs: Any) -> Any:
        message = sent(args, kwargs)
        if _in_coroutine(sys._getframe(1)):
            return awaited(message)
        try:
            return dispatch.call.sync(space, name, message)
        except Exception as e:
            raise _host_error(e) from None

    call.__name__ = call.__qualname__ = name
    return call


def _globals(spec: list[Any], env: Any) -> dict[str, Any]:
    """The plan's globals: its namespaces and ToolError. A namespace is importable too
    (``import codemode``), unless it would hide a real module."""
    scope: dict[str, Any] = {"__name__": "plan", "__file__": PLAN, "__builtins__": builtins, "ToolError": ToolError}
    dispatch = env.dispatch
    for py_space, space, tools in spec:
        functions = {py: _tool(dispatch, space, name, params, positional) for py, name, positional, params in tools}
        namespace = Namespace(py_space, functions)
        scope[py_space] = namespace
        if py_space not in sys.modules and importlib.util.find_spec(py_space) is None:
            module = types.ModuleType(py_space)
            module.__dict__.update(functions)
            sys.modules[py_space] = module
    return scope


def _report(e: BaseException) -> str:
    """The error as Python prints it, with the plan's frames alone."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == PLAN]
    for f in frames:
        f.filename = SHOWN_AS
        if f.name == ENTRY:
            f.name = "<module>"
    if isinstance(e, SyntaxError) and e.filename == PLAN:
        e.filename = SHOWN_AS
    head = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) if frames else ""
    return head + "".join(traceback.format_exception_only(type(e), e))


_DATA = (type(None), bool, int, float, str, bytes, bytearray)


def _data(value: Any, depth: int = 0) -> Any:
    """The plan's result as data the host can receive: tuples and sets become lists."""
    if isinstance(value, _DATA) or depth > 100:
        return value
    if isinstance(value, dict):
        return {k: _data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_data(v, depth + 1) for v in value]
    raise TypeError(f"the plan's result holds a value of type {type(value).__name__}; return data (dict, list, str, number, bool, None)")


async def run(spec: list[Any], env: Any) -> list[Any]:
    """Runs the plan; ``[value, None]`` or ``[None, error]``."""
    try:
        with open(PLAN, encoding="utf-8") as f:
            plan = compile_plan(f.read(), PLAN)
        scope = _globals(spec, env)
        exec(plan.code, scope)
        result = scope[plan.entry]()
        if inspect.isawaitable(result):
            result = await result
        return [_data(result), None]
    except BaseException as e:  # sys.exit() too: the plan ends, and the model reads why
        return [None, _report(e)]

"""The plan's one way to the tools: namespaces as ToolAPI holds them, and the host object the
sandbox calls, which names, validates, approves and runs each call and records it."""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Awaitable, Mapping
from typing import Any, Optional

from .._workerbox import RpcTarget
from . import _schema
from .approvals import Execution, PendingCall, Registry, needs_approval, new_id
from .results import ToolCall
from .tools import Provider, Tool, ToolError, is_js_identifier

# Globals of the runtime a namespace may not shadow: the plan (and the tools' own TypeScript)
# would lose them.
_RUNTIME_GLOBALS = frozenset(
    "globalThis console fetch crypto Request Response Headers URL URLSearchParams TextEncoder TextDecoder "
    "setTimeout clearTimeout setInterval clearInterval queueMicrotask structuredClone atob btoa "
    "AbortController AbortSignal Event EventTarget WebAssembly Object Array Promise JSON Math Date Error "
    "Symbol Map Set String Number Boolean BigInt Reflect Proxy".split()
)


@dataclasses.dataclass
class _Space:
    """One namespace as ToolAPI holds it."""

    provider: Provider
    tools: dict[str, Tool]


def _space(provider: Provider) -> _Space:
    name = provider.name
    if not is_js_identifier(name) or name in _RUNTIME_GLOBALS:
        raise ValueError(f"namespace {name!r} must be a JavaScript identifier that is not a global of the runtime")
    tools: dict[str, Tool] = {}
    for item in provider.tools:
        tool = item if isinstance(item, Tool) else _schema.describe(item, name)
        if tool.name in tools:
            raise ValueError(f"namespace {name!r} has two tools named {tool.name!r}")
        if provider.positional_args and not tool.order:
            raise ValueError(f"{name}.{tool.name}: positional arguments need the tool's parameter order")
        tools[tool.name] = tool
    return _Space(provider, tools)


class _Dispatcher(RpcTarget):
    """The one host object the plan sees: routes `<namespace>.<tool>(...)` to a validated tool."""

    def __init__(
        self,
        spaces: Mapping[str, _Space],
        calls: list[ToolCall],
        execution: Optional[Execution] = None,
        registry: Optional[Registry] = None,
    ) -> None:
        self._spaces = spaces
        self._calls = calls
        self._execution = execution
        self._registry = registry

    def call(self, namespace: str, name: str, args: Any) -> Any:
        """Runs the call; returns a coroutine only when something must be awaited (an async
        tool, an approval), so a sync tool's answer goes straight back, with no event loop."""
        space = self._spaces.get(namespace)
        tool = space.tools.get(name) if space else None
        if space is None or tool is None:
            known = ", ".join(sorted(space.tools)) if space else ""
            raise ToolError(f"{namespace}.{name} does not exist; available: {known}")
        args = _named(space, tool, args)
        record = ToolCall(name, dict(args), 0.0, namespace=namespace)
        self._calls.append(record)
        start = time.perf_counter()
        try:
            checked = tool.validate(args) if tool.validate else args
            if self._execution is not None and needs_approval(space.provider.requires_approval, name, checked):
                call = PendingCall(new_id("c"), self._execution.id, namespace, name, checked)
                return self._approved(record, call, tool)
            result = tool.call(checked)
            if inspect.isawaitable(result):
                return self._awaited(record, start, result)
        except Exception as e:
            record.error = f"{type(e).__name__}: {e}"
            raise
        finally:
            record.duration_s = time.perf_counter() - start
        return result

    async def _awaited(self, record: ToolCall, start: float, result: Awaitable[Any]) -> Any:
        try:
            return await result
        except Exception as e:
            record.error = f"{type(e).__name__}: {e}"
            raise
        finally:
            record.duration_s = time.perf_counter() - start

    async def _approved(self, record: ToolCall, call: PendingCall, tool: Tool) -> Any:
        assert self._execution is not None and self._registry is not None
        start = time.perf_counter()
        try:
            self._registry.admit_pause(self._execution)
            await self._execution.ask(call)
            start = time.perf_counter()  # the wait for a person is not the tool's time
            result = tool.call(dict(call.args))
            return await result if inspect.isawaitable(result) else result
        except Exception as e:
            record.error = f"{type(e).__name__}: {e}"
            raise
        finally:
            record.duration_s = time.perf_counter() - start


def _named(space: _Space, tool: Tool, args: Any) -> dict[str, Any]:
    """The call's arguments as one object of named arguments."""
    path = f"{space.provider.name}.{tool.name}"
    if space.provider.positional_args:
        if not isinstance(args, list):
            raise ToolError(f"{path} takes positional arguments")
        if len(args) > len(tool.order):
            raise ToolError(f"{path} takes at most {len(tool.order)} argument(s) ({', '.join(tool.order)}), got {len(args)}")
        return {k: v for k, v in zip(tool.order, args) if v is not None or k in _required(tool)}
    if not isinstance(args, dict):
        raise ToolError(f"{path} takes one object of named arguments, e.g. {path}({{ ... }})")
    return args


def _required(tool: Tool) -> set[str]:
    return set(tool.parameters.get("required") or [])

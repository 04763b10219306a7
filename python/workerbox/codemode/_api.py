"""ToolAPI: the tools described to the model, its plan run in a fresh sandbox.

    api = ToolAPI([search, fetch_page])
    prompt = api.typescript()          # the declarations the model is shown
    result = api.run(model_code)       # never raises for a failing plan
    result.value, result.logs, result.calls, result.error

Tools are plain Python callables with type hints; each takes one object of named arguments in
the sandbox (``await codemode.search({ query: "cats" })``), validated against the signature
before Python runs. Dataclasses, TypedDicts and pydantic models (if installed) describe
structured arguments and results.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import time
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Literal, Optional, Union

from .._workerbox import AsyncLoader, JSError, Limits, Loader, RpcTarget, WorkerCode, WorkerError
from .tools import ToolError

__all__ = ["RunResult", "ToolAPI", "ToolCall"]

PLAN_MODULE = "plan.ts"

# The worker's entry: binds `codemode` as a global whose methods forward one argument object
# to the host's dispatcher, then runs the model's default export. A rejected tool call's error
# is born in the host with no JS frames, so it gets the stack of the plan's call site: the
# position the model needs to fix its call.
MAIN = """import plan from './plan.ts'
export default {
  async run(names: string[], env: any) {
    const tools: Record<string, (args?: object) => Promise<unknown>> = {}
    for (const name of names) {
      const call = (args = {}) => {
        const site: { stack?: string } = {}
        Error.captureStackTrace(site, call)
        return env.dispatch.call(name, args).catch((e: unknown) => {
          if (e instanceof Error) e.stack = `${e.name}: ${e.message}\\n${site.stack!.split('\\n').slice(1).join('\\n')}`
          throw e
        })
      }
      tools[name] = call
    }
    Object.defineProperty(globalThis, 'codemode', { value: Object.freeze(tools) })
    return await plan()
  },
}
"""


@dataclasses.dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    duration_s: float
    error: Optional[str] = None


@dataclasses.dataclass
class RunResult:
    value: Any = None
    logs: list[str] = dataclasses.field(default_factory=list)
    calls: list[ToolCall] = dataclasses.field(default_factory=list)
    error: Optional[str] = None
    """None, or what went wrong, written for the model: the TypeScript position, no traceback."""

    def for_model(self) -> str:
        """The result as text to hand back to the model."""
        parts = [f"error: {self.error}" if self.error else f"result: {json.dumps(self.value, default=str)}"]
        if self.logs:
            parts.append("console:\n" + "\n".join(self.logs))
        return "\n".join(parts)


@dataclasses.dataclass
class _Param:
    name: str
    annotation: Any
    required: bool


@dataclasses.dataclass
class _Tool:
    name: str
    fn: Callable[..., Any]
    doc: str
    params: list[_Param]
    returns: Any


def _describe(fn: Callable[..., Any]) -> _Tool:
    name = getattr(fn, "__name__", None)
    if not name or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"tool {fn!r} needs a public function name")
    hints = typing.get_type_hints(fn, include_extras=False)
    params = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ValueError(f"tool {name}: *args and **kwargs cannot be described to a model")
        params.append(_Param(p.name, hints.get(p.name, Any), p.default is inspect.Parameter.empty))
    doc = inspect.getdoc(fn) or ""
    return _Tool(name, fn, doc.split("\n\n")[0].strip(), params, hints.get("return", Any))


def _is_typeddict(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, dict) and hasattr(t, "__total__")


def _is_pydantic(t: Any) -> bool:
    return isinstance(t, type) and hasattr(t, "model_json_schema") and hasattr(t, "model_validate")


def _fields(t: Any) -> list[tuple[str, Any, bool]]:
    """(name, type, required) of a structured type."""
    if dataclasses.is_dataclass(t):
        hints = typing.get_type_hints(t)
        return [
            (f.name, hints.get(f.name, Any), f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(t)
        ]
    if _is_typeddict(t):
        hints = typing.get_type_hints(t)
        required = getattr(t, "__required_keys__", set(hints))
        return [(k, v, k in required) for k, v in hints.items()]
    if _is_pydantic(t):
        return [(k, f.annotation, f.is_required()) for k, f in t.model_fields.items()]
    raise TypeError(f"{t!r} is not a structured type")


def _structured(t: Any) -> bool:
    return dataclasses.is_dataclass(t) or _is_typeddict(t) or _is_pydantic(t)


class _Types:
    """TypeScript and JSON Schema for Python annotations, collecting named interfaces."""

    def __init__(self) -> None:
        self.interfaces: dict[str, str] = {}

    def ts(self, t: Any) -> str:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if t is Any or t is object:
            return "unknown"
        if t is None or t is type(None):
            return "null"
        if t is bool:
            return "boolean"
        if t in (int, float):
            return "number"
        if t is str:
            return "string"
        if t is bytes:
            return "Uint8Array"
        if origin is Literal:
            return " | ".join(json.dumps(a) for a in args)
        if origin in (Union, types.UnionType):
            return " | ".join(self.ts(a) for a in args)
        if origin in (list, Sequence, tuple, set, frozenset) or t in (list, tuple):
            inner = args[0] if args else Any
            return f"{self._wrap(self.ts(inner))}[]"
        if origin in (dict, Mapping) or t is dict:
            value = args[1] if len(args) == 2 else Any
            return f"Record<string, {self.ts(value)}>"
        if _structured(t):
            if t.__name__ not in self.interfaces:
                self.interfaces[t.__name__] = ""
                body = "; ".join(f"{n}{'' if req else '?'}: {self.ts(ft)}" for n, ft, req in _fields(t))
                doc = (inspect.getdoc(t) or "").split("\n\n")[0].strip()
                comment = f"/** {doc} */\n" if doc and not doc.startswith(t.__name__ + "(") else ""
                self.interfaces[t.__name__] = f"{comment}interface {t.__name__} {{ {body} }}"
            return str(t.__name__)
        return "unknown"

    @staticmethod
    def _wrap(ts: str) -> str:
        return f"({ts})" if "|" in ts else ts

    def schema(self, t: Any) -> dict[str, Any]:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if t is Any or t is object:
            return {}
        if t is None or t is type(None):
            return {"type": "null"}
        simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
        if t in simple:
            return {"type": simple[t]}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin in (list, Sequence, tuple, set, frozenset) or t in (list, tuple):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin in (dict, Mapping) or t is dict:
            return {"type": "object", "additionalProperties": self.schema(args[1]) if len(args) == 2 else {}}
        if _structured(t):
            fields = _fields(t)
            return {
                "type": "object",
                "properties": {n: self.schema(ft) for n, ft, _ in fields},
                "required": [n for n, _, req in fields if req],
            }
        return {}


def _check(value: Any, t: Any, path: str) -> Any:
    """`value` (from JSON-like JS data) as type `t`, or ToolError saying where it went wrong."""
    origin, args = typing.get_origin(t), typing.get_args(t)

    def bad(expected: str) -> ToolError:
        got = "null" if value is None else type(value).__name__
        return ToolError(f"{path}: expected {expected}, got {got} {json.dumps(value, default=str)[:60]}")

    if t is Any or t is object:
        return value
    if t is None or t is type(None):
        if value is not None:
            raise bad("null")
        return None
    if t is bool:
        if not isinstance(value, bool):
            raise bad("boolean")
        return value
    if t is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("integer")
        return value
    if t is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("number")
        return float(value)
    if t is str:
        if not isinstance(value, str):
            raise bad("string")
        return value
    if origin is Literal:
        if value not in args:
            raise bad(" | ".join(json.dumps(a) for a in args))
        return value
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return _check(value, option, path)
            except ToolError:
                continue
        raise bad(_Types().ts(t))
    if origin in (list, Sequence, tuple, set, frozenset) or t in (list, tuple):
        if not isinstance(value, list):
            raise bad("array")
        items = [_check(v, args[0] if args else Any, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple or t is tuple else items
    if origin in (dict, Mapping) or t is dict:
        if not isinstance(value, dict):
            raise bad("object")
        inner = args[1] if len(args) == 2 else Any
        return {k: _check(v, inner, f"{path}.{k}") for k, v in value.items()}
    if _structured(t):
        if not isinstance(value, dict):
            raise bad(f"object ({t.__name__})")
        fields = _fields(t)
        known = {n for n, _, _ in fields}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ToolError(f"{path}: unknown field(s) {', '.join(unknown)}; {t.__name__} has {', '.join(sorted(known))}")
        checked = {}
        for name, ft, required in fields:
            if name in value:
                checked[name] = _check(value[name], ft, f"{path}.{name}")
            elif required:
                raise ToolError(f"{path}: missing required field {name!r} of {t.__name__}")
        if _is_pydantic(t):
            return t.model_validate(checked)
        if dataclasses.is_dataclass(t) and isinstance(t, type):
            return t(**checked)
        return checked
    return value


def _plain(value: Any) -> Any:
    """Tool results as values the sandbox can receive."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if _is_pydantic(type(value)):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


class _Dispatcher(RpcTarget):
    """The one host object the plan sees: routes `codemode.<name>(args)` to a validated tool."""

    def __init__(self, tools: dict[str, _Tool], calls: list[ToolCall]) -> None:
        self._tools = tools
        self._calls = calls

    async def call(self, name: str, args: Any) -> Any:
        tool = self._tools.get(name)
        if tool is None:
            raise ToolError(f"codemode.{name} does not exist; available: {', '.join(sorted(self._tools))}")
        if not isinstance(args, dict):
            raise ToolError(f"codemode.{name} takes one object of named arguments, e.g. codemode.{name}({{ ... }})")
        record = ToolCall(name, dict(args), 0.0)
        self._calls.append(record)
        start = time.perf_counter()
        try:
            kwargs = _validate(tool, args)
            result = tool.fn(**kwargs)
            if inspect.isawaitable(result):
                result = await result
            return _plain(result)
        except Exception as e:
            record.error = f"{type(e).__name__}: {e}"
            raise
        finally:
            record.duration_s = time.perf_counter() - start


def _validate(tool: _Tool, args: dict[str, Any]) -> dict[str, Any]:
    params = {p.name: p for p in tool.params}
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise ToolError(
            f"codemode.{tool.name}: unknown argument(s) {', '.join(unknown)}; it takes {', '.join(params) or 'no arguments'}"
        )
    missing = [p.name for p in tool.params if p.required and p.name not in args]
    if missing:
        raise ToolError(f"codemode.{tool.name}: missing required argument(s) {', '.join(missing)}")
    return {k: _check(v, params[k].annotation, f"codemode.{tool.name}: argument {k!r}") for k, v in args.items()}


def _plan_module(code: str) -> str:
    """The model's code as a module whose default export is an async function."""
    if re.search(r"^\s*export\s+default\b", code, re.MULTILINE):
        return code
    # The prefix shares the first line, so line numbers in errors are the model's own.
    return "export default async function () { " + code + "\n}\n"


def _position(stack: Optional[str]) -> str:
    match = re.search(re.escape(PLAN_MODULE) + r":(\d+):(\d+)", stack or "")
    return f" (at line {match.group(1)}, column {match.group(2)})" if match else ""


def _format_error(e: BaseException) -> str:
    if isinstance(e, JSError):
        return f"{e.name}: {e.message}{_position(e.stack)}"
    return f"{type(e).__name__}: {e}"


class ToolAPI:
    """The tool surface an LLM programs against, built from Python callables."""

    def __init__(self, tools: Sequence[Callable[..., Any]], *, loader: Optional[Loader] = None) -> None:
        described = [_describe(t) for t in tools]
        self._tools = {t.name: t for t in described}
        if len(self._tools) != len(described):
            raise ValueError("tool names must be unique")
        self._loader = loader

    def typescript(self) -> str:
        """TypeScript declarations of `codemode`, for the model's prompt."""
        types_ = _Types()
        lines = []
        for tool in self._tools.values():
            fields = "; ".join(f"{p.name}{'' if p.required else '?'}: {types_.ts(p.annotation)}" for p in tool.params)
            if tool.doc:
                lines.append(f"  /** {tool.doc} */")
            lines.append(f"  {tool.name}(args: {{ {fields} }}): Promise<{types_.ts(tool.returns)}>;")
        interfaces = "\n".join(types_.interfaces.values())
        body = "\n".join(lines)
        return (interfaces + "\n" if interfaces else "") + f"declare const codemode: {{\n{body}\n}};\n"

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        """The JSON Schema of each tool's argument object."""
        types_ = _Types()
        return {
            t.name: {
                "type": "object",
                "properties": {p.name: types_.schema(p.annotation) for p in t.params},
                "required": [p.name for p in t.params if p.required],
            }
            for t in self._tools.values()
        }

    def _code(self, code: str, calls: list[ToolCall], limits: Optional[Limits], outbound: Any, logs: list[str]) -> WorkerCode:
        def trace(record: Mapping[str, Any]) -> None:
            logs.extend(f"[{line['level']}] {line['message']}" for line in record["logs"])

        return WorkerCode(
            "main.ts",
            {"main.ts": MAIN, PLAN_MODULE: {"ts": _plan_module(code)}},
            env={"dispatch": _Dispatcher(self._tools, calls)},
            global_outbound=outbound,
            limits=limits,
            on_trace=trace,
        )

    def run(self, code: str, *, limits: Optional[Limits] = None, global_outbound: Any = None) -> RunResult:
        """Runs the model's `code` (an async function body, or a module exporting a default
        async function) in a fresh sandbox. A failing plan is reported in `.error`."""
        result = RunResult()
        try:
            worker_code = self._code(code, result.calls, limits, global_outbound, result.logs)
        except WorkerError as e:
            result.error = _format_error(e)
            return result
        # A loader made for one run creates its one isolate on demand; a pool would be wasted.
        own = self._loader is None
        loader = Loader(threads=1, pool_size=0) if own else self._loader
        assert loader is not None
        try:
            with loader.load(worker_code) as worker:
                result.value = worker.get_entrypoint().run(list(self._tools))
        except WorkerError as e:
            result.error = _format_error(e)
        finally:
            if own:
                loader.close()
        return result

    async def arun(
        self, code: str, *, loader: Optional[AsyncLoader] = None, limits: Optional[Limits] = None, global_outbound: Any = None
    ) -> RunResult:
        """`run` for asyncio: tools may be coroutine functions awaited on the running loop."""
        result = RunResult()
        own = loader is None
        active = AsyncLoader(threads=1, pool_size=0) if own else loader
        assert active is not None
        try:
            worker = await active.load(self._code(code, result.calls, limits, global_outbound, result.logs))
            try:
                result.value = await worker.get_entrypoint().run(list(self._tools))
            finally:
                worker.close()
        except WorkerError as e:
            result.error = _format_error(e)
        finally:
            if own:
                active.close()
        return result

    def _run_tool_description(self) -> str:
        return (
            "Run TypeScript that calls the tools below. Write the body of an async function "
            "(use await, return the final value). Console output is returned too.\n\n" + self.typescript()
        )

    def _run_tool_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "TypeScript: the body of an async function"}},
            "required": ["code"],
        }

    def openai_tool(self, name: str = "run_code") -> dict[str, Any]:
        """`run` as one tool in OpenAI's function-calling format."""
        return {
            "type": "function",
            "function": {"name": name, "description": self._run_tool_description(), "parameters": self._run_tool_schema()},
        }

    def anthropic_tool(self, name: str = "run_code") -> dict[str, Any]:
        """`run` as one tool in Anthropic's tool-use format."""
        return {"name": name, "description": self._run_tool_description(), "input_schema": self._run_tool_schema()}

    def handle_tool_call(self, arguments: Union[str, Mapping[str, Any]], **run_options: Any) -> str:
        """Runs a `run_code` call from either format (arguments as JSON text or a dict) and
        returns the text to send back to the model."""
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        code = args.get("code") if isinstance(args, Mapping) else None
        if not isinstance(code, str):
            return "error: the run_code tool takes {\"code\": \"<TypeScript>\"}"
        return self.run(code, **run_options).for_model()

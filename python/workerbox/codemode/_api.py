"""ToolAPI: tools under namespaces, described to the model in TypeScript, and the model's plan
run in a fresh sandbox where each namespace is a global object."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Union

from .._workerbox import AsyncLoader, JSError, Limits, Loader, PythonError, WorkerCode, WorkerError
from . import _python, adapters
from .approvals import Execution, Registry, _Decision, new_id
from .discovery import Catalog, estimate_tokens
from .dispatch import _Dispatcher, _required, _Space, _space
from .history import MAX_SNIPPETS, ExecutionRecord, Snippet, snippet_modules
from .normalize import check_unicode, normalize_code, normalize_python
from .results import RunResult, ToolCall
from .tools import DEFAULT_NAMESPACE, Provider, Tool, ToolError, is_js_identifier
from .typescript import TypeScript

__all__ = ["RunResult", "ToolAPI", "ToolCall"]

PLAN_MODULE = "plan.ts"

# Past this many prompt tokens of declarations, ToolAPI switches to discovery unless told: a
# prompt that size costs more than the few search and describe calls a plan makes instead.
DISCOVERY_TOKENS = 8_000

# The worker's entry: each namespace becomes a frozen global (the codemode one also gets `run`
# for saved snippets) whose methods forward their
# arguments to the host's dispatcher, then the model's default export runs. A rejected tool
# call's error is born in the host with no JS frames, so it gets the stack of the plan's call
# site: the position the model needs to fix its call.
MAIN = """import plan from './plan.ts'
import snippets from './snippets.ts'
export default {
  async run(spaces: [string, [string, boolean][]][], env: any) {
    for (const [space, tools] of spaces) {
      const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
      if (space === 'codemode' && Object.keys(snippets).length > 0) {
        methods.run = async (name: unknown, args?: unknown) => {
          if (typeof name !== 'string' || !Object.hasOwn(snippets, name)) {
            throw new TypeError(`codemode.run: no snippet named ${String(name)}; saved: ${Object.keys(snippets).join(', ')}`)
          }
          return await snippets[name](args)
        }
      }
      for (const [name, positional] of tools) {
        const call = (...args: unknown[]) => {
          const site: { stack?: string } = {}
          Error.captureStackTrace(site, call)
          const sent = positional ? args : args.length === 0 ? {} : args.length === 1 ? args[0] : args
          return env.dispatch.call(space, name, sent).catch((e: unknown) => {
            if (e instanceof Error) e.stack = `${e.name}: ${e.message}\\n${site.stack!.split('\\n').slice(1).join('\\n')}`
            throw e
          })
        }
        methods[name] = call
      }
      Object.defineProperty(globalThis, space, { value: Object.freeze(methods) })
    }
    return await plan()
  },
}
"""


def _never(args: dict[str, Any]) -> Any:
    raise ToolError("snippets run with codemode.run(name, args)")


def _position(stack: Optional[str]) -> str:
    match = re.search(re.escape(PLAN_MODULE) + r":(\d+):(\d+)", stack or "")
    return f" (at line {match.group(1)}, column {match.group(2)})" if match else ""


def _format_error(e: BaseException) -> str:
    if isinstance(e, PythonError):
        return e.message
    if isinstance(e, JSError):
        return f"{e.name}: {e.message}{_position(e.stack)}"
    return f"{type(e).__name__}: {e}"


ToolSource = Union[Provider, Tool, Callable[..., Any]]


class ToolAPI:
    """The tool surface an LLM programs against: Python callables and `Tool`s (namespace
    ``codemode``) and `Provider`s, each a global namespace in the sandbox."""

    def __init__(
        self,
        tools: Sequence[ToolSource],
        *,
        loader: Optional[Loader] = None,
        discovery: Optional[bool] = None,
        approval_timeout_s: Optional[float] = 600.0,
        max_paused: int = 64,
        history: int = 100,
    ) -> None:
        """``discovery``: show the model namespaces only, with ``codemode.search`` and
        ``codemode.describe`` to find tools and read their declarations in the plan (None: when
        the full declarations would take more than `DISCOVERY_TOKENS` prompt tokens).

        Tools of a provider with ``requires_approval`` pause the plan (see `run`). A paused plan
        whose calls get no decision within ``approval_timeout_s`` (None: never) is cancelled and
        its worker closed; at most ``max_paused`` plans wait at once (past that, the call that
        would pause one more fails in the plan with a ToolError). Paused plans live in this
        process's memory. ``history`` is how many finished plans `executions` keeps."""
        if max_paused < 1:
            raise ValueError("max_paused must be at least 1")
        if approval_timeout_s is not None and not approval_timeout_s > 0:
            raise ValueError("approval_timeout_s must be a positive number or None")
        loose = [t for t in tools if not isinstance(t, Provider)]
        providers = [t for t in tools if isinstance(t, Provider)]
        if loose:
            providers.insert(0, Provider(DEFAULT_NAMESPACE, loose))
        spaces = [_space(p) for p in providers]
        self._spaces = {s.provider.name: s for s in spaces}
        if len(self._spaces) != len(spaces):
            raise ValueError("namespace names must be unique (bare callables go under 'codemode')")
        self._loader = loader
        self._history: collections.deque[ExecutionRecord] = collections.deque(maxlen=max(0, history))
        self._history_lock = threading.Lock()
        self._snippets: dict[str, Snippet] = {}
        self._approvals = Registry(max_paused, approval_timeout_s)
        self._pausable = any(
            s.provider.requires_approval is not False and s.provider.requires_approval != [] for s in spaces
        )
        self._catalog: Optional[Catalog] = None
        if discovery is None:
            discovery = estimate_tokens(self._full_typescript()) > DISCOVERY_TOKENS
        if discovery:
            self._add_discovery()

    def _add_discovery(self) -> None:
        self._catalog = self._new_catalog()
        home = self._spaces.setdefault(DEFAULT_NAMESPACE, _Space(Provider(DEFAULT_NAMESPACE, []), {}))
        for tool in Catalog.tools(DEFAULT_NAMESPACE, self._current_catalog):
            if tool.name in home.tools:
                raise ValueError(f"with discovery on, codemode.{tool.name} is taken by discovery; rename the tool")
            home.tools[tool.name] = tool

    def _current_catalog(self) -> Catalog:
        assert self._catalog is not None
        return self._catalog

    def _new_catalog(self) -> Catalog:
        """The search index: every tool but search and describe themselves, and the snippets."""
        entries = [
            (f"{ns}.{name}", tool)
            for ns, space in self._spaces.items()
            for name, tool in space.tools.items()
            if not (ns == DEFAULT_NAMESPACE and name in ("search", "describe") and self._catalog is not None)
        ]
        for snippet in self._snippets.values():
            entries.append((f"snippets.{snippet.name}", Tool(snippet.name, snippet.description, {"type": "object"}, _never)))
        return Catalog(entries, self._describe_one)

    @property
    def discovery(self) -> bool:
        """Whether the model finds tools with ``codemode.search`` instead of the prompt listing them."""
        return self._catalog is not None

    def typescript(self) -> str:
        """TypeScript declarations for the model's prompt: every tool's, or with discovery, the
        namespaces and the search and describe tools."""
        if self._catalog is None:
            return self._full_typescript()
        ts = TypeScript()
        home = self._spaces[DEFAULT_NAMESPACE]
        finders = self._declare(home, ts, [home.tools["search"], home.tools["describe"]])
        summary = [
            f"/** {len(self._catalog)} tools, too many to list: find them with codemode.search, read one's "
            "declaration with codemode.describe, then call it as namespace.tool(...). */"
        ]
        for name, space in self._spaces.items():
            about = f" {' '.join(space.provider.instructions.split())}" if space.provider.instructions else ""
            summary.append(f"/** {name}: {len(space.tools)} tools.{about} */")
            if name != DEFAULT_NAMESPACE:
                summary.append(f"declare const {name}: {{ [tool: string]: (...args: any[]) => Promise<any> }};")
        return ts.declarations() + "\n".join(summary) + "\n" + finders

    def python(self) -> str:
        """Python stubs for the model's prompt, when it writes its plan in Python (``run(code,
        language="python")``): a class per namespace with a static method per tool, the
        arguments keyword-only and typed from each tool's JSON Schema (objects as
        ``TypedDict``). With discovery, the namespaces and the search and describe tools
        (describe answers with a tool's stub)."""
        spaces = self._spaces_for("python")
        return _python.prompt(spaces, None if self._catalog is None else len(self._catalog))

    def _spaces_for(self, language: str) -> Mapping[str, _Space]:
        if language == "typescript" or self._catalog is None:
            return self._spaces
        return _python.discovering(self._spaces, self._catalog)

    def _full_typescript(self) -> str:
        ts = TypeScript()
        blocks = [self._declare(space, ts) for space in self._spaces.values()]
        return ts.declarations() + "".join(blocks)

    def _describe_one(self, path: str, tool: Tool) -> str:
        namespace, name = path.split(".", 1)
        if namespace == "snippets":
            snippet = self._snippets[name]
            return f"/** {snippet.description} */\n// run it: await codemode.run({json.dumps(name)}, args)\n{snippet.code}\n"
        space = self._spaces[namespace]
        ts = TypeScript()
        block = self._declare(space, ts, [tool], instructions=False, run_line=False)
        return ts.declarations() + block

    def _declare(
        self,
        space: _Space,
        ts: TypeScript,
        tools: Optional[Sequence[Tool]] = None,
        instructions: bool = True,
        run_line: bool = True,
    ) -> str:
        lines = []
        for tool in space.tools.values() if tools is None else tools:
            if tool.description:
                lines.append(f"  /** {' '.join(tool.description.split())} */")
            args = _signature(tool, space.provider.positional_args, ts)
            returns = ts.type_of(tool.returns, tool.returns) if tool.returns else "unknown"
            lines.append(f"  {tool.name}({args}): Promise<{returns}>;")
        if run_line and space.provider.name == DEFAULT_NAMESPACE and self._snippets:
            saved = "; ".join(f"{n}: {' '.join(sn.description.split())}" for n, sn in self._snippets.items())
            names = " | ".join(json.dumps(n) for n in self._snippets)
            lines.append(f"  /** Reruns a saved snippet ({saved}) with optional args. */")
            lines.append(f"  run(name: {names}, args?: unknown): Promise<unknown>;")
        head = f"/** {' '.join(space.provider.instructions.split())} */\n" if instructions and space.provider.instructions else ""
        body = "\n".join(lines)
        return f"{head}declare const {space.provider.name}: {{\n{body}\n}};\n"

    def json_schemas(self) -> dict[str, Mapping[str, Any]]:
        """The JSON Schema of each tool's argument object, keyed ``tool`` in the ``codemode``
        namespace and ``namespace.tool`` elsewhere."""
        return {
            (name if space.provider.name == DEFAULT_NAMESPACE else f"{space.provider.name}.{name}"): tool.parameters
            for space in self._spaces.values()
            for name, tool in space.tools.items()
        }

    def _spec(self, language: str) -> list[list[Any]]:
        """What the sandbox's entry needs to build the namespaces."""
        if language == "python":
            return _python.spec(self._spaces)
        return [
            [name, [[tool, space.provider.positional_args] for tool in space.tools]] for name, space in self._spaces.items()
        ]

    def _code(
        self,
        code: str,
        result: RunResult,
        limits: Optional[Limits],
        outbound: Any,
        execution: Optional[Execution] = None,
        language: str = "typescript",
    ) -> WorkerCode:
        def trace(record: Mapping[str, Any]) -> None:
            result.logs.extend(f"[{line['level']}] {line['message']}" for line in record["logs"])

        check_unicode(code)
        approvals = self._approvals if execution else None
        dispatch = _Dispatcher(self._spaces_for(language), result.calls, execution, approvals)
        if language == "python":
            modules = _python.modules(normalize_python(code))
            return WorkerCode("main.py", modules, env={"dispatch": dispatch}, global_outbound=outbound, limits=limits, on_trace=trace)
        return WorkerCode(
            "main.ts",
            {"main.ts": MAIN, PLAN_MODULE: {"ts": normalize_code(code)}, **snippet_modules(self._snippets)},
            env={"dispatch": dispatch},
            global_outbound=outbound,
            limits=limits,
            on_trace=trace,
        )

    def run(
        self, code: str, *, language: str = "typescript", limits: Optional[Limits] = None, global_outbound: Any = None
    ) -> RunResult:
        """Runs the model's `code` in a fresh sandbox: TypeScript (see `normalize_code` for the
        forms it may take), or with ``language="python"`` Python against the stubs `python`
        shows (see `normalize_python`), in the sandbox's Pyodide. A failing plan is reported in
        `.error`, never raised: for Python, a traceback of the plan's own lines.

        A call to a tool that requires approval pauses the plan: the result then has
        ``status="paused"``, its ``execution_id`` and the ``pending`` calls, and the worker waits
        (its CPU and wall-clock limits do not count the pause). `approve`/`reject` decide and
        return the same execution's next result; the approved call runs once, a rejected one
        raises in the plan, which may catch it."""
        _python.prepare(language)
        if self._pausable:
            return self._start(code, limits, global_outbound, language)
        result = RunResult(execution_id=new_id("x"))
        try:
            worker_code = self._code(code, result, limits, global_outbound, language=language)
        except WorkerError as e:
            result.error = _format_error(e)
            return self._record(code, result, language)
        # A loader made for one run creates its one isolate on demand; a pool would be wasted.
        own = self._loader is None
        loader = Loader(threads=1, pool_size=0) if own else self._loader
        assert loader is not None
        try:
            with loader.load(worker_code) as worker:
                result.value, result.error = _python.outcome(worker.get_entrypoint().run(self._spec(language)), language)
        except WorkerError as e:
            result.error = _format_error(e)
        finally:
            if own:
                loader.close()
        return self._record(code, result, language)

    async def arun(
        self,
        code: str,
        *,
        language: str = "typescript",
        loader: Optional[AsyncLoader] = None,
        limits: Optional[Limits] = None,
        global_outbound: Any = None,
    ) -> RunResult:
        """`run` for asyncio: tools may be coroutine functions awaited on the running loop."""
        await asyncio.to_thread(_python.prepare, language)
        if self._pausable:
            return await self._astart(code, limits, global_outbound, loader, language)
        result = RunResult(execution_id=new_id("x"))
        own = loader is None
        active = AsyncLoader(threads=1, pool_size=0) if own else loader
        assert active is not None
        try:
            worker = await active.load(self._code(code, result, limits, global_outbound, language=language))
            try:
                raw = await worker.get_entrypoint().run(self._spec(language))
                result.value, result.error = _python.outcome(raw, language)
            finally:
                worker.close()
        except WorkerError as e:
            result.error = _format_error(e)
        finally:
            if own:
                active.close()
        return self._record(code, result, language)

    def _record(self, code: str, result: RunResult, language: str = "typescript") -> RunResult:
        """Adds the finished `result` to the history, and returns it."""
        record = ExecutionRecord(
            result.execution_id or "",
            code,
            tuple(result.calls),
            result.value,
            result.error,
            result.started_at,
            time.time() - result.started_at,
            language,
        )
        with self._history_lock:
            self._history.append(record)
        return result

    def executions(self) -> list[ExecutionRecord]:
        """The plans that finished, oldest first (at most ``history`` of them)."""
        with self._history_lock:
            return list(self._history)

    def save_snippet(self, name: str, execution_id: str, description: str = "") -> Snippet:
        """Saves the code of the finished, successful execution `execution_id` as snippet
        `name`: later plans rerun it with ``codemode.run(name, args)``, and the prompt (or
        ``codemode.search``) lists it with `description`."""
        if not is_js_identifier(name):
            raise ValueError(f"snippet name {name!r} must be a JavaScript identifier")
        record = next((r for r in self.executions() if r.execution_id == execution_id), None)
        if record is None:
            raise ValueError(f"no finished execution {execution_id!r} in the history")
        if record.error is not None:
            raise ValueError(f"execution {execution_id!r} failed; only a plan that succeeded can be saved")
        if record.language != "typescript":
            raise ValueError(f"execution {execution_id!r} is a {record.language} plan; snippets are TypeScript")
        home = self._spaces.get(DEFAULT_NAMESPACE)
        if home is not None and "run" in home.tools:
            raise ValueError("codemode.run is a tool here, so snippets cannot be run; rename the tool")
        if name not in self._snippets and len(self._snippets) >= MAX_SNIPPETS:
            raise ValueError(f"at most {MAX_SNIPPETS} snippets; delete one first")
        snippet = Snippet(name, description, record.code)
        self._snippets[name] = snippet
        self._spaces.setdefault(DEFAULT_NAMESPACE, _Space(Provider(DEFAULT_NAMESPACE, []), {}))
        if self._catalog is not None:
            self._catalog = self._new_catalog()
        return snippet

    def snippets(self) -> list[Snippet]:
        """The saved snippets."""
        return list(self._snippets.values())

    def delete_snippet(self, name: str) -> None:
        if self._snippets.pop(name, None) is None:
            raise ValueError(f"no snippet named {name!r}")
        if self._catalog is not None:
            self._catalog = self._new_catalog()

    # -- plans that may pause for approval ------------------------------------------------------

    def _prepare(self, code: str, limits: Optional[Limits], outbound: Any, language: str) -> tuple[Execution, WorkerCode]:
        """An execution and its worker's code. Its wall-clock limit is kept here, counting only
        time not paused, so the engine gets the other limits alone."""
        wall_s = limits.wall_ms / 1000 if limits is not None and limits.wall_ms is not None else None
        execution = Execution(wall_s)
        execution.code = code
        execution.result = RunResult(execution_id=execution.id)
        engine = None
        if limits is not None:
            engine = Limits(
                memory_mb=limits.memory_mb,
                cpu_ms=limits.cpu_ms,
                sub_requests=limits.sub_requests,
                conversion_nodes=limits.conversion_nodes,
            )
        return execution, self._code(code, execution.result, engine, outbound, execution, language)

    def _start(self, code: str, limits: Optional[Limits], outbound: Any, language: str) -> RunResult:
        try:
            execution, worker_code = self._prepare(code, limits, outbound, language)
        except WorkerError as e:
            return RunResult(error=_format_error(e))
        args = (execution, worker_code, language)
        threading.Thread(target=self._execute, args=args, name="codemode-plan", daemon=True).start()
        return self._settle(execution)

    def _execute(self, execution: Execution, worker_code: WorkerCode, language: str) -> None:
        own = self._loader is None
        loader = Loader(threads=1, pool_size=0) if own else self._loader
        assert loader is not None
        value, error = None, None
        try:
            with loader.load(worker_code) as worker:
                execution.worker = worker
                value, error = _python.outcome(worker.get_entrypoint().run(self._spec(language)), language)
        except WorkerError as e:
            error = _format_error(e)
        finally:
            if own:
                loader.close()
            self._conclude(execution, value, error, language)

    def _conclude(self, execution: Execution, value: Any, error: Optional[str], language: str) -> None:
        """The plan ended: whoever waits is told, its place among paused plans is freed, and it
        joins the history."""
        execution.finish(value, error)
        self._approvals.release(execution)
        self._record(execution.code, dataclasses.replace(execution.result, value=value, error=execution.error), language)

    async def _astart(
        self, code: str, limits: Optional[Limits], outbound: Any, loader: Optional[AsyncLoader], language: str
    ) -> RunResult:
        try:
            execution, worker_code = self._prepare(code, limits, outbound, language)
        except WorkerError as e:
            return RunResult(error=_format_error(e))

        async def execute() -> None:
            own = loader is None
            active = AsyncLoader(threads=1, pool_size=0) if own else loader
            assert active is not None
            value, error = None, None
            try:
                worker = await active.load(worker_code)
                execution.worker = worker
                try:
                    value, error = _python.outcome(await worker.get_entrypoint().run(self._spec(language)), language)
                finally:
                    worker.close()
            except WorkerError as e:
                error = _format_error(e)
            finally:
                if own:
                    active.close()
                self._conclude(execution, value, error, language)

        execution.task = asyncio.get_running_loop().create_task(execute())
        return await asyncio.to_thread(self._settle, execution)

    def _settle(self, execution: Execution) -> RunResult:
        """Waits until the execution ends or pauses, and reports where it stands."""

        def too_long(ex: Execution) -> None:
            limit_ms = (ex.wall_s or 0) * 1000
            ex.cancel(f"WallTimeExceeded: the plan ran past its wall-clock limit of {limit_ms:g} ms (time paused for approval not counted)")

        done = execution.wait(too_long)
        result: RunResult = execution.result
        snapshot = dataclasses.replace(result, calls=list(result.calls), logs=list(result.logs))
        if done:
            return dataclasses.replace(snapshot, value=execution.value, error=execution.error, status="done")
        _, pending = execution.snapshot()
        execution.reported = {call.call_id for call in pending}
        self._approvals.paused(execution)
        return dataclasses.replace(snapshot, status="paused", pending=pending)

    def _decide(self, call_id: str, decision: _Decision) -> Execution:
        execution = self._approvals.by_call(call_id)
        try:
            execution.decide(call_id, decision)
        except KeyError:
            raise ValueError(f"call {call_id!r} was decided or expired meanwhile") from None
        return execution

    def approve(self, call_id: str) -> RunResult:
        """Lets the paused call `call_id` run; returns its execution's next result (done, or
        paused at the next call that needs approval)."""
        return self._settle(self._decide(call_id, _Decision(True)))

    def reject(self, call_id: str, reason: str = "") -> RunResult:
        """Refuses the paused call `call_id`: it raises a ToolError carrying `reason` in the
        plan, which may catch it; returns the execution's next result."""
        return self._settle(self._decide(call_id, _Decision(False, reason)))

    def approve_all(self, execution_id: str) -> RunResult:
        """Approves the calls of execution `execution_id` that its last result listed as
        pending; a call that began waiting since is reported in the next result, not approved
        unseen."""
        execution = self._approvals.by_id(execution_id)
        for call in execution.snapshot()[1]:
            if call.call_id in execution.reported:
                self._decide(call.call_id, _Decision(True))
        return self._settle(execution)

    async def aapprove(self, call_id: str) -> RunResult:
        """`approve` for asyncio (for plans started with `arun`)."""
        return await asyncio.to_thread(self._settle, self._decide(call_id, _Decision(True)))

    async def areject(self, call_id: str, reason: str = "") -> RunResult:
        """`reject` for asyncio."""
        return await asyncio.to_thread(self._settle, self._decide(call_id, _Decision(False, reason)))

    def _run_tool_description(self, language: str = "typescript") -> str:
        _python.check_language(language)
        if language == "python":
            return _python.USAGE + self.python()
        return (
            "Run TypeScript that calls the tools below. Write the body of an async function "
            "(use await, return the final value). Console output is returned too.\n\n" + self.typescript()
        )

    def _run_tool_schema(self, language: str = "typescript") -> dict[str, Any]:
        _python.check_language(language)
        what = "Python: a script whose last expression is the result" if language == "python" else "TypeScript: the body of an async function"
        return {"type": "object", "properties": {"code": {"type": "string", "description": what}}, "required": ["code"]}

    def openai_tool(self, name: str = "run_code", language: str = "typescript") -> dict[str, Any]:
        """`run` as one tool in OpenAI's function-calling format (for plans in `language`: pass
        the same to `handle_tool_call`)."""
        description, parameters = self._run_tool_description(language), self._run_tool_schema(language)
        return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}

    def anthropic_tool(self, name: str = "run_code", language: str = "typescript") -> dict[str, Any]:
        """`run` as one tool in Anthropic's tool-use format (for plans in `language`)."""
        return {"name": name, "description": self._run_tool_description(language), "input_schema": self._run_tool_schema(language)}

    def pydantic_ai_tool(self, name: str = "run_code", language: str = "typescript") -> Any:
        """`run` as one `pydantic_ai.Tool` (needs pydantic-ai), for plans in `language`."""
        return adapters.pydantic_ai_tool(self, name, language)

    def openai_agents_tool(self, name: str = "run_code", language: str = "typescript") -> Any:
        """`run` as one OpenAI Agents SDK `FunctionTool` (needs openai-agents), for plans in `language`."""
        return adapters.openai_agents_tool(self, name, language)

    def handle_tool_call(self, arguments: Union[str, Mapping[str, Any]], **run_options: Any) -> str:
        """Runs a `run_code` call from either format (arguments as JSON text or a dict) and
        returns the text to send back to the model."""
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        code = args.get("code") if isinstance(args, Mapping) else None
        if not isinstance(code, str):
            return 'error: the run_code tool takes {"code": "<TypeScript>"}'
        return self.run(code, **run_options).for_model()


def _signature(tool: Tool, positional: bool, ts: TypeScript) -> str:
    """The TypeScript parameter list of a tool."""
    schema = tool.parameters
    if not positional:
        return f"args: {ts.object_of(schema, schema)}"
    properties = schema.get("properties") or {}
    required = _required(tool)
    params = []
    for i, name in enumerate(tool.order):
        # An optional parameter followed by a required one cannot be marked `?` in TypeScript.
        optional = name not in required and all(later not in required for later in tool.order[i + 1 :])
        t = ts.type_of(properties.get(name, {}), schema)
        params.append(f"{name}?: {t}" if optional else f"{name}: {t}" + ("" if name in required else " | undefined"))
    return ", ".join(params)

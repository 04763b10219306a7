"""Code Mode with Python plans: the tools shown as Python stubs, and the worker that runs a plan
in the sandbox's Pyodide (`_guest` is its code). The dispatcher, approvals and results are the
TypeScript path's own."""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .. import _python as runtime
from .discovery import Catalog
from .dispatch import _required, _Space
from .python_stubs import HEADER, PythonTypes, py_identifier
from .tools import DEFAULT_NAMESPACE, Tool, ToolError

PLAN_MODULE = "plan.py"

# The worker's main module: its top-level functions are the entrypoint's methods, so `run` is
# defined here rather than imported.
MAIN = "from _codemode import bridge\n\n\nasync def run(spec, env):\n    return await bridge.run(spec, env)\n"

LANGUAGES = ("typescript", "python")


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'typescript' or 'python', not {language!r}")


def prepare(language: str) -> None:
    """Checks `language`; for Python, boots Pyodide unless done (once per process, seconds),
    raising WorkerError when it is missing: the host's to fix, not the model's, so raised
    rather than put in the plan's result."""
    check_language(language)
    if language == "python":
        runtime.ensure_runtime()


@functools.lru_cache(maxsize=1)
def _guest_files() -> dict[str, str]:
    package = importlib.resources.files(__package__ or "workerbox.codemode") / "_guest"
    return {f"_codemode/{name}": (package / name).read_text(encoding="utf-8") for name in ("__init__.py", "bridge.py", "plan.py")}


def modules(source: str) -> dict[str, Any]:
    """The worker's modules: the bridge, and the plan as the model wrote it."""
    return {"main.py": MAIN, **_guest_files(), PLAN_MODULE: source}


def names(items: Sequence[str]) -> dict[str, str]:
    """Python identifiers for `items` (tool, namespace or parameter names), numbered where two
    would be the same."""
    out: dict[str, str] = {}
    for item in items:
        name, n = py_identifier(item), 1
        while name in out.values():
            n += 1
            name = f"{py_identifier(item)}{n}"
        out[item] = name
    return out


def _params(tool: Tool) -> list[str]:
    properties = tool.parameters.get("properties")
    listed = list(properties) if isinstance(properties, Mapping) else []
    return list(tool.order) or listed


def spec(spaces: Mapping[str, _Space]) -> list[list[Any]]:
    """What the bridge needs to build the namespaces: Python and host names, each tool's
    parameters as (Python name, property name), and whether it takes positional arguments."""
    py_spaces = names(list(spaces))
    out = []
    for space_name, space in spaces.items():
        py_tools = names(list(space.tools))
        tools = []
        for name, tool in space.tools.items():
            params = names(_params(tool))
            tools.append([py_tools[name], name, space.provider.positional_args, [[py, p] for p, py in params.items()]])
        out.append([py_spaces[space_name], space_name, tools])
    return out


class Stubs:
    """Python declarations of namespaces, for the model's prompt."""

    def __init__(self, spaces: Mapping[str, _Space]) -> None:
        self._py_spaces = names(list(spaces))
        self.types = PythonTypes(frozenset(self._py_spaces.values()))

    def text(self, blocks: Sequence[str]) -> str:
        return HEADER + "\n\n" + self.types.declarations() + "\n\n".join(blocks)

    def namespace(self, space: _Space, tools: Optional[Sequence[Tool]] = None, instructions: bool = True) -> str:
        """``class <namespace>:`` with a static method per tool."""
        name = self._py_spaces.get(space.provider.name, py_identifier(space.provider.name))
        chosen = list(space.tools.values()) if tools is None else list(tools)
        py_tools = names(list(space.tools))
        lines = [f"class {name}:"]
        about = " ".join((space.provider.instructions or "").split())
        if instructions and about:
            lines.append(f'    """{about.replace(chr(34) * 3, chr(39) * 3)}"""')
        for tool in chosen:
            gap = [""] if len(lines) > 1 else []
            lines += [*gap, "    @staticmethod", *self._function(tool, py_tools.get(tool.name, tool.name), space.provider.positional_args)]
        if len(lines) == 1:
            lines.append("    pass")
        return "\n".join(lines) + "\n"

    def _function(self, tool: Tool, py_name: str, positional: bool) -> list[str]:
        schema = tool.parameters
        properties = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
        assert isinstance(properties, Mapping)
        required = _required(tool)
        order = _params(tool)
        py = names(order)
        hint = "".join(w.capitalize() for w in tool.name.split("_"))
        params, docs = [], []
        for i, prop in enumerate(order):
            sub = properties.get(prop, {})
            t = self.types.type_of(sub, schema, hint + "".join(w.capitalize() for w in py[prop].split("_")))
            if prop in required:
                params.append(f"{py[prop]}: {t}")
            elif positional and any(later in required for later in order[i + 1 :]):
                params.append(f"{py[prop]}: {t} | None")
            else:
                default = sub.get("default", ...) if isinstance(sub, Mapping) else ...
                params.append(f"{py[prop]}: {t} = {_default(default)}")
            if isinstance(sub, Mapping) and isinstance(sub.get("description"), str) and sub["description"].strip():
                docs.append(f"            {py[prop]}: {' '.join(sub['description'].split())}")
        if params and not positional:
            params.insert(0, "*")
        returns = self.types.type_of(tool.returns, tool.returns, hint + "Result") if tool.returns else "Any"
        signature = f"    def {py_name}({', '.join(params)}) -> {returns}:"
        if len(signature) > 100:
            signature = f"    def {py_name}(\n" + "".join(f"        {p},\n" for p in params) + f"    ) -> {returns}:"
        lines = [signature]
        about = " ".join(tool.description.split()).replace('"""', "'''")
        if docs:
            lines += [f'        """{about}', "", "        Args:", *docs, '        """']
        else:
            lines.append(f'        """{about}"""' if about else "        ...")
        return lines


def _default(value: Any) -> str:
    if value is ...:
        return "..."
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return "..."
    return json.dumps(value) if isinstance(value, str) else repr(value)


def prompt(spaces: Mapping[str, _Space], discovered: Optional[int]) -> str:
    """The stubs of every namespace; with discovery (`discovered` tools in the catalog), the
    namespaces' summaries and the search and describe tools."""
    stubs = Stubs(spaces)
    if discovered is None:
        return stubs.text([stubs.namespace(space) for space in spaces.values()])
    home = spaces[DEFAULT_NAMESPACE]
    finders = stubs.namespace(home, [home.tools["search"], home.tools["describe"]])
    summary = [
        f"# {discovered} tools, too many to list: find them with codemode.search, read one's "
        "declaration with codemode.describe, then call it as namespace.tool(...) with keyword arguments."
    ]
    for name, space in spaces.items():
        about = f" {' '.join(space.provider.instructions.split())}" if space.provider.instructions else ""
        summary.append(f"# {name}: {len(space.tools)} tools.{about}")
    return stubs.text(["\n".join(summary) + "\n", finders])


def discovering(spaces: Mapping[str, _Space], catalog: Catalog) -> dict[str, _Space]:
    """The namespaces as a Python plan sees them with discovery: ``codemode.describe`` answers
    with the tool's stub."""

    def describe(args: dict[str, Any]) -> str:
        path = args["path"]
        tool = catalog.lookup(path)
        namespace = path.split(".", 1)[0]
        if namespace not in spaces:
            raise ToolError(f"{path} is a saved snippet, which only TypeScript plans run")
        stubs = Stubs(spaces)
        return stubs.text([stubs.namespace(spaces[namespace], [tool], instructions=False)])

    home = spaces[DEFAULT_NAMESPACE]
    text = "The Python stub of one tool, by its path from search: read it before calling the tool."
    tool = dataclasses.replace(home.tools["describe"], description=text, call=describe)
    return {**spaces, DEFAULT_NAMESPACE: _Space(home.provider, {**home.tools, "describe": tool})}


def outcome(raw: Any, language: str) -> tuple[Any, Optional[str]]:
    """The plan's value and error from what its entry returned: a Python plan's bridge reports
    its own failures as ``[None, traceback]``. The plan shares the bridge's interpreter and may
    have rewritten it, so the shape is checked."""
    if language != "python":
        return raw, None
    if isinstance(raw, list) and len(raw) == 2 and (raw[1] is None or isinstance(raw[1], str)):
        return raw[0], raw[1]
    return None, "RuntimeError: the plan broke the sandbox's bridge (it returned something other than [value, error])"


USAGE = (
    "Run Python that calls the tools below. Write a script: its last expression (or a top-level "
    "`return`) is the result; print() output is returned too. The namespaces are globals, no "
    "import needed. Call tools with keyword arguments; they return the result directly. In "
    "`async def` code, await them (asyncio.gather runs calls in parallel). A failed call raises "
    "ToolError.\n\n"
)

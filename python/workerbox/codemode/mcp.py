"""MCP servers as Code Mode tools: `MCPConnector` lists an MCP server's tools through a session
of the official Python MCP SDK and gives them to the sandbox as one `Provider`.

    async with stdio_client(StdioServerParameters(command="weather-server")) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            provider = await MCPConnector(session, "weather").provider()

The SDK is the optional extra ``workerbox[mcp]``; importing this module does not need it, making
an `MCPConnector` does. The session must stay open while the provider's tools are called, and
they must be called on the event loop it runs on (``ToolAPI.arun`` there), as the SDK's streams
belong to that loop.

Results reach the plan as the server gave them, converted only as far as JSON-like data needs:

- ``structuredContent``, when the server sends it, is the result (it is what ``outputSchema``,
  the tool's `Tool.returns`, describes).
- Otherwise one text block is its text, a string even when it reads as JSON: guessing would make
  the result's type depend on its content; the plan can ``JSON.parse`` what it knows is JSON.
- Any other content (several blocks, images, audio, resources) is a list of the blocks as the
  protocol writes them (``{type: "text", text}``, ``{type: "image", data, mimeType}``, ...),
  less their display-only ``annotations`` and ``_meta``; no content at all is ``null``.
- ``isError: true`` raises `ToolError` with the server's text, which the plan can catch and the
  model reads; so does an MCP error response (an unknown tool, bad parameters, a timeout).

When the ``jsonschema`` package is installed, each tool's `Tool.validate` checks arguments
against its ``inputSchema`` before the call, so a wrong call fails with the argument's path and
the reason; without it the server checks them. Every `ToolError` message starts with
``namespace.tool:``, the name the plan called.

Both major versions of the SDK are supported: fields are read under their 2.x (snake_case) and
1.x (camelCase) spellings, and a page after the first is asked for the way the session's
``list_tools`` takes a cursor.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Protocol

from .tools import ApprovalPolicy, Provider, Tool, ToolError, is_js_identifier, js_identifier

__all__ = ["MCPConnector", "MCPSession"]

_EXTRA_HINT = "MCPConnector needs the MCP SDK: pip install 'workerbox[mcp]'"

# A server that hands back a cursor it already gave would page forever.
_MAX_PAGES = 1000

# A validation or protocol error message can quote a long argument; the model needs the gist.
_MESSAGE_LIMIT = 300


class MCPSession(Protocol):
    """What `MCPConnector` needs of a session: an initialized ``mcp.ClientSession`` (or the
    SDK 2 ``mcp.Client``) has both methods."""

    async def list_tools(self) -> Any: ...

    async def call_tool(self, name: str, arguments: Optional[dict[str, Any]] = None) -> Any: ...


class MCPConnector:
    """An MCP server's tools as a `Provider` named `name`.

    `session` is an initialized ``mcp.ClientSession`` over any transport (stdio, streamable
    HTTP, ...). `instructions` is shown to the model above the namespace's declarations (the
    server's own ``instructions`` are not copied: they are written for a chat client, not for
    code). `requires_approval` is the provider's `ApprovalPolicy`; a list in it names tools by
    their sandbox names (see `original_names`).

    A tool's sandbox name is ``js_identifier(mcp_name)``. Names that collide afterwards are told
    apart without depending on the order the server lists them in: a name that is an identifier
    already keeps it, and the others that became the same identifier get ``_2``, ``_3``, ... in
    the order of their MCP names (by code point), skipping suffixed names already in use.
    """

    def __init__(
        self,
        session: MCPSession,
        name: str = "mcp",
        *,
        instructions: Optional[str] = None,
        requires_approval: ApprovalPolicy = False,
    ) -> None:
        try:
            exceptions = importlib.import_module("mcp.shared.exceptions")
            self._types: Any = importlib.import_module("mcp.types")
        except ImportError as e:
            raise ImportError(_EXTRA_HINT, name=e.name) from e
        if not is_js_identifier(name):
            raise ValueError(f"namespace {name!r} is not a JavaScript identifier; see js_identifier()")
        # The SDK renamed McpError to MCPError in 2.0.
        self._mcp_error: type[Exception] = getattr(exceptions, "MCPError", None) or exceptions.McpError
        self._session = session
        self.name = name
        self.instructions = instructions
        self.requires_approval = requires_approval
        self._original: dict[str, str] = {}

    @property
    def original_names(self) -> Mapping[str, str]:
        """Sandbox name → MCP tool name, for the tools of the last `provider()` call."""
        return dict(self._original)

    async def provider(self) -> Provider:
        """Lists the server's tools (all pages) and returns them as a `Provider`; each tool's
        ``call`` sends ``tools/call`` on the session. Call it again after the server announces
        that its tools changed."""
        # A name listed twice is one tool to the server's tools/call; its first entry describes it.
        listed: dict[str, Any] = {}
        for mcp_tool in await self._list_tools():
            listed.setdefault(_field(mcp_tool, "name"), mcp_tool)
        names = _sandbox_names(list(listed))
        self._original = {names[original]: original for original in listed}
        tools = [self._tool(mcp_tool, names[original]) for original, mcp_tool in listed.items()]
        return Provider(self.name, tools, instructions=self.instructions, requires_approval=self.requires_approval)

    async def _list_tools(self) -> list[Any]:
        session: Any = self._session
        tools: list[Any] = []
        seen: set[str] = set()
        cursor: Optional[str] = None
        for _ in range(_MAX_PAGES):
            page = await session.list_tools() if cursor is None else await self._next_page(cursor)
            tools.extend(_field(page, "tools") or ())
            cursor = _field(page, "next_cursor")
            if not cursor:
                return tools
            if cursor in seen:
                raise RuntimeError(f"MCP server repeated the tools/list cursor {cursor!r}")
            seen.add(cursor)
        raise RuntimeError(f"MCP server's tools/list ran past {_MAX_PAGES} pages")

    async def _next_page(self, cursor: str) -> Any:
        session: Any = self._session
        parameters = inspect.signature(session.list_tools).parameters
        # Early 1.x ClientSessions take `cursor=`, later 1.x both (`cursor=` deprecated), 2.x
        # only `params=`; SDK 2's high-level Client takes `cursor=` again.
        if "params" in parameters:
            return await session.list_tools(params=self._types.PaginatedRequestParams(cursor=cursor))
        return await session.list_tools(cursor=cursor)

    def _tool(self, mcp_tool: Any, name: str) -> Tool:
        original = _field(mcp_tool, "name")
        parameters = _object_schema(_field(mcp_tool, "input_schema"))
        returns = _field(mcp_tool, "output_schema")
        qualified = f"{self.name}.{name}"

        async def call(args: dict[str, Any]) -> Any:
            try:
                result = await self._session.call_tool(original, args)
            except self._mcp_error as e:
                # An error response is the server's answer to this call (unknown tool, invalid
                # params, timeout): the model can act on its message, not on our stack.
                raise ToolError(f"{qualified}: {_clip(_error_message(e))}") from None
            return _result(result, qualified)

        return Tool(
            name=name,
            description=_description(mcp_tool),
            parameters=parameters,
            call=call,
            validate=_validator(parameters, qualified),
            returns=dict(returns) if isinstance(returns, Mapping) else None,
        )


def _field(obj: Any, snake: str) -> Any:
    """A field of an SDK object under its SDK 2 name or its SDK 1 (wire, camelCase) name, or
    of a plain dict in wire form."""
    head, *rest = snake.split("_")
    camel = head + "".join(part.title() for part in rest)
    if isinstance(obj, Mapping):
        return obj.get(camel, obj.get(snake))
    value = getattr(obj, snake, None)
    return getattr(obj, camel, None) if value is None else value


def _sandbox_names(originals: Sequence[str]) -> dict[str, str]:
    """MCP name → sandbox name, unique, as `MCPConnector` documents."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    # Names that need no change claim theirs first, so sanitised ones never displace them.
    for original in sorted(set(originals), key=lambda n: (not is_js_identifier(n), n)):
        ident = js_identifier(original)
        candidate, n = ident, 1
        while candidate in taken:
            n += 1
            candidate = f"{ident}_{n}"
        names[original] = candidate
        taken.add(candidate)
    return names


def _description(mcp_tool: Any) -> str:
    """The description, led by the title (or the annotations' title, which the spec ranks next)
    when it adds something."""
    description = (_field(mcp_tool, "description") or "").strip()
    title = _field(mcp_tool, "title") or _field(_field(mcp_tool, "annotations") or {}, "title")
    title = (title or "").strip()
    if not title or title == _field(mcp_tool, "name") or description.startswith(title):
        return description
    return f"{title}: {description}" if description else title


def _object_schema(schema: Any) -> dict[str, Any]:
    """`schema` as an arguments-object schema: servers may leave out ``type`` or
    ``properties``, and a missing schema means no arguments."""
    result = dict(schema) if isinstance(schema, Mapping) else {}
    result.setdefault("type", "object")
    result.setdefault("properties", {})
    return result


def _validator(schema: Mapping[str, Any], qualified: str) -> Optional[Callable[[dict[str, Any]], dict[str, Any]]]:
    """A check of arguments against `schema` with the ``jsonschema`` package, or None where it
    is not installed or cannot read the schema (the server validates in any case)."""
    try:
        jsonschema: Any = importlib.import_module("jsonschema")
    except ImportError:
        return None
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        validator = cls(schema)
    except jsonschema.SchemaError:
        return None

    def validate(args: dict[str, Any]) -> dict[str, Any]:
        try:
            errors = list(validator.iter_errors(args))
        except Exception:  # noqa: BLE001
            # A $ref it cannot resolve, a pattern Python's re cannot read: the schema is the
            # server's, and so is the last word on the arguments.
            return args
        if not errors:
            return args
        best = jsonschema.exceptions.best_match(errors)
        where = "arguments" if not best.absolute_path else f"argument {_path(best.absolute_path)}"
        more = len(errors) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ToolError(f"{qualified}: {where}: {_clip(best.message)}{tail}")

    return validate


def _path(path: Sequence[Any]) -> str:
    """A path into the arguments as the plan writes it: ``a.b[0].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif is_js_identifier(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


def _result(result: Any, qualified: str) -> Any:
    """A ``CallToolResult`` as the plan receives it, as the module docstring sets out."""
    content = [_content_block(block) for block in _field(result, "content") or ()]
    structured = _field(result, "structured_content")
    if _field(result, "is_error"):
        text = "\n".join(b["text"] for b in content if b.get("type") == "text" and b.get("text"))
        if not text and structured is not None:
            text = json.dumps(structured, default=str)
        raise ToolError(f"{qualified}: {text or 'the tool failed without a message'}")
    if structured is not None:
        return structured
    if len(content) == 1 and content[0].get("type") == "text":
        return content[0].get("text", "")
    return content or None


def _content_block(block: Any) -> dict[str, Any]:
    wire: dict[str, Any]
    if isinstance(block, Mapping):
        wire = dict(block)
    else:
        wire = block.model_dump(mode="json", by_alias=True, exclude_none=True)
    wire.pop("annotations", None)
    wire.pop("_meta", None)
    return wire


def _error_message(e: Exception) -> str:
    error = getattr(e, "error", None)
    return str(getattr(error, "message", None) or e)


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"

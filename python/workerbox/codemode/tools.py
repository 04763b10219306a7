"""The tool model Code Mode is built on, independent of any language the tools are shown in:
a tool is a name, a description, a JSON Schema for its arguments object, and the host function
that runs it. Python callables, MCP servers and OpenAPI documents all become `Tool`s; a
`Provider` puts tools under one namespace (a global object in the sandbox)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Callable, Optional, Union

__all__ = ["DEFAULT_NAMESPACE", "ApprovalPolicy", "Provider", "Tool", "ToolError", "is_js_identifier", "js_identifier"]

from .._workerbox import WorkerError


class ToolError(WorkerError):
    """A tool call from the sandbox did not match the tool's signature, or the tool failed in a
    way the model should read (the message is written for the model)."""


@dataclasses.dataclass(frozen=True)
class Tool:
    """One tool as the model and the sandbox see it.

    ``parameters`` is the JSON Schema of the one arguments object the tool takes
    (``{"type": "object", "properties": ..., "required": [...]}``, ``$defs`` allowed);
    ``call`` receives the validated arguments as a dict and returns the result (JSON-like data)
    or an awaitable of it; ``validate`` turns the sandbox's arguments into what ``call`` takes,
    raising `ToolError` with a message for the model (None: the arguments are passed as they
    are, and the tool's own side checks them). ``returns`` is the JSON Schema of the result, if
    known. ``order`` lists the parameters in positional order, for providers whose tools are
    called with positional arguments."""

    name: str
    description: str
    parameters: Mapping[str, Any]
    call: Callable[[dict[str, Any]], Union[Any, Awaitable[Any]]]
    validate: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None
    returns: Optional[Mapping[str, Any]] = None
    order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not is_js_identifier(self.name):
            raise ValueError(f"tool name {self.name!r} is not a JavaScript identifier; see js_identifier()")


ApprovalPolicy = Union[bool, Sequence[str], Callable[[str, Mapping[str, Any]], bool]]
"""Which calls need a person's approval: all (True), none (False), those of the named tools, or
those a function of (tool name, validated arguments) says so for."""


@dataclasses.dataclass
class Provider:
    """Tools under one namespace: ``Provider("db", [query, insert])`` gives the sandbox
    ``db.query({...})``. ``tools`` holds Python callables (described from their signatures) and
    `Tool`s. ``positional_args=True`` makes the sandbox call them as ``db.query(sql, limit)``,
    arguments in signature order; otherwise each takes one object of named arguments.
    ``instructions`` is shown to the model above the namespace's declarations."""

    name: str
    tools: Sequence[Union[Tool, Callable[..., Any]]]
    positional_args: bool = False
    instructions: Optional[str] = None
    requires_approval: ApprovalPolicy = False


# The namespace bare callables go under, as in Cloudflare's Code Mode.
DEFAULT_NAMESPACE = "codemode"

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

# Words a tool or namespace cannot be named, though they match the identifier pattern.
_RESERVED = {
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements", "import",
    "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public",
    "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while",
    "with", "yield", "arguments", "eval", "undefined", "NaN", "Infinity",
}  # fmt: skip


def is_js_identifier(name: str) -> bool:
    return bool(_IDENT.match(name)) and name not in _RESERVED


def js_identifier(name: str) -> str:
    """`name` made a JavaScript identifier, as tools from MCP servers and OpenAPI documents need:
    other characters become ``_``, a leading digit or a reserved word gets a ``_`` prefix."""
    ident = re.sub(r"[^A-Za-z0-9_$]", "_", name) or "_"
    if ident[0].isdigit() or ident in _RESERVED:
        ident = "_" + ident
    return ident

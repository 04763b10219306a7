"""How OpenAPI parameter styles (``simple``, ``label``, ``matrix``, ``form``, ``deepObject``...)
turn a tool's argument values into the strings of a request's path, query and headers, for
`openapi.OpenAPIConnector`. Path values leave here percent-encoded; query and header values
do not (the user's HTTP client encodes the query)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from .tools import ToolError

__all__ = ["Param", "Query", "add_query", "path_value", "simple", "text"]

Query = dict[str, str | list[str]]
"""Query parameters as the user's function gets them: name to value, a list for a repeated key."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One declared parameter, as the call needs it."""

    arg: str  # the tool argument's name
    name: str  # the parameter's name in the HTTP request
    location: str
    style: str
    explode: bool
    content: bool  # serialized as JSON text (a `content` parameter) rather than by style


def text(value: Any) -> str:
    """A scalar as it appears in a URL or header: JSON's spelling for booleans and numbers."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)


def _pairs(value: Mapping[str, Any], explode: bool, encode: Callable[[str], str]) -> list[str]:
    if explode:
        return [f"{encode(str(k))}={encode(text(v))}" for k, v in value.items()]
    return [item for k, v in value.items() for item in (encode(str(k)), encode(text(v)))]


def simple(param: Param, value: Any, encode: Callable[[str], str] = lambda s: s) -> str:
    """The ``simple`` style (headers, cookies, default for path parameters)."""
    if param.content:
        return encode(json.dumps(value))
    if isinstance(value, list):
        return ",".join(encode(text(v)) for v in value)
    if isinstance(value, Mapping):
        return ",".join(_pairs(value, param.explode, encode))
    return encode(text(value))


def _encode(value: str) -> str:
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise ToolError(f"path parameter value {value!r} is not valid Unicode") from None


def path_value(param: Param, args: Mapping[str, Any]) -> str:
    if param.arg not in args:
        raise ToolError(f"missing required path parameter {param.arg}")
    value = args[param.arg]
    if param.style == "label" and not param.content:
        sep = "." if param.explode else ","
        items = [_encode(text(v)) for v in value] if isinstance(value, list) else None
        if isinstance(value, Mapping):
            items = _pairs(value, param.explode, _encode)
        return "." + (sep.join(items) if items is not None else _encode(text(value)))
    if param.style == "matrix" and not param.content:
        name = _encode(param.name)
        if isinstance(value, list):
            if param.explode:
                return "".join(f";{name}={_encode(text(v))}" for v in value)
            return f";{name}=" + ",".join(_encode(text(v)) for v in value)
        if isinstance(value, Mapping):
            pairs = _pairs(value, param.explode, _encode)
            return "".join(f";{p}" for p in pairs) if param.explode else f";{name}=" + ",".join(pairs)
        return f";{name}={_encode(text(value))}"
    return simple(param, value, _encode)


def add_query(param: Param, value: Any, query: Query) -> None:
    if param.content:
        query[param.name] = json.dumps(value)
    elif isinstance(value, list):
        items = [text(v) for v in value]
        if param.style == "form" and param.explode:
            query[param.name] = items
        else:
            query[param.name] = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(param.style, ",").join(items)
    elif isinstance(value, Mapping):
        if param.style == "deepObject":
            query.update({f"{param.name}[{k}]": text(v) for k, v in value.items()})
        elif param.explode:
            query.update({str(k): text(v) for k, v in value.items()})
        else:
            query[param.name] = ",".join(_pairs(value, False, lambda s: s))
    else:
        query[param.name] = text(value)

"""OpenAPI documents as Code Mode tools: one tool per operation, each call made by an HTTP
function you supply (with your base URL and credentials), plus a raw ``request`` escape hatch.

    def request(method, path, *, query, headers, body):
        r = client.request(method, path, params=query, headers={**headers, **auth}, json=body)
        if r.is_error:
            raise HTTPError(r.status_code, r.text)
        return r.json() if r.content else None

    github = OpenAPIConnector(spec_text, request, "github")
    provider = github.provider()       # github.repos_get({ owner, repo }) in the sandbox

The sandbox never sees a URL, a host or a credential: it names an operation and its arguments,
and your function alone decides where the request goes.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Literal, Protocol
from urllib.parse import quote

from . import _openapi_schema as schemas
from ._openapi_params import Param, Query, add_query, path_value, simple, text
from .tools import ApprovalPolicy, Provider, Tool, ToolError, is_js_identifier, js_identifier

__all__ = ["HTTPError", "OpenAPIConnector", "Operation", "RequestFunction"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Methods `requires_approval="writes"` lets through without asking.
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_RAW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# OpenAPI 3 says header parameters with these names SHALL be ignored: the request's media
# types and the user's credentials are not the model's to set per parameter.
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}
_LOCATIONS = ("path", "query", "header", "cookie")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
_MESSAGE_CAP = 400


class RequestFunction(Protocol):
    """The HTTP function an `OpenAPIConnector` calls; sync or async (``async def``)."""

    def __call__(self, method: str, path: str, /, *, query: Query, headers: dict[str, str], body: Any) -> Any | Awaitable[Any]: ...


class HTTPError(ToolError):
    """Raise it from your request function for an error response: the model reads the status
    and the API's error body (JSON-encoded, cut at 400 characters), which usually says what to
    fix. Any other exception from your function reaches the model as a `ToolError` with the
    method, the path and the exception's type and message."""

    def __init__(self, status: int, body: Any = None, reason: str = "") -> None:
        self.status = status
        self.body = body
        self.reason = reason
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        detail = f": {_cap(text)}" if body not in (None, "") else ""
        super().__init__(f"HTTP {status}{' ' + reason if reason else ''}{detail}")


@dataclasses.dataclass(frozen=True)
class Operation:
    """Which HTTP request a tool makes: ``method`` in capitals, ``path`` as the document's
    template (``/pets/{petId}``)."""

    tool: str
    method: str
    path: str
    operation_id: str | None


@dataclasses.dataclass(frozen=True)
class _Plan:
    operation: Operation
    params: tuple[Param, ...]
    body_arg: str | None
    media_type: str | None


class OpenAPIConnector:
    """An OpenAPI 3.0/3.1 document as a `Provider` of tools, one per operation.

    ``document`` is a dict, JSON text or YAML text (YAML needs PyYAML: ``pip install pyyaml``
    or ``workerbox[openapi]``). ``request`` performs the HTTP calls; it is called as
    ``request(method, path, query=..., headers=..., body=...)``, plain or ``async def``:

    - ``method``: ``"GET"``, ``"POST"``... in capitals.
    - ``path``: the operation's path with its parameters substituted and percent-encoded
      (``/pets/a%2F..%2Fadmin``), starting with ``/``, no query string: prefix your base URL
      to it. A parameter value that would make a path segment empty, ``.`` or ``..`` is refused
      before your function runs, so a value cannot move the request to another path.
    - ``query``: parameter name to value, not yet percent-encoded (``urlencode(query,
      doseq=True)``, httpx's ``params=`` and requests' ``params=`` all take it): a value is a
      ``str``, or a ``list[str]`` for a repeated key (``?tag=a&tag=b``).
    - ``headers``: header name to value, ``str``; ``Content-Type`` is set to the operation's
      media type when there is a body, cookie parameters arrive as one ``Cookie`` header.
      Merge your own headers (credentials) over these, so the model cannot replace them.
    - ``body``: the request body as JSON-like data (send it JSON-encoded when ``Content-Type``
      is JSON), or None for no body.

    It returns the decoded response body (JSON-like data, or None), which the sandbox gets as
    the call's result. For an error response raise `HTTPError` (the model reads its status and
    body); any other exception reaches the model as a `ToolError` naming the request.

    Tools are named by ``js_identifier(operationId)``, or, without one, by method and path
    (``GET /pets/{petId}`` is ``get_pets_by_petId``), with ``_2``, ``_3``... where names
    collide. Each takes one object: path, query, header and cookie parameters by name (a name
    taken twice gets its location as prefix, ``query_id``) and ``body`` for the request body.
    Arguments are checked against the schema with ``jsonschema`` when it is installed, else
    for required and unknown names and top-level types only; the API itself checks the rest.

    ``raw_request=True`` adds a tool ``request({ method, path, query?, headers?, body? })``
    that passes a request to your function as it is: it reaches any path your function
    allows, not only the document's operations (paths are checked for ``..``, ``//``, ``?``,
    ``#`` and control characters, nothing else). Turn it off to keep the model to the
    document. ``include`` keeps only some operations: a collection of operationIds (tool
    names for operations without one) or ``include(method, path, operation) -> bool`` with
    the method in capitals and the operation object as in the document.
    ``requires_approval`` is an `ApprovalPolicy`, or ``"writes"``: every call whose method is
    not GET, HEAD or OPTIONS, the raw tool's included.
    """

    def __init__(
        self,
        document: Mapping[str, Any] | str | bytes,
        request: RequestFunction,
        name: str = "api",
        *,
        instructions: str | None = None,
        requires_approval: ApprovalPolicy | Literal["writes"] = False,
        include: Collection[str] | Callable[[str, str, Mapping[str, Any]], bool] | None = None,
        raw_request: bool = True,
    ) -> None:
        if not is_js_identifier(name):
            raise ValueError(f"namespace {name!r} is not a JavaScript identifier")
        if isinstance(requires_approval, str) and requires_approval != "writes":
            raise ValueError(f'requires_approval={requires_approval!r}: use "writes", or a list of tool names')
        if isinstance(include, str):
            include = {include}
        self.name = name
        self._request = request
        self._document = schemas.load_document(document)
        self._raw_request = raw_request
        self._instructions = instructions if instructions is not None else _default_instructions(self._document)
        try:
            self._jsonschema: Any = importlib.import_module("jsonschema")
        except ImportError:
            self._jsonschema = None
        self._tools: list[Tool] = []
        self._operations: dict[str, Operation] = {}
        self._build(include)
        self._requires_approval: ApprovalPolicy = self._writes if requires_approval == "writes" else requires_approval

    @property
    def operations(self) -> Mapping[str, Operation]:
        """The included operations by tool name (the raw ``request`` tool is none of them)."""
        return dict(self._operations)

    def provider(self) -> Provider:
        """The tools under this connector's namespace."""
        return Provider(self.name, list(self._tools), instructions=self._instructions, requires_approval=self._requires_approval)

    def _writes(self, tool: str, args: Mapping[str, Any]) -> bool:
        # Tolerates the namespaced name too, whichever the dispatcher passes.
        operation = self._operations.get(tool.removeprefix(f"{self.name}."))
        method = operation.method if operation else str(args.get("method", "GET")).upper()
        return method not in _SAFE_METHODS

    def _build(self, include: Collection[str] | Callable[[str, str, Mapping[str, Any]], bool] | None) -> None:
        taken = {"request"} if self._raw_request else set()
        found: list[tuple[str, str, Mapping[str, Any], Mapping[str, Any], str]] = []
        paths = self._document.get("paths") or {}
        for path, item in paths.items():
            item = schemas.deref(self._document, item)
            if not isinstance(item, Mapping):
                continue
            for method in _METHODS:
                op = item.get(method)
                if isinstance(op, Mapping):
                    opid = op.get("operationId")
                    base = js_identifier(opid) if isinstance(opid, str) and opid else _derived_name(method, path)
                    name, n = base, 1
                    while name in taken:
                        n += 1
                        name = f"{base}_{n}"
                    taken.add(name)
                    found.append((method.upper(), path, item, op, name))
        if include is not None and not callable(include):
            wanted = set(include)
            known = {str(op.get("operationId") or name) for _, _, _, op, name in found}
            if wanted - known:
                raise ValueError(f"include names operations the document lacks: {', '.join(sorted(wanted - known))}")
        for method, path, item, op, name in found:
            if callable(include) and not include(method, path, op):
                continue
            if include is not None and not callable(include) and str(op.get("operationId") or name) not in include:
                continue
            self._tools.append(self._operation_tool(method, path, item, op, name))
        if self._raw_request:
            self._tools.append(self._raw_tool())

    def _operation_tool(self, method: str, path: str, item: Mapping[str, Any], op: Mapping[str, Any], name: str) -> Tool:
        doc = self._document
        opid = op.get("operationId")
        operation = Operation(name, method, path, opid if isinstance(opid, str) else None)
        self._operations[name] = operation
        # Operation-level parameters override path-level ones with the same name and location.
        declared: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = schemas.deref(doc, raw)
            if isinstance(param, Mapping) and isinstance(param.get("name"), str) and param.get("in") in _LOCATIONS:
                if param["in"] == "header" and param["name"].lower() in _IGNORED_HEADERS:
                    continue
                declared[(param["name"], param["in"])] = param
        for placeholder in _PLACEHOLDER.findall(path):
            declared.setdefault((placeholder, "path"), {"name": placeholder, "in": "path", "schema": {"type": "string"}})

        request_schemas = schemas.SchemaConverter(doc, "request")
        properties: dict[str, Any] = {}
        required: list[str] = []
        body = schemas.deref(doc, op.get("requestBody"))
        media_type, body_media = _pick_media(body.get("content") if isinstance(body, Mapping) else None)
        body_arg = "body" if media_type is not None else None
        if body_arg is not None and isinstance(body, Mapping):
            body_schema = request_schemas.convert(body_media.get("schema", {}))
            properties["body"] = _described(body_schema, body.get("description"))
            if body.get("required") is True:
                required.append("body")

        params: list[Param] = []
        ordered = sorted(declared.values(), key=lambda p: _LOCATIONS.index(p["in"]))
        for param in ordered:
            arg = param["name"]
            while arg in properties:
                arg = f"{param['in']}_{arg}"
            content_media = _pick_media(param.get("content"))[1] if "content" in param else None
            raw_schema = content_media.get("schema", {}) if content_media is not None else param.get("schema", {})
            schema = _described(request_schemas.convert(raw_schema), param.get("description"))
            if param.get("deprecated") is True and isinstance(schema, dict):
                schema["deprecated"] = True
            if "example" in param and isinstance(schema, dict):
                schema.setdefault("examples", [param["example"]])
            properties[arg] = schema
            if param["in"] == "path" or param.get("required") is True:
                required.append(arg)
            style = param.get("style") or {"path": "simple", "header": "simple"}.get(param["in"], "form")
            explode = param.get("explode", style == "form")
            params.append(Param(arg, param["name"], param["in"], style, bool(explode), content_media is not None))

        parameters: dict[str, Any] = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
        if request_schemas.defs:
            parameters["$defs"] = request_schemas.defs
        plan = _Plan(operation, tuple(params), body_arg, media_type)
        return Tool(
            name=name,
            description=_description(op, method, path),
            parameters=parameters,
            call=lambda args: self._call_operation(plan, args),
            validate=self._validator(name, parameters),
            returns=self._returns(op),
        )

    def _returns(self, op: Mapping[str, Any]) -> dict[str, Any] | None:
        responses = op.get("responses")
        if not isinstance(responses, Mapping):
            return None
        # Keys are str in JSON and YAML documents (YAML ints are made str on loading), but a
        # dict written in Python may use ints.
        by_code = {str(code).upper(): value for code, value in responses.items()}
        success = sorted(c for c in by_code if c.startswith("2") and c != "2XX") + [c for c in by_code if c == "2XX"]
        # The first success response decides; `default` is often the error shape, so it only
        # stands in where no success response is declared.
        chosen = success[0] if success else ("DEFAULT" if "DEFAULT" in by_code else None)
        if chosen is None:
            return None
        response = schemas.deref(self._document, by_code[chosen])
        media_type, media = _pick_media(response.get("content") if isinstance(response, Mapping) else None)
        if media_type is None or not schemas.is_json_media_type(media_type) or "schema" not in media:
            return None
        converter = schemas.SchemaConverter(self._document, "response")
        result = converter.convert(media["schema"])
        if not isinstance(result, dict):
            return None
        if converter.defs:
            result = {**result, "$defs": converter.defs}
        described: dict[str, Any] = _described(result, response.get("description") if isinstance(response, Mapping) else None)
        return described

    def _call_operation(self, plan: _Plan, args: Mapping[str, Any]) -> Any:
        by_name = {p.name: p for p in plan.params if p.location == "path"}
        segments = []
        for segment in plan.operation.path.split("/"):
            expanded = _PLACEHOLDER.sub(lambda m: path_value(by_name[m.group(1)], args), segment)
            if expanded != segment and expanded in ("", ".", ".."):
                raise ToolError(f"{self.name}.{plan.operation.tool}: path parameter value {expanded!r} would change the request's path")
            segments.append(expanded)
        query: Query = {}
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for param in plan.params:
            if param.location == "path" or param.arg not in args:
                continue
            value = args[param.arg]
            if param.location == "query":
                add_query(param, value, query)
            elif param.location == "header":
                headers[param.name] = self._header(plan, param, value)
            else:
                cookies.append(f"{param.name}={quote(simple(param, value), safe='')}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        body = args.get(plan.body_arg) if plan.body_arg else None
        if body is not None and plan.media_type:
            headers["Content-Type"] = plan.media_type if "*" not in plan.media_type else "application/json"
        return self._send(plan.operation.method, "/".join(segments), query, headers, body)

    def _header(self, plan: _Plan, param: Param, value: Any) -> str:
        text = simple(param, value)
        # A line break in a header value would start a header (or a body) of the model's choosing.
        if _CONTROL.search(text):
            raise ToolError(f"{self.name}.{plan.operation.tool}: header {param.name!r} cannot hold control characters")
        return text

    def _send(self, method: str, path: str, query: Query, headers: dict[str, str], body: Any) -> Any:
        try:
            result = self._request(method, path, query=query, headers=headers, body=body)
        except ToolError:
            raise
        except Exception as e:
            raise _failed(method, path, e) from e
        if inspect.isawaitable(result):
            return _awaited(result, method, path)
        return result

    def _raw_tool(self) -> Tool:
        parameters = {
            "type": "object",
            "properties": {
                "method": {"type": "string", "enum": _RAW_METHODS, "description": "the HTTP method"},
                "path": {
                    "type": "string",
                    "description": "the path on this API, starting with '/', values percent-encoded, no query string (e.g. '/pets/42')",
                },
                "query": {
                    "type": "object",
                    "description": "query parameters; an array repeats the key",
                    "additionalProperties": {
                        "type": ["string", "number", "boolean", "array"],
                        "items": {"type": ["string", "number", "boolean"]},
                    },
                },
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "body": {"description": "the JSON request body"},
            },
            "required": ["method", "path"],
            "additionalProperties": False,
        }
        check = self._validator("request", parameters)

        def validate(args: dict[str, Any]) -> dict[str, Any]:
            if isinstance(args, dict) and isinstance(args.get("method"), str):
                args = {**args, "method": args["method"].upper()}
            args = check(args)
            path = args["path"]
            if not path.startswith("/") or path.startswith("//") or _CONTROL.search(path) or " " in path:
                raise ToolError(
                    f"{self.name}.request: path must start with a single '/' and hold no spaces or control characters, got {path!r}"
                )
            if "?" in path or "#" in path:
                raise ToolError(f"{self.name}.request: put query parameters in `query`, not in the path ({path!r})")
            # %2e counts as '.' for URL parsers (WHATWG), so encoded dot segments climb too.
            if any(re.fullmatch(r"(\.|%2e){1,2}", s, re.IGNORECASE) for s in path.split("/")):
                raise ToolError(f"{self.name}.request: '.' and '..' path segments are not allowed ({path!r})")
            for key, value in (args.get("headers") or {}).items():
                if not isinstance(value, str):
                    raise ToolError(f"{self.name}.request: header {key!r} must be a string")
                if _CONTROL.search(key) or _CONTROL.search(value):
                    raise ToolError(f"{self.name}.request: header {key!r} holds control characters")
            return args

        def call(args: dict[str, Any]) -> Any:
            query: Query = {}
            for key, value in (args.get("query") or {}).items():
                query[key] = [text(v) for v in value] if isinstance(value, list) else text(value)
            headers = dict(args.get("headers") or {})
            body = args.get("body")
            if body is not None and not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
            return self._send(args["method"], args["path"], query, headers, body)

        return Tool(
            name="request",
            description=(
                "Send an HTTP request to this API as it is: for what the typed operations do not cover. Returns the decoded response body."
            ),
            parameters=parameters,
            call=call,
            validate=validate,
        )

    def _validator(self, tool: str, parameters: Mapping[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        label = f"{self.name}.{tool}"
        properties: Mapping[str, Any] = parameters["properties"]
        required: list[str] = parameters["required"]
        jsonschema = self._jsonschema
        # Built on the first call: checking the schemas of a document's every operation up front
        # would cost seconds for a large API of which a plan calls a few.
        deep: list[Any] = []

        def deep_validator() -> Any:
            if not deep:
                validator_cls = jsonschema.Draft202012Validator
                try:
                    validator_cls.check_schema(parameters)
                    deep.append(validator_cls(parameters))
                except jsonschema.exceptions.SchemaError:
                    deep.append(None)  # a schema the document got wrong: the shallow checks only
            return deep[0]

        def validate(args: dict[str, Any]) -> dict[str, Any]:
            if not isinstance(args, dict):
                raise ToolError(f"{label} takes one object of named arguments, e.g. {label}({{ ... }})")
            unknown = sorted(set(args) - set(properties))
            if unknown:
                takes = ", ".join(properties) or "no arguments"
                raise ToolError(f"{label}: unknown argument(s) {', '.join(unknown)}; it takes {takes}")
            missing = [r for r in required if r not in args]
            if missing:
                raise ToolError(f"{label}: missing required argument(s) {', '.join(missing)}")
            validator = deep_validator() if jsonschema is not None else None
            if validator is not None:
                try:
                    error = jsonschema.exceptions.best_match(validator.iter_errors(args))
                except RecursionError:
                    error = None  # a $defs cycle of references only: nothing to check against
                if error is not None:
                    raise ToolError(f"{label}: argument {_json_path(error.absolute_path)}: {_cap(error.message)}")
            else:
                for key, value in args.items():
                    expected = properties[key].get("type") if isinstance(properties[key], Mapping) else None
                    if expected is not None and not _has_type(value, expected):
                        shown = expected if isinstance(expected, str) else " or ".join(expected)
                        raise ToolError(f"{label}: argument {key}: expected {shown}, got {_cap(json.dumps(value, default=str))}")
            return args

        return validate


def _default_instructions(document: Mapping[str, Any]) -> str | None:
    info = document.get("info")
    if not isinstance(info, Mapping) or not isinstance(info.get("title"), str):
        return None
    title: str = info["title"] + (f" (version {info['version']})" if isinstance(info.get("version"), str) else "")
    description = info.get("description")
    if isinstance(description, str) and description.strip():
        return f"{title}: {_cap(description.strip().split(chr(10) * 2)[0])}"
    return title


def _derived_name(method: str, path: str) -> str:
    parts = [method]
    for segment in path.strip("/").split("/"):
        if not segment:
            continue
        match = _PLACEHOLDER.fullmatch(segment)
        parts.append(f"by_{match.group(1)}" if match else segment)
    return js_identifier("_".join(parts if len(parts) > 1 else [method, "root"]))


def _description(op: Mapping[str, Any], method: str, path: str) -> str:
    parts = [str(op[k]).strip() for k in ("summary", "description") if isinstance(op.get(k), str) and op[k].strip()]
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        parts = parts[1:]
    if op.get("deprecated") is True:
        parts.insert(0, "Deprecated.")
    parts.append(f"{method} {path}")
    return "\n\n".join(parts)


def _described(schema: Any, description: Any) -> Any:
    if isinstance(description, str) and description.strip() and isinstance(schema, dict) and "description" not in schema:
        return {**schema, "description": description.strip()}
    return schema


def _pick_media(content: Any) -> tuple[str | None, Mapping[str, Any]]:
    """The media type a body or parameter is sent as: the first JSON one, else the first."""
    if not isinstance(content, Mapping) or not content:
        return None, {}
    chosen = next((m for m in content if schemas.is_json_media_type(str(m))), next(iter(content)))
    media = content[chosen]
    return str(chosen), media if isinstance(media, Mapping) else {}


def _failed(method: str, path: str, error: Exception) -> ToolError:
    return ToolError(f"{method} {path} failed: {type(error).__name__}: {_cap(str(error))}")


async def _awaited(result: Awaitable[Any], method: str, path: str) -> Any:
    try:
        return await result
    except ToolError:
        raise
    except Exception as e:
        raise _failed(method, path, e) from e


def _json_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "object"


def _has_type(value: Any, expected: str | list[str]) -> bool:
    kinds = [expected] if isinstance(expected, str) else expected
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    return any(checks.get(kind, lambda v: True)(value) for kind in kinds)


def _cap(text: str) -> str:
    return text if len(text) <= _MESSAGE_CAP else text[: _MESSAGE_CAP - 1] + "…"

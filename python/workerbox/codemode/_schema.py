"""Python callables as `Tool`s: JSON Schema from type hints, and validation of the sandbox's
arguments against them. With pydantic installed both come from its `TypeAdapter` (constrained
types, nested models, validators); without it, a built-in path covers the standard library's
types (str, int, float, bool, bytes, None, Literal, Enum, date/datetime, unions, lists, dicts,
dataclasses, TypedDicts)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import inspect
import json
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Literal, Union

from .tools import Tool, ToolError

# pydantic is optional; mypy runs with and without it installed.
try:
    import pydantic  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - the built-in path's tests run either way
    pydantic = None

# Read at each use, so tests can run both paths in one process.
USE_PYDANTIC = pydantic is not None


def describe(fn: Callable[..., Any], namespace: str = "codemode") -> Tool:
    """`fn` as a Tool: its name, the first paragraph of its docstring, its parameters' schema,
    and a validator built from its type hints."""
    name = getattr(fn, "__name__", None)
    if not name or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"tool {fn!r} needs a public function name")
    hints = typing.get_type_hints(fn, include_extras=True)
    params: list[tuple[str, Any, bool]] = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ValueError(f"tool {name}: *args and **kwargs cannot be described to a model")
        params.append((p.name, hints.get(p.name, Any), p.default is inspect.Parameter.empty))
    defs: dict[str, Any] = {}
    properties = {p: _schema(t, defs) for p, t, _ in params}
    parameters: dict[str, Any] = {"type": "object", "properties": properties, "required": [p for p, _, req in params if req]}
    returns_hint = hints.get("return", Any)
    returns = None if returns_hint is Any else _schema(returns_hint, defs)
    if defs:
        parameters["$defs"] = defs
        if returns is not None:
            returns = {**returns, "$defs": defs}
    doc = (inspect.getdoc(fn) or "").split("\n\n")[0].strip()
    converters = {p: _converter(t) for p, t, _ in params}
    required = [p for p, _, req in params if req]
    prefix = f"{namespace}.{name}"

    def validate(args: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(args) - set(converters))
        if unknown:
            takes = ", ".join(converters) or "no arguments"
            raise ToolError(f"{prefix}: unknown argument(s) {', '.join(unknown)}; it takes {takes}")
        missing = [p for p in required if p not in args]
        if missing:
            raise ToolError(f"{prefix}: missing required argument(s) {', '.join(missing)}")
        return {k: converters[k](v, f"{prefix}: argument {k!r}") for k, v in args.items()}

    def call(kwargs: dict[str, Any]) -> Any:
        result = fn(**kwargs)
        return _plain_later(result) if inspect.isawaitable(result) else plain(result)

    return Tool(name, doc, parameters, call, validate=validate, returns=returns, order=tuple(p for p, _, _ in params))


async def _plain_later(result: Any) -> Any:
    return plain(await result)


def resolve_ref(ref: str, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema a local `$ref` (a JSON pointer, `#/$defs/Name`) names in `document`, or None
    where it names nothing (or something not a schema); shared by both stub renderers."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, Mapping) else None


def plain(value: Any) -> Any:
    """A tool's result as data the sandbox can receive."""
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


def _schema(t: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of `t`; named types go to `defs` and are referenced."""
    adapter = _adapter(t)
    if adapter is None:
        return _Builtin(defs).schema(t)
    schema = adapter.json_schema(ref_template="#/$defs/{model}")
    defs.update(schema.pop("$defs", {}))
    title = schema.get("title")
    if isinstance(t, type) and isinstance(title, str):
        # A named type at the root comes back inline; as a definition, every use shares it.
        defs[title] = schema
        return {"$ref": f"#/$defs/{title}"}
    return _untitled(schema)


def _untitled(schema: dict[str, Any]) -> dict[str, Any]:
    # pydantic titles an unnamed type's schema after the type; a parameter's name says more.
    return {k: v for k, v in schema.items() if k != "title"}


def _adapter(t: Any) -> Any:
    """pydantic's TypeAdapter for `t`, or None for the built-in path: pydantic is missing or
    turned off, or it refuses the type (it rejects `typing.TypedDict` before Python 3.12, and
    types it cannot build a schema for)."""
    if not USE_PYDANTIC or t is Any:
        return None
    try:
        return _adapter_cached(t)
    except TypeError:  # an unhashable annotation: not cached
        return _new_adapter(t)
    except pydantic.PydanticUserError:
        return None


@functools.lru_cache(maxsize=512)
def _adapter_cached(t: Any) -> Any:
    return _new_adapter(t)


def _new_adapter(t: Any) -> Any:
    adapter = pydantic.TypeAdapter(t)
    adapter.json_schema()  # schema errors surface here, while choosing the path
    return adapter


def _converter(t: Any) -> Callable[[Any, str], Any]:
    """A function checking one argument of type `t` (and converting it: an Enum member, a
    date, a dataclass instance), raising ToolError that names `path`."""
    if t is Any:
        return lambda value, path: value
    adapter = _adapter(t)
    if adapter is not None:

        def convert(value: Any, path: str) -> Any:
            try:
                return adapter.validate_python(value)
            except pydantic.ValidationError as e:
                raise ToolError(_pydantic_message(e, path)) from None

        return convert
    return lambda value, path: _check(value, t, path)


def _pydantic_message(e: Any, path: str) -> str:
    problems = []
    for err in e.errors(include_url=False)[:5]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        got = json.dumps(err.get("input"), default=str)[:60]
        problems.append(f"{path}{where}: {err['msg']}, got {got}")
    return "; ".join(problems)


def _is_typeddict(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, dict) and hasattr(t, "__total__")


def _is_model(t: Any) -> bool:
    return pydantic is not None and isinstance(t, type) and issubclass(t, pydantic.BaseModel)


def _structured(t: Any) -> bool:
    return (dataclasses.is_dataclass(t) and isinstance(t, type)) or _is_typeddict(t) or _is_model(t)


def _fields(t: Any) -> list[tuple[str, Any, bool]]:
    """(name, type, required) of a structured type."""
    if _is_model(t):
        return [(k, f.annotation, f.is_required()) for k, f in t.model_fields.items()]
    hints = typing.get_type_hints(t)
    if _is_typeddict(t):
        required = getattr(t, "__required_keys__", set(hints))
        return [(k, v, k in required) for k, v in hints.items()]
    return [
        (f.name, hints.get(f.name, Any), f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        for f in dataclasses.fields(t)
    ]


def _doc(t: type) -> str:
    # The class's own docstring only: a TypedDict would otherwise show dict's.
    doc = inspect.cleandoc(t.__dict__.get("__doc__") or "").split("\n\n")[0].strip()
    # A dataclass without a docstring gets its signature as one.
    return "" if doc.startswith(t.__name__ + "(") else doc


_SEQUENCES = (list, Sequence, tuple, set, frozenset)


class _Builtin:
    """JSON Schema for annotations without pydantic."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def schema(self, t: Any) -> dict[str, Any]:
        origin, args = typing.get_origin(t), typing.get_args(t)
        simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
        if t is Any or t is object:
            return {}
        if t is None or t is type(None):
            return {"type": "null"}
        if t in simple:
            return {"type": simple[t]}
        if t is bytes:
            return {"type": "string", "format": "binary"}
        if t is datetime.datetime:
            return {"type": "string", "format": "date-time"}
        if t is datetime.date:
            return {"type": "string", "format": "date"}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin in _SEQUENCES or t in (list, tuple):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin in (dict, Mapping) or t is dict:
            return {"type": "object", "additionalProperties": self.schema(args[1]) if len(args) == 2 else {}}
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return self._named(t, lambda: {"enum": [m.value for m in t]})
        if _structured(t):
            return self._named(t, lambda: self._object(t))
        return {}

    def _named(self, t: type, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if t.__name__ not in self.defs:
            self.defs[t.__name__] = {}  # a recursive type refers to itself while being made
            schema = {"title": t.__name__, **make()}
            if doc := _doc(t):
                schema["description"] = doc
            self.defs[t.__name__] = schema
        return {"$ref": f"#/$defs/{t.__name__}"}

    def _object(self, t: type) -> dict[str, Any]:
        fields = _fields(t)
        return {
            "type": "object",
            "properties": {n: self.schema(ft) for n, ft, _ in fields},
            "required": [n for n, _, req in fields if req],
        }


def _check(value: Any, t: Any, path: str) -> Any:
    """`value` (JSON-like data from the sandbox) as type `t`, or ToolError saying where not."""
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
    if t is bytes:
        if not isinstance(value, bytes):
            raise bad("Uint8Array")
        return value
    if t in (datetime.datetime, datetime.date):
        return _check_time(value, t, bad)
    if origin is Literal:
        if value not in args:
            raise bad(" | ".join(json.dumps(a) for a in args))
        return value
    if isinstance(t, type) and issubclass(t, enum.Enum):
        try:
            return t(value)
        except ValueError:
            raise bad(" | ".join(json.dumps(m.value, default=str) for m in t)) from None
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return _check(value, option, path)
            except ToolError:
                continue
        raise bad(" | ".join(_name(a) for a in args))
    if origin in _SEQUENCES or t in (list, tuple):
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
        return _check_object(value, t, path, bad)
    return value


def _check_time(value: Any, t: Any, bad: Callable[[str], ToolError]) -> Any:
    if isinstance(value, datetime.datetime):  # a JS Date arrives as one
        return value if t is datetime.datetime else value.date()
    if isinstance(value, str):
        try:
            return t.fromisoformat(value)
        except ValueError:
            pass
    raise bad("an ISO 8601 date" if t is datetime.date else "an ISO 8601 date-time or a Date")


def _check_object(value: Any, t: Any, path: str, bad: Callable[[str], ToolError]) -> Any:
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
    if _is_model(t):
        return t.model_validate(checked)
    if dataclasses.is_dataclass(t) and isinstance(t, type):
        return t(**checked)
    return checked


def _name(t: Any) -> str:
    simple = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    return simple.get(t, getattr(t, "__name__", str(t)))


"""JSON Schema → Python type hints, for showing tools to a model that writes its plan in Python:
the counterpart of `typescript`. Named schemas become ``TypedDict`` classes or aliases, and an
object schema without a name gets a ``TypedDict`` named after where it appears, since Python has
no inline object type."""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from typing import Any, Callable

from ._schema import resolve_ref

__all__ = ["PythonTypes", "json_schema_to_python", "py_identifier"]

# The names the stubs' own header imports or that annotations use: a schema may not take them.
_TAKEN = frozenset("Any Literal NotRequired TypedDict list dict tuple str int float bool bytes None".split())

HEADER = "from typing import Any, Literal, NotRequired, TypedDict\n"


def py_identifier(name: str) -> str:
    """`name` made a Python identifier: other characters become ``_``, a leading digit gets a
    ``_`` prefix and a keyword a ``_`` suffix (``from`` → ``from_``)."""
    ident = re.sub(r"\W", "_", name, flags=re.ASCII) or "_"
    if ident[0].isdigit():
        ident = "_" + ident
    return ident + "_" if keyword.iskeyword(ident) else ident


def json_schema_to_python(schema: Mapping[str, Any], name: str = "Root") -> str:
    """Python declarations for `schema`: ``<name> = ...`` after the ``TypedDict`` classes it
    refers to."""
    py = PythonTypes()
    root = py.type_of(schema, schema, name)
    if root == py_identifier(name):  # an object schema: the class is the declaration
        return py.declarations().rstrip("\n") + "\n"
    return py.declarations() + f"{py_identifier(name)} = {root}\n"


class PythonTypes:
    """Renders schemas to Python type expressions, collecting the classes and aliases they refer
    to as declarations. A name two different schemas want gets a numbered twin."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self._decls: dict[str, str] = {}
        self._names: dict[tuple[int, str], str] = {}
        self._bodies: dict[str, str] = {}
        self._reserved = _TAKEN | reserved

    def declarations(self) -> str:
        return "".join(d + "\n\n\n" for d in self._decls.values() if d)

    def type_of(self, schema: Any, document: Mapping[str, Any], hint: str, depth: int = 0) -> str:
        """The type of `schema` (`$ref`s resolved within `document`); an anonymous object
        becomes a ``TypedDict`` named `hint`."""
        if depth > 64 or not isinstance(schema, Mapping):
            return "Any"
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]), document)
        if "const" in schema:
            return _literal([schema["const"]])
        if "enum" in schema and isinstance(schema["enum"], list):
            return _literal(schema["enum"])
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return _union(self.type_of(o, document, f"{hint}{i or ''}", depth + 1) for i, o in enumerate(options))
        every = schema.get("allOf")
        if isinstance(every, list) and every:
            return self.type_of(every[0], document, hint, depth + 1) if len(every) == 1 else "dict[str, Any]"
        kind = schema.get("type")
        if isinstance(kind, list):
            return _union(self.type_of({**schema, "type": k}, document, hint, depth + 1) for k in kind)
        typed = self._typed(kind, schema, document, hint, depth)
        return _union([typed, "None"]) if schema.get("nullable") is True else typed

    def _typed(self, kind: Any, schema: Mapping[str, Any], document: Mapping[str, Any], hint: str, depth: int) -> str:
        simple = {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}
        if kind in simple:
            return simple[kind]
        if kind == "string":
            return "bytes" if schema.get("format") == "binary" else "str"
        if kind == "array" or "items" in schema or "prefixItems" in schema:
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list):
                return "tuple[" + ", ".join(self.type_of(p, document, f"{hint}{i}", depth + 1) for i, p in enumerate(prefix)) + "]"
            return f"list[{self.type_of(schema.get('items', {}), document, hint + 'Item', depth + 1)}]"
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            if _has_properties(schema):
                return self._declare(hint, schema, lambda name: self.typed_dict(name, schema, document, depth))
            extra = schema.get("additionalProperties")
            value = self.type_of(extra, document, hint + "Value", depth + 1) if isinstance(extra, Mapping) else "Any"
            return f"dict[str, {value}]"
        return "Any"

    def typed_dict(self, name: str, schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0) -> str:
        """A ``TypedDict`` class for an object schema, field descriptions as comments."""
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        fields = []
        for key, sub in properties.items():
            t = self.type_of(sub, document, name + _camel(key), depth + 1)
            fields.append((key, t if key in required else f"NotRequired[{t}]", _description(sub)))
        doc = _description(schema)
        if all(k.isidentifier() and not keyword.iskeyword(k) for k, _, _ in fields):
            lines = [f"class {name}(TypedDict):"] + ([f'    """{doc}"""'] if doc else [])
            lines += [f"    {k}: {t}" + (f"  # {d}" if d else "") for k, t, d in fields]
            return "\n".join(lines)
        entries = "".join(f"    {json.dumps(k)}: {t},\n" for k, t, _ in fields)
        return (f"# {doc}\n" if doc else "") + f"{name} = TypedDict({json.dumps(name)}, {{\n{entries}}})"

    def _declare(self, wanted: str, schema: Mapping[str, Any], render: Callable[[str], str]) -> str:
        """Declares `schema` under a free name made from `wanted` (once per distinct schema)."""
        name = self._free_name(wanted, schema)
        if name not in self._decls:
            self._set(name, render)
        return name

    def _set(self, name: str, render: Callable[[str], str]) -> None:
        self._decls[name] = ""  # reserved: a recursive schema refers to itself while rendered
        text = render(name)
        # Moved after the declarations it uses, which rendering added: read top to bottom,
        # every name is defined before it is used (a recursive one excepted).
        del self._decls[name]
        self._decls[name] = text

    def _ref(self, ref: str, document: Mapping[str, Any]) -> str:
        key = (id(document), ref)
        if key in self._names:
            return self._names[key]
        target = resolve_ref(ref, document)
        if target is None:
            return "Any"
        name = self._free_name(str(target.get("title") or ref.rsplit("/", 1)[-1]), target)
        self._names[key] = name
        if name in self._decls:
            return name
        if _has_properties(target):
            self._set(name, lambda n: self.typed_dict(n, target, document))
        else:
            doc = f"# {_description(target)}\n" if _description(target) else ""
            self._set(name, lambda n: doc + f"{n} = {self.type_of(target, document, n + 'Item')}")
        return name

    def _free_name(self, wanted: str, target: Mapping[str, Any]) -> str:
        base = _class_name(wanted)
        body = json.dumps(target, sort_keys=True, default=str)
        name, n = base, 1
        while name in self._reserved or (name in self._bodies and self._bodies[name] != body):
            n += 1
            name = f"{base}{n}"
        self._bodies[name] = body
        return name


def _has_properties(schema: Mapping[str, Any]) -> bool:
    properties = schema.get("properties")
    return isinstance(properties, Mapping) and bool(properties)


def _literal(values: list[Any]) -> str:
    if not values:
        return "Any"
    plain = [v for v in values if v is not None]
    if any(not isinstance(v, (str, int, float, bool)) for v in plain):
        return "Any"
    parts = [f"Literal[{', '.join(_py_value(v) for v in plain)}]"] if plain else []
    return _union(parts + (["None"] if len(plain) < len(values) else []))


def _py_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _union(parts: Any) -> str:
    unique = list(dict.fromkeys(parts))
    if "Any" in unique:
        return "Any"
    # None last reads as "optional", the way Python code is written.
    unique.sort(key=lambda p: p == "None")
    return " | ".join(unique)


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def _class_name(text: str) -> str:
    name = py_identifier(_camel(text) or "Type")
    return name[0].upper() + name[1:] if name[0].isalpha() else name


def _description(schema: Any) -> str:
    if not isinstance(schema, Mapping) or not isinstance(schema.get("description"), str):
        return ""
    return " ".join(schema["description"].split()).replace('"""', "'''")

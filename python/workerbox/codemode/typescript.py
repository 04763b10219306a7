"""JSON Schema → TypeScript, for showing tools to a model: every tool, whatever it came from
(a Python signature, an MCP server, an OpenAPI document), is described by JSON Schema, and this
renders it. Named schemas (`$defs`, `definitions`, `components/schemas`) become interfaces or
type aliases, shared between the tools that use them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ._schema import resolve_ref

__all__ = ["TypeScript", "json_schema_to_typescript"]

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_schema_to_typescript(schema: Mapping[str, Any], name: str = "Root") -> str:
    """TypeScript declarations for `schema`: `type <name> = ...;` after the interfaces of the
    named schemas it refers to."""
    ts = TypeScript()
    root = ts.type_of(schema, schema)
    return ts.declarations() + f"type {_ident(name)} = {root};\n"


class TypeScript:
    """Renders schemas to TypeScript type expressions, collecting the named types they refer to
    as declarations. A name used by two different schemas gets a numbered twin."""

    def __init__(self) -> None:
        self._decls: dict[str, str] = {}
        # (id of the document, reference) → the TypeScript name given to it.
        self._names: dict[tuple[int, str], str] = {}
        self._bodies: dict[str, str] = {}

    def declarations(self) -> str:
        return "".join(d + "\n" for d in self._decls.values() if d)

    def type_of(self, schema: Any, document: Mapping[str, Any], depth: int = 0) -> str:
        """The TypeScript type of `schema`; `$ref`s are resolved within `document`."""
        if depth > 64 or not isinstance(schema, Mapping):
            return "unknown"
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]), document)
        if "const" in schema:
            return json.dumps(schema["const"])
        if "enum" in schema and isinstance(schema["enum"], list):
            return " | ".join(json.dumps(v) for v in schema["enum"]) or "never"
        for key, glue in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
            options = schema.get(key)
            if isinstance(options, list) and options:
                parts = _unique(_wrap(self.type_of(o, document, depth + 1)) for o in options)
                return glue.join(parts)
        kind = schema.get("type")
        if isinstance(kind, list):
            parts = _unique(_wrap(self.type_of({**schema, "type": k}, document, depth + 1)) for k in kind)
            return " | ".join(parts)
        nullable = " | null" if schema.get("nullable") is True else ""
        return self._typed(kind, schema, document, depth) + nullable

    def _typed(self, kind: Any, schema: Mapping[str, Any], document: Mapping[str, Any], depth: int) -> str:
        if kind in ("integer", "number"):
            return "number"
        if kind == "boolean":
            return "boolean"
        if kind == "null":
            return "null"
        if kind == "string":
            return "Uint8Array" if schema.get("format") == "binary" else "string"
        if kind == "array" or "items" in schema or "prefixItems" in schema:
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list):
                return "[" + ", ".join(self.type_of(p, document, depth + 1) for p in prefix) + "]"
            return _wrap(self.type_of(schema.get("items", {}), document, depth + 1)) + "[]"
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            return self.object_of(schema, document, depth)
        return "unknown"

    def object_of(self, schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0) -> str:
        """`{ a: T; b?: U }` for an object schema (its descriptions as doc comments)."""
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        if not isinstance(properties, Mapping) or not properties:
            value = self.type_of(extra, document, depth + 1) if isinstance(extra, Mapping) else "unknown"
            return f"Record<string, {value}>"
        required = set(schema.get("required") or [])
        fields = []
        for key, sub in properties.items():
            doc = _comment(sub.get("description")) if isinstance(sub, Mapping) else ""
            optional = "" if key in required else "?"
            fields.append(f"{doc}{_key(key)}{optional}: {self.type_of(sub, document, depth + 1)}")
        return "{ " + "; ".join(fields) + " }"

    def _ref(self, ref: str, document: Mapping[str, Any]) -> str:
        key = (id(document), ref)
        if key in self._names:
            return self._names[key]
        target = resolve_ref(ref, document)
        if target is None:
            return "unknown"
        name = self._free_name(ref.rsplit("/", 1)[-1], target)
        self._names[key] = name
        if name in self._decls:
            return name
        self._decls[name] = ""  # reserved: a recursive schema refers to itself while rendered
        doc = _comment(target.get("description"), block=True)
        if _is_object(target):
            body = self.object_of(target, document)
            self._decls[name] = f"{doc}interface {name} {body}"
        else:
            self._decls[name] = f"{doc}type {name} = {self.type_of(target, document)};"
        return name

    def _free_name(self, wanted: str, target: Mapping[str, Any]) -> str:
        """A TypeScript name for `target`: `wanted` (made an identifier) unless another schema
        took it, then `wanted2`, `wanted3`..."""
        base = _ident(str(target.get("title") or wanted))
        body = json.dumps(target, sort_keys=True, default=str)
        name, n = base, 1
        while name in self._bodies and self._bodies[name] != body:
            n += 1
            name = f"{base}{n}"
        self._bodies[name] = body
        return name


def _is_object(schema: Mapping[str, Any]) -> bool:
    return (schema.get("type") == "object" or "properties" in schema) and bool(schema.get("properties"))


def _wrap(ts: str) -> str:
    return f"({ts})" if (" | " in ts or " & " in ts) and not ts.startswith("{") else ts


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _key(key: str) -> str:
    return key if _IDENT.match(key) else json.dumps(key)


def _ident(name: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_$]", "_", name) or "_"
    return "_" + ident if ident[0].isdigit() else ident


def _comment(text: Any, block: bool = False) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    one_line = " ".join(text.split()).replace("*/", "*\\/")
    return f"/** {one_line} */" + ("\n" if block else " ")

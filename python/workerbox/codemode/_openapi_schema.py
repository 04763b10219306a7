"""The OpenAPI document side of `openapi.OpenAPIConnector`: loading a document (dict, JSON or
YAML text), following its local ``$ref``s, and turning OpenAPI 3.0/3.1 schemas into plain JSON
Schema (draft 2020-12) that a validator and a TypeScript renderer can both read.

Nothing here calls the user's request function or knows about tools."""

from __future__ import annotations

import datetime
import importlib
import json
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import unquote

__all__ = ["SchemaConverter", "deref", "is_json_media_type", "load_document", "resolve_pointer"]

# A chain of $refs longer than this is a cycle of references to references, not a schema.
_MAX_REF_HOPS = 32

# OpenAPI-only keywords that are no JSON Schema and mean nothing to a validator or to the model.
_DROPPED = {"discriminator", "xml", "externalDocs", "$schema", "$id", "$anchor", "$comment"}
# Keywords whose value is one schema / a list of schemas / a map of name to schema.
_ONE = {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
        "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema"}  # fmt: skip
_MANY = {"allOf", "anyOf", "oneOf", "prefixItems"}
_MAP = {"properties", "patternProperties", "dependentSchemas"}
# Keywords that may sit next to a $ref and only annotate it.
_ANNOTATIONS = {"description", "title", "summary", "default", "examples", "deprecated", "readOnly", "writeOnly"}


def load_document(document: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """The OpenAPI 3.x document as a dict, from a mapping, JSON text or YAML text."""
    if isinstance(document, bytes):
        document = document.decode("utf-8")
    if isinstance(document, str):
        text = document.lstrip()
        if text.startswith("{"):
            data: Any = json.loads(text)
        else:
            try:
                yaml = importlib.import_module("yaml")
            except ImportError:
                raise ImportError(
                    "an OpenAPI document given as YAML text needs PyYAML: pip install pyyaml "
                    "(or pip install 'workerbox[openapi]'); a dict or JSON text needs nothing"
                ) from None
            data = _json_like(yaml.safe_load(text))
    elif isinstance(document, Mapping):
        data = document
    else:
        raise TypeError(f"an OpenAPI document is a dict, JSON text or YAML text, not {type(document).__name__}")
    if not isinstance(data, Mapping):
        raise TypeError("not an OpenAPI document: expected a mapping at the top (pass the document's text, not a file name)")
    version = data.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.")):
        hint = " (Swagger 2.0 documents need converting to OpenAPI 3 first)" if "swagger" in data else ""
        raise ValueError(f"expected an OpenAPI 3.0 or 3.1 document, got openapi: {version!r}{hint}")
    return dict(data)


def _json_like(value: Any) -> Any:
    """YAML's extras made JSON-like: response codes parse as int keys, dates as date objects,
    and both would otherwise surface in tool schemas that must be JSON."""
    if isinstance(value, Mapping):
        return {str(k): _json_like(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_like(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def resolve_pointer(document: Mapping[str, Any], ref: str) -> Any:
    """The value a local reference (``#/components/schemas/Pet``) points at."""
    if not ref.startswith("#"):
        raise ValueError(f"$ref {ref!r} is not local to the document; only '#/...' references are followed")
    node: Any = document
    for raw in ref[1:].split("/")[1:] if ref != "#" else []:
        key = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise ValueError(f"$ref {ref!r} points at nothing in the document")
    return node


def deref(document: Mapping[str, Any], node: Any) -> Any:
    """`node` with its ``$ref`` followed, for objects that are no schemas (parameters, request
    bodies, responses, path items): their siblings of ``$ref`` carry no meaning we need."""
    for _ in range(_MAX_REF_HOPS):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
            return node
        node = resolve_pointer(document, node["$ref"])
    raise ValueError("a chain of $refs does not end in an object")


def is_json_media_type(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"


class SchemaConverter:
    """JSON Schema (draft 2020-12) for the OpenAPI schemas of one tool's arguments or of its
    result.

    Local ``$ref``s are inlined, so the model reads each schema where it is used, except
    recursive ones: a schema that refers back to itself (directly or through others) is kept
    once under ``$defs`` (named after its component, e.g. ``#/$defs/Node``) and referred to
    there, so no schema is ever expanded forever. Put `defs` at the root of the schema that
    holds the converted parts.

    OpenAPI 3.0 dialect becomes JSON Schema: ``nullable`` adds ``"null"`` to ``type`` (and
    ``null`` to ``enum``), boolean ``exclusiveMinimum``/``exclusiveMaximum`` become numbers,
    ``example`` becomes ``examples``. ``direction`` drops what does not travel that way:
    ``readOnly`` properties from request schemas, ``writeOnly`` ones from response schemas.
    References outside the document cannot be followed and accept any value.
    """

    def __init__(self, document: Mapping[str, Any], direction: Literal["request", "response"]) -> None:
        self._document = document
        self._hidden = "readOnly" if direction == "request" else "writeOnly"
        self.defs: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        self._expanding: list[str] = []
        self._recursive: set[str] = set()

    def convert(self, schema: Any) -> Any:
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, Mapping):
            return {}
        if isinstance(schema.get("$ref"), str):
            return self._with_siblings(self._ref(schema["$ref"]), {k: v for k, v in schema.items() if k != "$ref"})
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _DROPPED or key == "nullable" or key.startswith("x-"):
                continue
            if key in _MAP and isinstance(value, Mapping):
                out[key] = {name: self.convert(sub) for name, sub in value.items()}
            elif key in _ONE:
                out[key] = [self.convert(s) for s in value] if isinstance(value, list) else self.convert(value)
            elif key in _MANY and isinstance(value, list):
                out[key] = [self.convert(s) for s in value]
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value and bound in schema:
                    out[key] = schema[bound]
            elif key == "example":
                out.setdefault("examples", [value])
            else:
                out[key] = value
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if schema.get(key) is True:
                out.pop(bound, None)
        self._drop_hidden(out)
        if schema.get("nullable") is True:
            return _nullable(out)
        return out

    def _drop_hidden(self, out: dict[str, Any]) -> None:
        props = out.get("properties")
        if not isinstance(props, dict):
            return
        hidden = {name for name, sub in props.items() if isinstance(sub, Mapping) and sub.get(self._hidden) is True}
        if hidden:
            out["properties"] = {k: v for k, v in props.items() if k not in hidden}
            if isinstance(out.get("required"), list):
                out["required"] = [r for r in out["required"] if r not in hidden]

    def _ref(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {"description": f"(not checked: external $ref {ref})"}
        if ref in self._expanding:
            self._recursive.add(ref)
            return {"$ref": f"#/$defs/{self._name(ref)}"}
        if ref in self._recursive:
            return {"$ref": f"#/$defs/{self._name(ref)}"}
        target = resolve_pointer(self._document, ref)
        self._expanding.append(ref)
        try:
            converted = self.convert(target)
        finally:
            self._expanding.pop()
        if ref in self._recursive:
            self.defs[self._name(ref)] = converted
            return {"$ref": f"#/$defs/{self._name(ref)}"}
        return converted

    def _name(self, ref: str) -> str:
        if ref not in self._names:
            base = re.sub(r"[^A-Za-z0-9_.-]", "_", unquote(ref.rsplit("/", 1)[-1])) or "schema"
            name, n = base, 1
            while name in self._names.values():
                n += 1
                name = f"{base}_{n}"
            self._names[ref] = name
        return self._names[ref]

    def _with_siblings(self, resolved: Any, siblings: Mapping[str, Any]) -> Any:
        """A ``$ref`` with keywords next to it (3.1 allows any; 3.0 documents use ``nullable``
        and ``description`` there anyway)."""
        if not siblings:
            return resolved
        extra = self.convert({k: v for k, v in siblings.items() if k != "nullable"})
        if isinstance(resolved, Mapping) and isinstance(extra, Mapping) and set(extra) <= _ANNOTATIONS:
            merged: Any = {**resolved, **extra}
        elif extra:
            merged = {"allOf": [resolved, extra]}
        else:
            merged = resolved
        return _nullable(merged) if siblings.get("nullable") is True else merged


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict) or "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    kind = out["type"]
    if isinstance(kind, str) and kind != "null":
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out

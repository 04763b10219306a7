"""Discovery for large tool sets: instead of the prompt carrying every signature, the plan asks
``codemode.search("pull request")`` for the tools that match and ``codemode.describe(path)`` for
one tool's TypeScript.

Ranking is BM25 over each tool's words (its namespace and name split at ``_``, ``-``, ``.`` and
case changes, its description, its parameters' names and descriptions), with the name's words
counted thrice: a few hundred tools score in well under a millisecond, with no model and no
index to download."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable

from .tools import Tool, ToolError

__all__ = ["Catalog", "estimate_tokens"]

# BM25's usual constants: term-frequency saturation and length normalisation.
_K1 = 1.2
_B = 0.75
_NAME_WEIGHT = 3


def estimate_tokens(text: str) -> int:
    """Tokens `text` takes in a prompt, estimated as characters ÷ 4: tokenizer packages fetch
    their tables on first use, which fails offline, and the ratio holds for code and English
    within about 20%."""
    return (len(text) + 3) // 4


def _words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


class Catalog:
    """The searchable index of every tool, by path ``namespace.tool``."""

    def __init__(self, entries: Iterable[tuple[str, Tool]], describe: Callable[[str, Tool], str]) -> None:
        self._tools = dict(entries)
        self._describe = describe
        self._docs: dict[str, Counter[str]] = {}
        for path, tool in self._tools.items():
            words = Counter(_words(tool.description))
            for w in _words(path):
                words[w] += _NAME_WEIGHT
            for name, schema in _properties(tool.parameters).items():
                words.update(_words(name))
                if isinstance(schema, Mapping) and isinstance(schema.get("description"), str):
                    words.update(_words(schema["description"]))
            self._docs[path] = words
        self._lengths = {p: sum(c.values()) for p, c in self._docs.items()}
        self._average = sum(self._lengths.values()) / max(1, len(self._lengths))
        frequency: Counter[str] = Counter()
        for words in self._docs.values():
            frequency.update(words.keys())
        n = len(self._docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def __len__(self) -> int:
        return len(self._tools)

    def search(self, query: str, limit: int = 10) -> list[dict[str, str]]:
        """The best `limit` matches for `query`, as ``{path, description}``."""
        terms = _words(query)
        scored = []
        for path, words in self._docs.items():
            norm = _K1 * (1 - _B + _B * self._lengths[path] / (self._average or 1))
            score = sum(self._idf.get(t, 0.0) * words[t] * (_K1 + 1) / (words[t] + norm) for t in terms if t in words)
            if score > 0:
                scored.append((-score, path))
        scored.sort()
        return [{"path": p, "description": _first_line(self._tools[p].description)} for _, p in scored[: max(0, limit)]]

    def describe(self, path: str) -> str:
        """The TypeScript declaration of the tool at `path`."""
        return self._describe(path, self.lookup(path))

    def lookup(self, path: str) -> Tool:
        """The tool at `path`, or a ToolError suggesting close matches."""
        tool = self._tools.get(path)
        if tool is None:
            close = self.search(path.replace(".", " "), 3)
            hint = f"; did you mean {', '.join(c['path'] for c in close)}?" if close else ""
            raise ToolError(f"no tool at {path!r}{hint}")
        return tool

    @staticmethod
    def tools(namespace: str, current: Callable[[], Catalog]) -> Sequence[Tool]:
        """search and describe as `Tool`s of `namespace`, answered by whichever catalog
        `current` returns at the time of the call (it is rebuilt as snippets are saved)."""

        def search(args: dict[str, Any]) -> list[dict[str, str]]:
            return current().search(args["query"], args.get("limit", 10))

        def describe(args: dict[str, Any]) -> str:
            return current().describe(args["path"])

        return [
            Tool(
                "search",
                "Tools matching a query, best first: their paths (namespace.tool) and what they do.",
                {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 0}},
                    "required": ["query"],
                },
                search,
                validate=_checked({"query": str}, {"limit": int}, f"{namespace}.search"),
                returns={
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"path": {"type": "string"}, "description": {"type": "string"}},
                        "required": ["path", "description"],
                    },
                },
            ),
            Tool(
                "describe",
                "The TypeScript declaration of one tool, by its path from search: read it before calling the tool.",
                {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
                describe,
                validate=_checked({"path": str}, {}, f"{namespace}.describe"),
                returns={"type": "string"},
            ),
        ]


def _checked(required: Mapping[str, type], optional: Mapping[str, type], prefix: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def validate(args: dict[str, Any]) -> dict[str, Any]:
        for name in args:
            if name not in required and name not in optional:
                raise ToolError(f"{prefix}: unknown argument {name!r}; it takes {', '.join([*required, *optional])}")
        for name, kind in {**required, **optional}.items():
            if name not in args:
                if name in required:
                    raise ToolError(f"{prefix}: missing required argument {name!r}")
            elif not isinstance(args[name], kind) or isinstance(args[name], bool):
                raise ToolError(f"{prefix}: argument {name!r} must be a {'string' if kind is str else 'number'}")
        return args

    return validate


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = schema.get("properties")
    return properties if isinstance(properties, Mapping) else {}


def _first_line(text: str) -> str:
    return " ".join(text.split("\n\n", 1)[0].split())

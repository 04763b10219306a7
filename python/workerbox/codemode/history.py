"""What ran, and what the host kept: a bounded history of executions (code, calls, outcome,
timings), and snippets, plans saved under a name that a later plan reruns with
``codemode.run(name, args)``. Both live in this process's memory."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .normalize import normalize_code

__all__ = ["ExecutionRecord", "Snippet"]

# Snippets are compiled into every plan's sandbox; past this many, a plan would pay for
# compiling code it does not run.
MAX_SNIPPETS = 100


@dataclasses.dataclass(frozen=True)
class ExecutionRecord:
    """One finished plan."""

    execution_id: str
    code: str
    calls: Sequence[Any]
    value: Any
    error: Optional[str]
    started_at: float
    """`time.time()` when it started."""
    duration_s: float
    """From start to end, time paused for approval included."""
    language: str = "typescript"
    """What the plan was written in: ``"typescript"`` or ``"python"``."""


@dataclasses.dataclass(frozen=True)
class Snippet:
    """A plan the host saved under `name`. A plan reruns it with ``codemode.run(name, args)``:
    a snippet written as a function (``async (args) => { ... }``) receives `args`."""

    name: str
    description: str
    code: str


def snippet_modules(snippets: Mapping[str, Snippet]) -> dict[str, Any]:
    """The sandbox modules holding the snippets: one per snippet, and ``snippets.ts`` mapping
    their names to their default exports."""
    modules: dict[str, Any] = {}
    imports, entries = [], []
    for i, snippet in enumerate(snippets.values()):
        modules[f"snippet_{i}.ts"] = {"ts": normalize_code(snippet.code)}
        imports.append(f"import s{i} from './snippet_{i}.ts'\n")
        entries.append(f"{json.dumps(snippet.name)}: s{i}")
    modules["snippets.ts"] = {"ts": "".join(imports) + "export default { " + ", ".join(entries) + " } as Record<string, (args?: unknown) => Promise<unknown>>\n"}
    return modules

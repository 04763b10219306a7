"""`ToolAPI.run` as one tool of an agent framework: pydantic-ai and the OpenAI Agents SDK (both
optional; imported only when asked for). The model gets one tool taking TypeScript (or Python,
with ``language="python"``); its
description carries the tools' declarations (or, with discovery, the namespaces); the answer is
`RunResult.for_model()`. A plan that pauses for approval answers with the pending calls."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api import ToolAPI
    from .results import RunResult

__all__ = ["openai_agents_tool", "pydantic_ai_tool"]


def _answer(result: RunResult) -> str:
    if result.status == "paused":
        waiting = ", ".join(f"{c.namespace}.{c.name} ({c.call_id})" for c in result.pending)
        return f"paused: waiting for a person to approve {waiting}"
    return result.for_model()


def pydantic_ai_tool(api: ToolAPI, name: str = "run_code", language: str = "typescript") -> Any:
    """A `pydantic_ai.Tool` running the model's plan through `api.arun` on the agent's event
    loop (so async tools and MCP sessions on that loop work)."""
    description = api._run_tool_description(language)
    try:
        from pydantic_ai import Tool  # type: ignore[import-not-found, unused-ignore]
    except ImportError as e:
        raise ImportError("pydantic_ai_tool needs pydantic-ai: pip install pydantic-ai-slim") from e

    async def run_code(code: str) -> str:
        return _answer(await api.arun(code, language=language))

    return Tool(run_code, name=name, description=description, takes_ctx=False)


def openai_agents_tool(api: ToolAPI, name: str = "run_code", language: str = "typescript") -> Any:
    """An OpenAI Agents SDK `FunctionTool` running the model's plan through `api.arun`."""
    description = api._run_tool_description(language)
    try:
        from agents import FunctionTool  # type: ignore[import-not-found, unused-ignore]
    except ImportError as e:
        raise ImportError("openai_agents_tool needs the OpenAI Agents SDK: pip install openai-agents") from e

    async def invoke(context: Any, arguments: str) -> str:
        try:
            code = json.loads(arguments).get("code")
        except (ValueError, AttributeError):
            code = None
        if not isinstance(code, str):
            return f'error: the run_code tool takes {{"code": "<{"Python" if language == "python" else "TypeScript"}>"}}'
        return _answer(await api.arun(code, language=language))

    schema = {**api._run_tool_schema(language), "additionalProperties": False}
    return FunctionTool(name=name, description=description, params_json_schema=schema, on_invoke_tool=invoke)

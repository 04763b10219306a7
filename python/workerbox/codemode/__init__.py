"""Code Mode: let a model write one TypeScript function that chains your tools, and run it in a
fresh sandbox.

    api = ToolAPI([search, fetch_page])
    prompt = api.typescript()          # the declarations the model is shown
    result = api.run(model_code)       # never raises for a failing plan
    result.value, result.logs, result.calls, result.error

Tools are plain Python callables with type hints, or `Tool`s described by a JSON Schema (what
MCP servers and OpenAPI documents give). `tools` holds the model both share.
"""

from ._api import RunResult, ToolAPI, ToolCall
from .tools import Provider, Tool, ToolError, js_identifier

__all__ = ["Provider", "RunResult", "Tool", "ToolAPI", "ToolCall", "ToolError", "js_identifier"]

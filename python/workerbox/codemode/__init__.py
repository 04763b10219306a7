"""Code Mode: let a model write one TypeScript function (or a Python script) that chains your
tools, and run it in a fresh sandbox.

    api = ToolAPI([search, fetch_page])
    prompt = api.typescript()          # the declarations the model is shown
    result = api.run(model_code)       # never raises for a failing plan
    result.value, result.logs, result.calls, result.error
    api.python()                       # the same tools as typed Python stubs
    api.run(model_code, language="python")

Tools are plain Python callables with type hints (under the ``codemode`` namespace), `Tool`s
described by a JSON Schema (what MCP servers and OpenAPI documents give), and `Provider`s that
put tools under a namespace of their own: ``ToolAPI([search, Provider("db", [query])])`` gives
the plan ``codemode.search({...})`` and ``db.query({...})``.
"""

from ._api import RunResult, ToolAPI, ToolCall
from .approvals import PendingCall
from .history import ExecutionRecord, Snippet
from .mcp import MCPConnector
from .normalize import normalize_code, normalize_python
from .openapi import HTTPError, OpenAPIConnector
from .tools import Provider, Tool, ToolError, js_identifier
from .python_stubs import json_schema_to_python
from .typescript import json_schema_to_typescript

__all__ = [
    "ExecutionRecord",
    "HTTPError",
    "MCPConnector",
    "OpenAPIConnector",
    "PendingCall",
    "Provider",
    "RunResult",
    "Snippet",
    "Tool",
    "ToolAPI",
    "ToolCall",
    "ToolError",
    "js_identifier",
    "json_schema_to_python",
    "json_schema_to_typescript",
    "normalize_code",
    "normalize_python",
]

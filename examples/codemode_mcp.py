"""Code Mode over real tool servers: an MCP server (built with the MCP SDK's own server class,
spoken to over stdio) and an HTTP API described by an OpenAPI document (served on 127.0.0.1),
each a namespace in one plan. The "model" is scripted, so this runs offline:

    pip install 'workerbox[mcp]' && python examples/codemode_mcp.py

A transfer needs a person's approval: the plan pauses there, and resumes once approved.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any, Optional

from workerbox.codemode import MCPConnector, OpenAPIConnector, ToolAPI
from workerbox.codemode.discovery import estimate_tokens

MCP_SERVER = '''
try:
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # MCP SDK 1.x
    from mcp.server.fastmcp import FastMCP as Server

from pydantic import BaseModel

server = Server("weather")

class Forecast(BaseModel):
    city: str
    highs_c: list[int]

@server.tool()
def forecast(city: str, days: int = 1) -> Forecast:
    """Daily high temperatures for a city."""
    return Forecast(city=city, highs_c=[21 + d for d in range(days)])

server.run()
'''

NOTES_API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Notes", "version": "1"},
    "paths": {
        "/notes": {
            "post": {
                "operationId": "addNote",
                "summary": "Save a note",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}},
                },
                "responses": {"201": {"description": "Saved", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        }
    },
}

# What a model would write after reading `api.typescript()`.
PLAN = """
const w = await weather.forecast({ city: 'Lisbon', days: 3 })
const warmest = Math.max(...w.highs_c)
const note = await notes.addNote({ body: { text: `Lisbon peaks at ${warmest} °C` } })
return { warmest, note }
"""


class Notes(http.server.BaseHTTPRequestHandler):
    saved: list[str] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Notes.saved.append(body["text"])
        answer = json.dumps({"id": len(Notes.saved), **body}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def notes_client(base: str) -> Any:
    """The host's HTTP function: where the base URL (and, for a real API, credentials) live."""

    def request(method: str, path: str, *, query: dict[str, Any], headers: dict[str, str], body: Optional[Any]) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    return request


async def main() -> None:
    try:
        from mcp import ClientSession, StdioServerParameters  # type: ignore[import-not-found, unused-ignore]
        from mcp.client.stdio import stdio_client  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        sys.exit("this example needs the MCP SDK: pip install 'workerbox[mcp]'")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Notes)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    notes = OpenAPIConnector(NOTES_API, notes_client(f"http://127.0.0.1:{httpd.server_address[1]}"), "notes",
                             requires_approval="writes")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "weather_server.py"
        script.write_text(MCP_SERVER)
        params = StdioServerParameters(command=sys.executable, args=[str(script)])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            weather = await MCPConnector(session, "weather").provider()
            api = ToolAPI([weather, notes.provider()])
            print(f"prompt: {estimate_tokens(api.typescript())} tokens of declarations")
            result = await api.arun(PLAN)
            while result.status == "paused":
                for call in result.pending:
                    print(f"approve {call.namespace}.{call.name}({json.dumps(dict(call.args))})? yes")
                    result = await api.aapprove(call.call_id)
            print("error:" if result.error else "result:", result.error or json.dumps(result.value))
            print("calls:", [f"{c.namespace}.{c.name}" for c in result.calls])
    httpd.shutdown()
    assert Notes.saved == ["Lisbon peaks at 23 °C"], Notes.saved


if __name__ == "__main__":
    asyncio.run(main())

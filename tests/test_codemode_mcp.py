"""MCPConnector against real MCP servers built with the SDK, in subprocesses, over stdio and
streamable HTTP: listing, names, schemas, results, errors, validation, pagination."""

import asyncio
import base64
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

pytest.importorskip("mcp", reason="the MCP SDK is the optional extra workerbox[mcp]")

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from workerbox.codemode import Provider, ToolAPI, ToolError
from workerbox.codemode.mcp import MCPConnector, _sandbox_names

# Each test starts its own server process (about a second, most of it importing the SDK).
TIMEOUT_S = 20

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()

# One server for both transports; it runs on SDK 2 (MCPServer) and SDK 1 (FastMCP).
SERVER = textwrap.dedent(
    """
    import sys
    from typing import Literal

    from pydantic import BaseModel
    from mcp.types import ImageContent, TextContent

    try:
        from mcp.server.mcpserver import MCPServer as Server
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        from mcp.server.fastmcp import FastMCP as Server
        from mcp.server.fastmcp.exceptions import ToolError

    server = Server("demo")


    class Point(BaseModel):
        x: int
        y: int


    class Weather(BaseModel):
        city: str
        celsius: float
        sky: Literal["clear", "cloudy", "rain"]


    @server.tool(name="get-weather.v2", title="Weather now", description="Current weather in a city.")
    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> Weather:
        return Weather(city=city, celsius=21.5 if unit == "C" else 70.7, sky="clear")


    @server.tool()
    def get_weather_v2(city: str) -> Weather:
        \"\"\"The old weather tool, whose name collides with get-weather.v2's.\"\"\"
        return Weather(city=city, celsius=0.0, sky="rain")


    @server.tool(structured_output=False)
    def shout(text: str, times: int = 1) -> str:
        \"\"\"Upper-cases text.\"\"\"
        return " ".join([text.upper()] * times)


    @server.tool()
    def distance(a: Point, b: Point) -> float:
        \"\"\"Manhattan distance between two points.\"\"\"
        return abs(a.x - b.x) + abs(a.y - b.y)


    @server.tool(structured_output=False)
    def chart(title: str) -> list:
        \"\"\"A caption and an image.\"\"\"
        return [TextContent(type="text", text=title), ImageContent(type="image", data="PNG", mimeType="image/png")]


    @server.tool(name="delete")
    def delete(id: int) -> str:
        \"\"\"Deletes nothing.\"\"\"
        return f"deleted {id}"


    @server.tool()
    def fail(reason: str) -> str:
        \"\"\"Always fails.\"\"\"
        raise ToolError(f"cannot do it: {reason}")


    if sys.argv[1:2] == ["http"]:
        port = int(sys.argv[2])
        try:
            server.run("streamable-http", host="127.0.0.1", port=port)
        except TypeError:
            server.settings.host, server.settings.port = "127.0.0.1", port
            server.run("streamable-http")
    else:
        server.run()
    """
).replace('"PNG"', repr(PNG))

# The high-level servers list all tools at once, so paging needs the low-level one, whose
# handlers SDK 2 takes as arguments and SDK 1 in its request_handlers table.
PAGED_SERVER = textwrap.dedent(
    """
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server

    try:
        from mcp import MCPError

        def protocol_error(message):
            return MCPError(-32602, message)
    except ImportError:
        from mcp.shared.exceptions import McpError

        def protocol_error(message):
            return McpError(types.ErrorData(code=-32602, message=message))

    TOOLS = [
        types.Tool(name=f"tool-{i}", inputSchema={"type": "object", "properties": {"n": {"type": "integer"}}})
        for i in range(5)
    ]


    async def list_tools(ctx, params):
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + 2
        return types.ListToolsResult(tools=TOOLS[start:end], nextCursor=str(end) if end < len(TOOLS) else None)


    async def call_tool(ctx, params):
        n = params.arguments["n"]
        if n < 0:
            raise protocol_error("n must not be negative")
        return types.CallToolResult(content=[types.TextContent(type="text", text=f"{params.name} got {n}")])


    try:
        server = Server("paged", on_list_tools=list_tools, on_call_tool=call_tool)
    except TypeError:
        server = Server("paged")

        async def list_tools_v1(request):
            return types.ServerResult(await list_tools(None, request.params))

        async def call_tool_v1(request):
            return types.ServerResult(await call_tool(None, request.params))

        server.request_handlers[types.ListToolsRequest] = list_tools_v1
        server.request_handlers[types.CallToolRequest] = call_tool_v1


    async def main():
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


    anyio.run(main)
    """
)


def with_stdio(tmp_path, check, source=SERVER):
    """Runs `check(session)` against the server `source` over stdio; the server's stderr goes to
    a file, shown if the test fails."""
    script = tmp_path / "server.py"
    script.write_text(source)
    log = tmp_path / "server.log"

    async def main():
        with log.open("w") as errlog:
            params = StdioServerParameters(command=sys.executable, args=[str(script)], env=dict(os.environ))
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return await check(session)

    try:
        return asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
    except BaseException:
        print(log.read_text(), file=sys.stderr)
        raise


def by_name(provider):
    return {t.name: t for t in provider.tools}


def test_provider_lists_tools_under_identifier_names_with_their_schemas(tmp_path):
    async def check(session):
        connector = MCPConnector(session, "weather", instructions="Weather tools.", requires_approval=["_delete"])
        return connector, await connector.provider()

    connector, provider = with_stdio(tmp_path, check)
    assert isinstance(provider, Provider)
    assert (provider.name, provider.instructions, provider.requires_approval) == ("weather", "Weather tools.", ["_delete"])
    tools = by_name(provider)
    # get_weather_v2 is an identifier already, so it keeps its name whatever the listing order.
    assert connector.original_names == {
        "get_weather_v2_2": "get-weather.v2",
        "get_weather_v2": "get_weather_v2",
        "shout": "shout",
        "distance": "distance",
        "chart": "chart",
        "_delete": "delete",
        "fail": "fail",
    }
    assert set(tools) == set(connector.original_names)

    weather = tools["get_weather_v2_2"]
    assert weather.description == "Weather now: Current weather in a city."
    assert weather.parameters["type"] == "object"
    assert weather.parameters["required"] == ["city"]
    assert weather.parameters["properties"]["city"]["type"] == "string"
    assert weather.parameters["properties"]["unit"]["enum"] == ["C", "F"]
    assert weather.returns["properties"]["sky"]["enum"] == ["clear", "cloudy", "rain"]

    distance = tools["distance"]
    assert distance.description == "Manhattan distance between two points."
    point = distance.parameters["$defs"]["Point"]
    assert point["properties"]["x"]["type"] == "integer"
    assert distance.parameters["properties"]["a"] == {"$ref": "#/$defs/Point"}

    shout = tools["shout"]
    assert shout.parameters["properties"]["times"]["type"] == "integer"
    assert shout.returns is None  # structured_output=False: no outputSchema


def test_calls_return_structured_content_text_and_content_blocks(tmp_path):
    async def check(session):
        tools = by_name(await MCPConnector(session).provider())
        return [
            await tools["get_weather_v2_2"].call({"city": "Oslo", "unit": "F"}),
            await tools["get_weather_v2"].call({"city": "Oslo"}),
            await tools["distance"].call({"a": {"x": 1, "y": 2}, "b": {"x": 4, "y": 6}}),
            await tools["shout"].call({"text": "hi", "times": 2}),
            await tools["_delete"].call({"id": 7}),
            await tools["chart"].call({"title": "sales"}),
        ]

    weather, old_weather, distance, shout, deleted, chart = with_stdio(tmp_path, check)
    assert weather == {"city": "Oslo", "celsius": 70.7, "sky": "clear"}
    assert old_weather == {"city": "Oslo", "celsius": 0.0, "sky": "rain"}
    # The server wraps a non-object return in {"result": ...}, as its outputSchema says.
    assert distance == {"result": 7}
    assert shout == "HI HI"
    assert deleted == {"result": "deleted 7"}
    assert chart == [{"type": "text", "text": "sales"}, {"type": "image", "data": PNG, "mimeType": "image/png"}]


def test_tool_failures_raise_tool_error_with_the_servers_message(tmp_path):
    async def check(session):
        connector = MCPConnector(session, "demo")
        tools = by_name(await connector.provider())
        errors = []
        with pytest.raises(ToolError) as failed:
            await tools["fail"].call({"reason": "no fuel"})
        errors.append(failed.value)
        # Past validate: the server's own check answers, as an isError result.
        with pytest.raises(ToolError) as refused:
            await tools["shout"].call({"text": 3})
        errors.append(refused.value)
        return errors

    failed, refused = with_stdio(tmp_path, check)
    # The server's text as it is, after the tool the plan called.
    assert str(failed).startswith("demo.fail: ") and str(failed).endswith("cannot do it: no fuel")
    assert str(refused).startswith("demo.shout: ")
    assert "text" in str(refused)


def test_validate_refuses_bad_arguments_before_the_server_sees_them(tmp_path):
    pytest.importorskip("jsonschema")

    async def check(session):
        return by_name(await MCPConnector(session, "w").provider())

    tools = with_stdio(tmp_path, check)
    weather, distance = tools["get_weather_v2_2"], tools["distance"]
    assert weather.validate({"city": "Oslo"}) == {"city": "Oslo"}
    cases = [
        (weather, {}, "w.get_weather_v2_2: arguments: 'city' is a required property"),
        (weather, {"city": "Oslo", "unit": "K"}, "w.get_weather_v2_2: argument unit: 'K' is not one of ['C', 'F']"),
        (distance, {"a": {"x": 1, "y": "2"}, "b": {"x": 0, "y": 0}}, "w.distance: argument a.y: '2' is not of type 'integer'"),
        (distance, {"a": {"x": "1", "y": "2"}, "b": {}}, "(and 3 more problems)"),
    ]
    for tool, args, message in cases:
        with pytest.raises(ToolError) as refused:
            tool.validate(args)
        assert message in str(refused.value), str(refused.value)


def test_provider_follows_tools_list_pagination_and_reports_error_responses(tmp_path):
    async def check(session):
        connector = MCPConnector(session, "paged")
        tools = by_name(await connector.provider())
        with pytest.raises(ToolError) as refused:
            await tools["tool_1"].call({"n": -1})
        return connector.original_names, await tools["tool_4"].call({"n": 3}), refused.value

    names, result, refused = with_stdio(tmp_path, check, source=PAGED_SERVER)
    assert names == {f"tool_{i}": f"tool-{i}" for i in range(5)}
    assert result == "tool-4 got 3"
    # An MCP error response (not an isError result) is a ToolError too, without the SDK's stack.
    assert str(refused) == "paged.tool_1: n must not be negative"
    assert refused.__cause__ is None and refused.__suppress_context__


def test_sdk2_client_works_as_the_session_and_pages_by_cursor(tmp_path):
    client_class = getattr(pytest.importorskip("mcp"), "Client", None)
    if client_class is None:
        pytest.skip("mcp.Client is SDK 2's")
    script = tmp_path / "server.py"
    script.write_text(PAGED_SERVER)

    async def main():
        params = StdioServerParameters(command=sys.executable, args=[str(script)], env=dict(os.environ))
        async with client_class(params) as client:
            connector = MCPConnector(client, "paged")
            tools = by_name(await connector.provider())
            return connector.original_names, await tools["tool_2"].call({"n": 1})

    names, result = asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
    assert names == {f"tool_{i}": f"tool-{i}" for i in range(5)}
    assert result == "tool-2 got 1"


def test_streamable_http(tmp_path):
    streamable_http = pytest.importorskip("mcp.client.streamable_http")
    # SDK 2 renamed streamablehttp_client, which yielded a third item, the session id getter.
    client = getattr(streamable_http, "streamable_http_client", None) or streamable_http.streamablehttp_client
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, str(script), "http", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP server did not start listening"
                time.sleep(0.05)

        async def main():
            url = f"http://127.0.0.1:{port}/mcp"
            async with client(url) as streams, ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                tools = by_name(await MCPConnector(session, "web").provider())
                return await tools["get_weather_v2_2"].call({"city": "Rome"}), await tools["shout"].call({"text": "ok"})

        weather, shout = asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
        assert weather == {"city": "Rome", "celsius": 21.5, "sky": "clear"}
        assert shout == "OK"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_sandbox_names_do_not_depend_on_listing_order():
    names = ["a-b", "a.b", "a_b", "a_b_2", "class", "_class", "9lives"]
    expected = {
        "a_b": "a_b",
        "a_b_2": "a_b_2",
        "a-b": "a_b_3",
        "a.b": "a_b_4",
        "_class": "_class",
        "class": "_class_2",
        "9lives": "_9lives",
    }
    assert _sandbox_names(names) == expected
    assert _sandbox_names(list(reversed(names))) == expected


def test_connector_names_the_extra_when_the_sdk_is_missing(monkeypatch):
    for module in ("mcp", "mcp.types", "mcp.shared.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'workerbox\[mcp\]'"):
        MCPConnector(object())


def test_connector_refuses_a_namespace_that_is_not_an_identifier():
    with pytest.raises(ValueError, match="not a JavaScript identifier"):
        MCPConnector(object(), "my-server")


def test_codemode_imports_without_the_sdk():
    code = "import sys; sys.modules['mcp'] = None; import workerbox.codemode, workerbox.codemode.mcp; print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_a_plan_calls_the_mcp_server_through_the_sandbox(tmp_path):
    # The whole path on the session's own loop: the plan in the sandbox → the dispatcher →
    # jsonschema → the MCP session over stdio → the server, and each answer back into the plan.
    async def check(session):
        provider = await MCPConnector(session, "demo").provider()
        api = ToolAPI([provider])
        assert "declare const demo: {" in api.typescript()
        plan = """
        const w = await demo.get_weather_v2_2({ city: 'Oslo' })
        const loud = await demo.shout({ text: 'hi', times: 2 })
        let failed = ''
        try { await demo.fail({ reason: 'disk full' }) } catch (e) { failed = e.message }
        return { sky: w.sky, loud, failed }
        """
        return await api.arun(plan)

    result = with_stdio(tmp_path, check)
    assert result.error is None, result.error
    assert result.value["sky"] == "clear" and result.value["loud"] == "HI HI"
    assert "disk full" in result.value["failed"]
    assert [c.name for c in result.calls] == ["get_weather_v2_2", "shout", "fail"]

"""Code Mode: tools described to the model in TypeScript, its plan run in a fresh sandbox."""

import dataclasses
import json
import shutil
import subprocess
from typing import Literal, Optional, TypedDict

import pytest

import workerbox as wb
from workerbox import codemode
from workerbox.codemode import _schema


@dataclasses.dataclass
class Place:
    """A place on the map."""

    name: str
    lat: float
    lon: float


class Forecast(TypedDict):
    temp_c: float
    summary: str


def find_place(query: str, limit: int = 3) -> list[Place]:
    """Search places by name."""
    return [Place(f"{query} {i}", 50.0 + i, 8.0) for i in range(limit)]


async def forecast(place: Place, unit: Literal["c", "f"] = "c") -> Forecast:
    """Weather forecast for a place."""
    return {"temp_c": 21.5 if place.lat < 51 else 12.0, "summary": f"sunny at {place.name} ({unit})"}


def notify(to: str, message: str, urgent: Optional[bool] = None) -> bool:
    """Send a message to a person."""
    return True


@pytest.fixture(params=["pydantic", "builtin"])
def mode(request, monkeypatch):
    """Types and validation from pydantic, and from the built-in path used without it."""
    monkeypatch.setattr(_schema, "USE_PYDANTIC", request.param == "pydantic")
    return request.param


@pytest.fixture
def api(mode):
    return codemode.ToolAPI([find_place, forecast, notify])


def test_typescript_declarations(api):
    ts = api.typescript()
    assert "/** A place on the map. */\ninterface Place { name: string; lat: number; lon: number }" in ts
    assert "interface Forecast { temp_c: number; summary: string }" in ts
    assert "  /** Search places by name. */\n  find_place(args: { query: string; limit?: number }): Promise<Place[]>;" in ts
    assert 'forecast(args: { place: Place; unit?: "c" | "f" }): Promise<Forecast>;' in ts
    assert "notify(args: { to: string; message: string; urgent?: boolean | null }): Promise<boolean>;" in ts
    assert ts.startswith("/** A place")


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is needed to fetch tsc")
def test_declarations_type_check_with_tsc(api, tmp_path):
    subprocess.run(["npm", "install", "--silent", "--prefix", str(tmp_path), "typescript@5"], check=True, timeout=300)
    decl = tmp_path / "codemode.d.ts"
    decl.write_text(api.typescript())
    use = tmp_path / "use.ts"
    use.write_text("async function plan() { const [p] = await codemode.find_place({ query: 'x' }); return (await codemode.forecast({ place: p })).temp_c }\n")
    tsc = tmp_path / "node_modules" / ".bin" / "tsc"
    out = subprocess.run([str(tsc), "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022", str(decl), str(use)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_json_schemas(api):
    schemas = api.json_schemas()
    find = schemas["find_place"]
    assert (find["type"], find["required"]) == ("object", ["query"])
    assert find["properties"]["query"]["type"] == "string"
    assert find["properties"]["limit"]["type"] == "integer"
    forecast = schemas["forecast"]
    assert forecast["properties"]["unit"]["enum"] == ["c", "f"]
    assert forecast["properties"]["place"] == {"$ref": "#/$defs/Place"}
    assert forecast["$defs"]["Place"]["required"] == ["name", "lat", "lon"]


PLAN = """
const places = await codemode.find_place({ query: 'Mainz', limit: 2 })
const report = []
for (const place of places) {
  const f = await codemode.forecast({ place })
  console.log(place.name, f.temp_c)
  report.push(`${place.name}: ${f.summary}`)
}
await codemode.notify({ to: 'ada', message: report.join('; ') })
return report
"""


def test_run_chains_tools_and_records_calls(api):
    result = api.run(PLAN)
    assert result.error is None, result.error
    assert result.value == ["Mainz 0: sunny at Mainz 0 (c)", "Mainz 1: sunny at Mainz 1 (c)"]
    assert [c.name for c in result.calls] == ["find_place", "forecast", "forecast", "notify"]
    assert result.calls[0].args == {"query": "Mainz", "limit": 2}
    assert all(c.duration_s >= 0 and c.error is None for c in result.calls)
    assert result.logs == ["[log] Mainz 0 21.5", "[log] Mainz 1 12"]


def test_module_form(api):
    result = api.run("export default async function () { return (await codemode.find_place({ query: 'x', limit: 1 }))[0].name }")
    assert (result.error, result.value) == (None, "x 0")


@pytest.mark.parametrize(
    "call, message",
    [
        (
            "codemode.find_place({ query: 42 })",
            {
                "builtin": "codemode.find_place: argument 'query': expected string, got int 42",
                "pydantic": "codemode.find_place: argument 'query': Input should be a valid string, got 42",
            },
        ),
        ("codemode.find_place({ q: 'x' })", "unknown argument(s) q; it takes query, limit"),
        ("codemode.notify({ to: 'a' })", "missing required argument(s) message"),
        (
            "codemode.forecast({ place: { name: 'x' } })",
            {"builtin": "missing required field 'lat' of Place", "pydantic": "argument 'place'.lat: Field required"},
        ),
        (
            "codemode.forecast({ place: { name: 'x', lat: 1, lon: 2 }, unit: 'k' })",
            {"builtin": 'expected "c" | "f"', "pydantic": "argument 'unit': Input should be 'c' or 'f', got \"k\""},
        ),
        ("codemode.find_place('x')", "takes one object of named arguments"),
    ],
)
def test_bad_calls_give_the_model_an_actionable_error(api, mode, call, message):
    result = api.run(f"\nreturn await {call}")
    assert result.error is not None and result.error.startswith("ToolError: ")
    message = message[mode] if isinstance(message, dict) else message
    assert message in result.error
    assert "(at line 2, column" in result.error
    assert "Traceback" not in result.error and ".py" not in result.error


def test_failing_plans_do_not_raise(api):
    assert api.run("throw new TypeError('model bug')").error.startswith("TypeError: model bug (at line 1, column ")
    syntax = api.run("const x: number = ;")
    assert syntax.error.startswith("SyntaxError: ")
    assert api.run("return codemode.nope()").error.startswith("TypeError")


def test_limits_and_outbound_apply_inside_run(api):
    spin = api.run("for (;;) {}", limits=wb.Limits(cpu_ms=50))
    assert spin.error.startswith("CpuLimitExceeded")
    blocked = api.run("return await (await fetch('https://example.com/')).text()")
    assert "outbound network access is disabled" in blocked.error
    hooked = api.run("return await (await fetch('https://example.com/')).text()", global_outbound=lambda r: wb.Response("hooked"))
    assert hooked.value == "hooked"


def test_async_run(api):
    import asyncio

    result = asyncio.run(api.arun(PLAN))
    assert result.error is None and len(result.calls) == 4


def test_openai_and_anthropic_adapters(api):
    openai = api.openai_tool()
    assert openai["type"] == "function" and openai["function"]["name"] == "run_code"
    assert openai["function"]["parameters"]["required"] == ["code"]
    assert "declare const codemode" in openai["function"]["description"]
    anthropic = api.anthropic_tool(name="run_plan")
    assert anthropic["name"] == "run_plan" and anthropic["input_schema"]["properties"]["code"]["type"] == "string"
    answer = api.handle_tool_call(json.dumps({"code": "return 1 + 1"}))
    assert answer == "result: 2"
    assert api.handle_tool_call({"nope": 1}).startswith("error:")


def spread_all(*args: int) -> int:
    return 0


@pytest.mark.parametrize(
    "tools, match",
    [([lambda x: x], "public function name"), ([spread_all], r"\*args"), ([notify, notify], "two tools named 'notify'")],
)
def test_bad_tools_are_refused(tools, match):
    with pytest.raises(ValueError, match=match):
        codemode.ToolAPI(tools)

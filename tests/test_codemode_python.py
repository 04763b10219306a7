"""Code Mode with Python plans: tools shown as typed Python stubs, the model's plan run in the
sandbox's Pyodide against the same dispatcher, approvals and results as for TypeScript."""

import ast
import asyncio
import inspect
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from conftest import run_isolated
from test_codemode import find_place, forecast, notify
from test_codemode_approvals import Bank

import workerbox as wb
from workerbox import codemode
from workerbox.codemode import Provider, Tool, ToolAPI, normalize_python
from workerbox.codemode._guest.plan import compile_plan

pytestmark = pytest.mark.usefixtures("pyodide")


@pytest.fixture(scope="module")
def api():
    return ToolAPI([find_place, forecast, notify])


ISSUE = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "One line."},
        "labels": {"type": "array", "items": {"type": "string"}},
        "assignee": {"type": ["string", "null"]},
        "meta": {
            "type": "object",
            "description": "Triage data.",
            "properties": {
                "priority": {"enum": ["low", "high"]},
                "links": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"url": {"type": "string"}, "x-rel": {"type": "string"}}, "required": ["url"]},
                },
            },
            "required": ["priority"],
        },
        "from": {"type": "string", "default": "bot"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
    "required": ["title", "meta"],
}
ISSUE_OUT = {
    "$ref": "#/$defs/Issue",
    "$defs": {
        "Issue": {
            "type": "object",
            "description": "An issue.",
            "properties": {"number": {"type": "integer"}, "parent": {"anyOf": [{"$ref": "#/$defs/Issue"}, {"type": "null"}]}},
            "required": ["number"],
        }
    },
}


def lookup(sql: str, limit: int = 10) -> list[dict[str, int]]:
    """Run a query."""
    return [{"n": limit}] if sql else []


@pytest.fixture(scope="module")
def issues():
    tool = Tool("create_issue", "Open an issue.", ISSUE, lambda args: {"number": 7, "got": args}, returns=ISSUE_OUT)
    every = Tool("$all", "", {"type": "object", "properties": {}}, lambda args: "all")
    return ToolAPI([tool, every, Provider("db", [lookup], positional_args=True, instructions="The warehouse.")])


def test_stubs_of_python_callables(api):
    stubs = api.python()
    assert stubs.startswith("from typing import Any, Literal, NotRequired, TypedDict\n")
    assert 'class Place(TypedDict):\n    """A place on the map."""\n    name: str\n    lat: float\n    lon: float\n' in stubs
    assert "class Forecast(TypedDict):\n    temp_c: float\n    summary: str\n" in stubs
    assert '    @staticmethod\n    def find_place(*, query: str, limit: int = ...) -> list[Place]:\n        """Search places by name."""' in stubs
    assert 'def forecast(*, place: Place, unit: Literal["c", "f"] = ...) -> Forecast:' in stubs
    assert "def notify(*, to: str, message: str, urgent: bool | None = ...) -> bool:" in stubs
    ast.parse(stubs)


def test_stubs_of_nested_objects_arrays_and_optional_fields(issues):
    stubs = issues.python()
    assert 'class CreateIssueMeta(TypedDict):\n    """Triage data."""\n    priority: Literal["low", "high"]\n    links: NotRequired[list[CreateIssueMetaLinksItem]]\n' in stubs
    # A key that is no identifier needs TypedDict's functional form.
    assert 'CreateIssueMetaLinksItem = TypedDict("CreateIssueMetaLinksItem", {\n    "url": str,\n    "x-rel": NotRequired[str],\n})' in stubs
    assert 'class Issue(TypedDict):\n    """An issue."""\n    number: int\n    parent: NotRequired[Issue | None]\n' in stubs
    assert stubs.index("CreateIssueMetaLinksItem =") < stubs.index("class CreateIssueMeta(") < stubs.index("class codemode:")
    signature = "        *,\n        title: str,\n        labels: list[str] = ...,\n        assignee: str | None = ...,\n        meta: CreateIssueMeta,\n"
    assert signature + '        from_: str = "bot",\n        counts: dict[str, int] = ...,\n    ) -> Issue:\n' in stubs
    assert "        Args:\n            title: One line.\n            meta: Triage data.\n" in stubs
    assert "    @staticmethod\n    def _all() -> Any:\n        ...\n" in stubs
    assert 'class db:\n    """The warehouse."""\n\n    @staticmethod\n    def lookup(sql: str, limit: int = ...) -> list[dict[str, int]]:' in stubs
    ast.parse(stubs)


def test_json_schema_to_python():
    text = codemode.json_schema_to_python({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "integer"}}}}, "Rows")
    assert text == "class RowsItem(TypedDict):\n    a: NotRequired[int]\n\n\nRows = list[RowsItem]\n"
    assert codemode.json_schema_to_python({"properties": {"a": {"type": "integer"}}, "required": ["a"]}, "Row") == "class Row(TypedDict):\n    a: int\n"


PLAN = """
places = codemode.find_place(query="Mainz", limit=2)
report = []
for place in places:
    f = codemode.forecast(place=place)  # an async tool, called as a plain function
    print(place["name"], f["temp_c"])
    report.append(f"{place['name']}: {f['summary']}")
codemode.notify(to="ada", message="; ".join(report))
report
"""


def test_a_plan_chains_sync_and_async_tools_and_records_calls(api):
    result = api.run(PLAN, language="python")
    assert result.error is None, result.error
    assert result.value == ["Mainz 0: sunny at Mainz 0 (c)", "Mainz 1: sunny at Mainz 1 (c)"]
    assert [c.name for c in result.calls] == ["find_place", "forecast", "forecast", "notify"]
    assert result.calls[0].args == {"query": "Mainz", "limit": 2}
    assert result.logs == ["[log] Mainz 0 21.5", "[log] Mainz 1 12"]
    assert api.executions()[-1].language == "python"


ASYNC_PLAN = """```python
import asyncio

async def main():
    places = await codemode.find_place(query="x", limit=3)
    forecasts = await asyncio.gather(*[codemode.forecast(place=p) for p in places])
    again = await asyncio.gather(*(codemode.forecast(place=p) for p in places[:1]))
    return [f["temp_c"] for f in forecasts + again]

asyncio.run(main())
```"""


def test_async_main_awaits_tools_in_parallel_under_arun(api):
    result = asyncio.run(api.arun(ASYNC_PLAN, language="python"))
    assert (result.error, result.value) == (None, [21.5, 12, 12, 21.5])
    assert [c.name for c in result.calls] == ["find_place", "forecast", "forecast", "forecast", "forecast"]


def test_keyword_names_positional_providers_and_module_imports(issues):
    plan = "import db\nissue = codemode.create_issue(title='t', meta={'priority': 'low'}, from_='me')\n[issue['got'], db.lookup('q', 3), db.lookup(sql=''), codemode._all()]"
    result = issues.run(plan, language="python")
    assert result.error is None, result.error
    assert result.value == [{"title": "t", "meta": {"priority": "low"}, "from": "me"}, [{"n": 3}], [], "all"]
    assert result.calls[1].args == {"sql": "q", "limit": 3}


BAD_CALLS = """
try:
    codemode.notify(to="a")
except ToolError as e:
    caught = str(e)
codemode.find_place(query=42)
"""


def test_tool_argument_errors_reach_the_model_with_the_plan_line(api):
    error = api.run(BAD_CALLS, language="python").error
    assert error.startswith('Traceback (most recent call last):\n  File "plan.py", line 6, in <module>\n    codemode.find_place(query=42)\n')
    assert "\nToolError: codemode.find_place: argument 'query'" in error and "42" in error
    assert "bridge" not in error and "_codemode" not in error and "main.py" not in error


def test_a_failing_plan_is_reported_with_its_own_frames(api):
    error = api.run("def check(n):\n    raise ValueError(f'bad {n}')\n\ncheck(3)\n", language="python").error
    assert error.startswith('Traceback (most recent call last):\n  File "plan.py", line 4, in <module>\n    check(3)\n')
    assert "  File \"plan.py\", line 2, in check\n    raise ValueError(f'bad {n}')\n" in error
    assert error.endswith("ValueError: bad 3\n")
    syntax = api.run("x = (1,\n", language="python").error
    assert 'File "plan.py", line 1' in syntax and "SyntaxError" in syntax
    missing = api.run("codemode.nope()", language="python").error
    assert missing.endswith("AttributeError: codemode.nope does not exist; available: find_place, forecast, notify\n")


def test_limits_apply_to_a_python_plan(api):
    spin = api.run("while True:\n    pass", language="python", limits=wb.Limits(cpu_ms=300))
    assert spin.error.startswith("CpuLimitExceeded"), spin.error


@pytest.mark.parametrize("language", ["javascript", "Python", ""])
def test_unknown_languages_are_refused(api, language):
    with pytest.raises(ValueError, match="language must be"):
        api.run("1", language=language)


def test_a_plan_that_breaks_the_bridge_gets_an_error_not_a_crash(api):
    plan = "import _codemode.bridge as b\nb._report = lambda e: 42\nraise ValueError('x')"
    assert api.run(plan, language="python").error.startswith("RuntimeError: the plan broke the sandbox's bridge")


def test_without_pyodide_a_python_plan_raises_for_the_host_instead_of_telling_the_model():
    proc = run_isolated(
        """
        import sys
        sys.modules["workerbox_pyodide"] = None  # as if not installed
        import workerbox as wb
        from workerbox.codemode import ToolAPI

        def add(a: int, b: int) -> int:
            return a + b

        try:
            ToolAPI([add]).run("1", language="python")
        except wb.WorkerError as e:
            print("raised:", e)
        print("typescript:", ToolAPI([add]).run("return 1").value)
        """,
        env={"WORKERBOX_PYODIDE_DIR": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "raised: Python workers need Pyodide" in proc.stdout and "typescript: 1" in proc.stdout


@pytest.mark.parametrize("language", ["typescript", "python"])
def test_a_plan_with_a_lone_surrogate_is_reported_not_raised(api, language):
    # What json.loads makes of a model's "\\ud800": not encodable, so no sandbox can take it.
    answer = api.handle_tool_call('{"code": "\\ud800"}', language=language)
    assert answer == "error: CodeError: the plan is not valid Unicode: surrogates not allowed at character 0"


def test_python_plans_are_not_saved_as_snippets(api):
    result = api.run("1 + 1", language="python")
    assert result.value == 2
    with pytest.raises(ValueError, match="python plan; snippets are TypeScript"):
        api.save_snippet("two", result.execution_id)


def test_tool_formats_describe_python_plans(api):
    tool = api.anthropic_tool(language="python")
    assert tool["description"].startswith("Run Python that calls the tools below.")
    assert "class codemode:" in tool["description"]
    assert api.handle_tool_call({"code": "codemode.notify(to='a', message='b')"}, language="python") == "result: true"


def test_discovery_describes_tools_as_python_stubs():
    api = ToolAPI([find_place, forecast, Provider("msg", [notify], instructions="Messaging.")], discovery=True)
    stubs = api.python()
    assert "# msg: 1 tools. Messaging." in stubs and "def find_place" not in stubs
    assert '    def describe(*, path: str) -> str:\n        """The Python stub of one tool' in stubs
    plan = "[hit] = codemode.search(query='weather forecast', limit=1)\ncodemode.describe(path=hit['path'])"
    result = api.run(plan, language="python")
    assert result.error is None, result.error
    assert "class codemode:\n    @staticmethod\n    def forecast(*, place: Place" in result.value
    assert "class Place(TypedDict):" in result.value and "notify" not in result.value
    assert "interface" in api.run("return await codemode.describe({ path: 'codemode.forecast' })").value


def test_agent_framework_tools_take_python_plans(api):
    pytest.importorskip("agents")
    tool = api.openai_agents_tool(language="python")
    assert "class codemode:" in tool.description and "Python" in tool.params_json_schema["properties"]["code"]["description"]
    assert asyncio.run(tool.on_invoke_tool(None, json.dumps({"code": "sum([1, 2])"}))) == "result: 3"
    assert asyncio.run(tool.on_invoke_tool(None, "{}")) == 'error: the run_code tool takes {"code": "<Python>"}'


def test_approvals_pause_a_python_plan_then_approve_and_reject():
    bank = Bank()
    api = ToolAPI([bank.provider(requires_approval=["transfer"])])
    plan = "b = bank.balance()\nsent = bank.transfer(to='ada', amount=30)\ntry:\n    bank.transfer(to='eve', amount=5)\nexcept ToolError as e:\n    sent += ' / ' + str(e)\n[b, sent]"
    first = api.run(plan, language="python")
    assert first.status == "paused" and first.error is None
    [call] = first.pending
    assert (call.name, dict(call.args)) == ("transfer", {"to": "ada", "amount": 30}) and bank.transfers == []
    second = api.approve(call.call_id)
    assert second.status == "paused" and second.pending[0].args["to"] == "eve"
    done = api.reject(second.pending[0].call_id, "eve is not a customer")
    assert (done.status, done.error) == ("done", None)
    assert done.value == [1000, "sent 30 to ada / bank.transfer was rejected: eve is not a customer"]
    assert bank.transfers == [("ada", 30)]


def test_parallel_calls_in_an_async_plan_wait_for_approval_together():
    bank = Bank()
    api = ToolAPI([bank.provider(requires_approval=True)])

    async def main():
        plan = "import asyncio\nawait asyncio.gather(bank.transfer(to='a', amount=1), bank.transfer(to='b', amount=2))"
        r = await api.arun(plan, language="python")
        seen = set()
        while r.status == "paused":
            seen |= {c.args["to"] for c in r.pending}
            r = await asyncio.to_thread(api.approve_all, r.execution_id)
        return seen, r

    seen, done = asyncio.run(main())
    assert seen == {"a", "b"} and (done.error, done.value) == (None, ["sent 1 to a", "sent 2 to b"])


# -- normalisation: the forms a model writes, compiled as the sandbox compiles them -----------


def _run(source):
    plan = compile_plan(source, "plan.py")
    scope = {"__name__": "plan"}
    exec(plan.code, scope)
    result = scope[plan.entry]()
    return asyncio.run(result) if inspect.isawaitable(result) else result


@pytest.mark.parametrize(
    "text, value",
    [
        ("```python\nx = 20\nx + 1\n```", 21),
        ("```py\n[1, 2]\n```\n", [1, 2]),
        ("total = 0\nfor i in range(4):\n    total += i\ntotal", 6),
        ("x = 1; x + 1", 2),
        ("return 5", 5),
        ("import asyncio\nawait asyncio.sleep(0)\n'awaited'", "awaited"),
        ("def main():\n    return 'main'\n\nif __name__ == '__main__':\n    print(main())", "main"),
        ("async def main():\n    return 'async main'\n\nimport asyncio\nasyncio.run(main())", "async main"),
        ("def main():\n    return 'called once'\n\nmain()", "called once"),
        ("from __future__ import annotations\nx: list[int] = [3]\nx", [3]),
        ("x = 1", None),
        ("", None),
    ],
)
def test_plan_forms(text, value):
    assert _run(normalize_python(text)) == value


def test_line_numbers_stay_the_models_own():
    with pytest.raises(ZeroDivisionError) as info:
        _run("a = 1\n\nb = 0\na / b")
    last = info.tb
    while last.tb_next is not None:
        last = last.tb_next
    assert (last.tb_frame.f_code.co_filename, last.tb_lineno) == ("plan.py", 4)


@given(st.text(max_size=200))
def test_compiling_any_text_raises_only_syntax_error(text):
    try:
        compile_plan(normalize_python(text), "plan.py")
    except SyntaxError:
        pass


LINES = ["x = 1", "return x", "await y", "x", "def main():", "    return 2", "async def main():", "main()", "if x:", "    pass", "```", "(", "print(main())"]


@given(st.lists(st.sampled_from(LINES), max_size=8))
def test_compiling_plan_shaped_text_raises_only_syntax_error(lines):
    try:
        compile_plan(normalize_python("\n".join(lines)), "plan.py")
    except SyntaxError:
        pass

"""`run` as one tool of pydantic-ai and of the OpenAI Agents SDK, driven by the frameworks' own
machinery (pydantic-ai's FunctionModel stands in for the LLM)."""

import asyncio
import json

import pytest

from workerbox.codemode import Provider, ToolAPI


def add(a: int, b: int) -> int:
    """a + b"""
    return a + b


def test_a_pydantic_ai_agent_runs_a_plan_through_the_tool():
    pydantic_ai = pytest.importorskip("pydantic_ai")
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
    from pydantic_ai.models.function import FunctionModel

    api = ToolAPI([add])
    seen = {}

    def model(messages, info):
        seen["tools"] = [(t.name, t.description) for t in info.function_tools]
        returns = [p for m in messages for p in getattr(m, "parts", []) if isinstance(p, ToolReturnPart)]
        if not returns:
            return ModelResponse(parts=[ToolCallPart("run_code", {"code": "return await codemode.add({ a: 2, b: 40 })"})])
        return ModelResponse(parts=[TextPart(f"the plan said: {returns[-1].content}")])

    agent = pydantic_ai.Agent(FunctionModel(model), tools=[api.pydantic_ai_tool()])
    result = asyncio.run(agent.run("add 2 and 40"))
    assert result.output == "the plan said: result: 42"
    [(name, description)] = seen["tools"]
    assert name == "run_code" and "add(args: { a: number; b: number }): Promise<number>;" in description


def test_an_openai_agents_function_tool_runs_a_plan():
    pytest.importorskip("agents")
    api = ToolAPI([Provider("math", [add], requires_approval=["add"])])
    plain = ToolAPI([add])
    tool = plain.openai_agents_tool()
    assert tool.name == "run_code" and tool.params_json_schema["required"] == ["code"]
    assert "declare const codemode" in tool.description
    answer = asyncio.run(tool.on_invoke_tool(None, json.dumps({"code": "return await codemode.add({ a: 1, b: 2 })"})))
    assert answer == "result: 3"
    assert asyncio.run(tool.on_invoke_tool(None, "not json")).startswith("error:")
    paused = asyncio.run(api.openai_agents_tool().on_invoke_tool(None, json.dumps({"code": "return await math.add({ a: 1, b: 2 })"})))
    assert paused.startswith("paused: waiting for a person to approve math.add (")

"""Code Mode agent loop: the model writes one TypeScript plan that chains the tools; workerbox
runs it in a fresh sandbox and the result goes back to the model.

Offline (the default, and in CI) a scripted stand-in model answers with fixed TypeScript. With
ANTHROPIC_API_KEY set, a real model is asked instead (plain HTTPS, no SDK needed).
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Any

from workerbox import codemode


@dataclass
class Order:
    id: str
    item: str
    qty: int
    status: str


ORDERS = [Order("o1", "tea", 2, "shipped"), Order("o2", "scones", 12, "delayed"), Order("o3", "jam", 1, "delayed")]


def list_orders(status: str = "") -> list[Order]:
    """Orders, optionally only those with this status."""
    return [o for o in ORDERS if not status or o.status == status]


def email_customer(order_id: str, text: str) -> bool:
    """Send the customer of an order an email."""
    print(f"  (email about {order_id}: {text})")
    return True


API = codemode.ToolAPI([list_orders, email_customer])
TASK = "Apologise to the customer of every delayed order and tell me how many you contacted."

SCRIPTED_PLAN = """
const delayed = await codemode.list_orders({ status: 'delayed' })
for (const order of delayed) {
  await codemode.email_customer({ order_id: order.id, text: `Sorry, your ${order.item} is delayed.` })
}
console.log(`contacted ${delayed.length}`)
return { contacted: delayed.length, orders: delayed.map(o => o.id) }
"""


def scripted_model(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Stands in for an LLM: first a tool call with a plan, then a final answer."""
    if messages[-1]["role"] == "user" and isinstance(messages[-1]["content"], str):
        return {"tool_call": {"code": SCRIPTED_PLAN}}
    return {"text": "I apologised to the customers of 2 delayed orders (o2, o3)."}


def anthropic_model(messages: list[dict[str, Any]]) -> dict[str, Any]:
    body = {
        "model": os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-5"),
        "max_tokens": 1024,
        "tools": [API.anthropic_tool()],
        "messages": messages,
    }
    request = urllib.request.Request(
        "https://api.anthropic.com/v1/messages",
        data=json.dumps(body).encode(),
        headers={"x-api-key": os.environ["ANTHROPIC_API_KEY"], "anthropic-version": "2023-06-01", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        reply = json.load(response)
    messages.append({"role": "assistant", "content": reply["content"]})
    for block in reply["content"]:
        if block["type"] == "tool_use":
            return {"tool_call": block["input"], "id": block["id"]}
    return {"text": "".join(b.get("text", "") for b in reply["content"])}


def main() -> None:
    model = anthropic_model if os.environ.get("ANTHROPIC_API_KEY") else scripted_model
    messages: list[dict[str, Any]] = [{"role": "user", "content": TASK}]
    for _ in range(5):
        turn = model(messages)
        if "text" in turn:
            print("model:", turn["text"])
            return
        print("model wrote a plan; running it in a fresh sandbox")
        result = API.run(turn["tool_call"]["code"])
        print("  ->", result.for_model().replace("\n", "\n     "))
        print("  tool calls:", [(c.name, c.args) for c in result.calls])
        content: Any = result.for_model()
        if "id" in turn:
            content = [{"type": "tool_result", "tool_use_id": turn["id"], "content": content}]
        messages.append({"role": "user", "content": content})


if __name__ == "__main__":
    main()

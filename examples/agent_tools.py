"""An agent's plan, written by an LLM as JavaScript, runs in a fresh sandbox and calls Python
tools through an RpcTarget. The sandbox sees only the tool methods, never the tool's state."""

import workerbox as wb


class Inventory(wb.RpcTarget):
    """The tool surface the host hands the sandbox."""

    def __init__(self) -> None:
        self._stock = {"tea": 12, "cake": 0, "scones": 5}
        self._log: list[str] = []

    def list_items(self) -> list[str]:
        return sorted(self._stock)

    def count(self, item: str) -> int:
        self._log.append(f"count({item})")
        if item not in self._stock:
            raise KeyError(f"unknown item {item!r}")
        return self._stock[item]

    async def reorder(self, item: str, qty: int) -> str:
        self._log.append(f"reorder({item}, {qty})")
        return f"ordered {qty} x {item}"


# What a model might write for "reorder everything that is out of stock".
PLAN = """
export default {
  async run(env) {
    const out = []
    for (const item of await env.inventory.list_items()) {
      if (await env.inventory.count(item) === 0) out.push(await env.inventory.reorder(item, 10))
    }
    try { await env.inventory.count('caviar') } catch (e) { out.push(`${e.name}: ${e.message}`) }
    out.push(`can see state: ${'_stock' in env.inventory}`)
    return out
  },
}
"""

inventory = Inventory()
with wb.Loader() as loader:
    with loader.load(main_module="plan.js", modules={"plan.js": PLAN}, env={"inventory": inventory}) as worker:
        for line in worker.get_entrypoint().run():
            print(line)
print("tool calls:", inventory._log)

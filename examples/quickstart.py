"""Runs a small piece of untrusted JavaScript in a fresh V8 isolate and calls into it."""

import workerbox as wb

AGENT = """
export default {
  double(x) { return x * 2 },
  summarize(items) {
    const total = items.reduce((sum, it) => sum + it.price * it.qty, 0)
    return { count: items.length, total, most: items.toSorted((a, b) => b.qty - a.qty)[0].name }
  },
  async slow(x) { await null; return `awaited ${x}` },
  escape() { return typeof process + ' ' + typeof require + ' ' + typeof fetch },
}
"""

with wb.Loader() as loader:
    with loader.load(main_module="agent.js", modules={"agent.js": AGENT}) as worker:
        agent = worker.get_entrypoint()
        print("double(21) =", agent.double(21))
        print("summarize  =", agent.summarize([{"name": "tea", "price": 3.5, "qty": 2}, {"name": "cake", "price": 4, "qty": 5}]))
        print("slow       =", agent.slow("hello"))
        print("reachable  =", agent.escape(), "(no process, no require, no network)")
        try:
            loader.load(main_module="bad.js", modules={"bad.js": "export default { f() { return 1 +* 2 } }"})
        except wb.JSError as e:
            print("bad module =", e.name, "-", e.message)

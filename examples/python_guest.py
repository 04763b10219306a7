"""Runs a model's Python in a fresh sandbox (Pyodide in its own V8 isolate) with a host tool it
can call as a plain function. Needs Pyodide: pip install 'workerbox[python]' (from a checkout,
bash .ci/pyodide)."""

import workerbox as wb

AGENT = """
import statistics

def summarize(prices, env):
    rate = env.exchange_rate("EUR")          # a host function, called like any other
    return {"mean_eur": round(statistics.mean(prices) * rate, 2), "n": len(prices)}

def escape():
    import os
    return sorted(os.listdir("/")), "HOME" in os.environ and os.environ["HOME"]
"""


def exchange_rate(currency: str) -> float:
    return {"EUR": 0.92}[currency]


with wb.Loader() as loader:
    code = wb.WorkerCode(main_module="agent.py", modules={"agent.py": AGENT}, env={"exchange_rate": exchange_rate})
    with loader.load(code) as worker:
        agent = worker.get_entrypoint()
        print("summarize =", agent.summarize([10, 20, 30]))
        print("reachable =", agent.escape(), "(Pyodide's in-memory file system, not the host's)")
        try:
            agent.summarize("not a list")
        except wb.PythonError as e:
            print("error     =", e.type, "-", e.traceback.strip().splitlines()[-1])
